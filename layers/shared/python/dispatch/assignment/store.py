"""Agents and groups in the main table (docs/data-model.md).

Items:
- agent: ``pk=ORG#<org>``, ``sk=AGENT#<id>``; its login email (canonical, :mod:`dispatch.emails`)
  and user id are unique in the organisation: ``sk=AGENTEMAIL#<email>`` and
  ``sk=AGENTUSER#<user id>`` point at it, written in the same transaction (a second agent with the
  same email is a 409); they are how ``direct`` assignment finds an agent, and the user id is how
  a signed-in user is recognised as one;
- group: ``pk=ORG#<org>``, ``sk=GROUP#<id>``;
- membership: ``pk=GROUP#<id>``, ``sk=MEMBER#<agent id>`` — the agent's rotation state in that
  group (``rank``: the higher, the more recently assigned; ``assigned``; ``last_assigned_at``) and a
  copy of what choosing needs (availability, filters), so a round-robin choice is one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel

from dispatch import aws
from dispatch.assignment.models import Agent, AssignmentConfig, Filter, Group, eligible
from dispatch.clock import isoformat
from dispatch.config import Settings
from dispatch.dynamo import (
    applied,
    conflict_on_condition,
    failed_conditions,
    from_dynamo,
    query_all,
    query_page,
    storage_error,
    to_dynamo,
)
from dispatch.emails import canonical_email
from dispatch.errors import Conflict, InvalidRequest, NotFound

_INTERNAL = {"pk", "sk"}
_Model = TypeVar("_Model", bound=BaseModel)
MARK_SETTLES = timedelta(minutes=1)  # far beyond the pool index's usual propagation delay
_serializer = TypeSerializer()


def _org(org_id: str) -> str:
    return f"ORG#{org_id}"


class Member:
    """An agent as one group's rotation sees it."""

    __slots__ = ("agent_id", "assigned", "available", "email", "filters", "rank")

    def __init__(self, item: dict[str, Any]) -> None:
        plain = from_dynamo(item)
        self.agent_id: str = plain["agent_id"]
        self.email: str = plain.get("email", "")
        self.available: bool = bool(plain.get("available", True))
        self.rank: int = int(plain.get("rank", 0))
        self.assigned: int = int(plain.get("assigned", 0))
        self.filters = {
            name: Filter.model_validate(spec) for name, spec in (plain.get("filters") or {}).items()
        }

    def eligible_for(self, values: dict[str, Any]) -> bool:
        return eligible(self.filters, values)


class AgentStore:
    def __init__(self, settings: Settings) -> None:
        self._name = settings.main_table
        self._table = aws.dynamodb_table(settings.main_table)

    # ---- agents ---------------------------------------------------------------------------------
    def create_agent(self, agent: Agent) -> None:
        """The agent, its unique email (and user id) pointers and its group memberships, at once."""
        items = [self._put(_org(agent.org_id), f"AGENT#{agent.id}", _agent_item(agent), new=True)]
        items += self._pointers(agent)
        items += [
            self._put(f"GROUP#{group}", f"MEMBER#{agent.id}", _member_item(agent), new=True)
            for group in agent.groups
        ]
        self._transact(items)

    def update_agent(self, before: Agent, after: Agent) -> None:
        """Replace an agent; pointers and memberships follow (a rotation rank is kept)."""
        items: list[dict[str, Any]] = [self._put(_org(after.org_id), f"AGENT#{after.id}", _agent_item(after))]
        # Only the pointers that change: one transaction may not touch an item twice.
        kept = set(_pointer_keys(before)) & set(_pointer_keys(after))
        items += [self._delete(_org(before.org_id), key) for key in _pointer_keys(before) if key not in kept]
        items += [self._pointer(after, key) for key in _pointer_keys(after) if key not in kept]
        for group in set(before.groups) - set(after.groups):
            items.append(self._delete(f"GROUP#{group}", f"MEMBER#{after.id}"))
        for group in after.groups:
            items.append(self._member_update(group, after))
        self._transact(items)

    def delete_agent(self, agent: Agent) -> None:
        items = [self._delete(_org(agent.org_id), f"AGENT#{agent.id}")]
        items += [self._delete(_org(agent.org_id), key) for key in _pointer_keys(agent)]
        items += [self._delete(f"GROUP#{group}", f"MEMBER#{agent.id}") for group in agent.groups]
        self._transact(items)

    def agent(self, org_id: str, agent_id: str) -> Agent:
        return self._one(org_id, "AGENT#", agent_id, Agent, "agent")

    def agent_by(self, org_id: str, *, email: str | None = None, user_id: str | None = None) -> Agent | None:
        """The agent with this login email (any spelling of it) or user id; None when there is none
        (or ``email`` is not an address)."""
        if email:
            try:
                key = f"AGENTEMAIL#{canonical_email(email)}"
            except ValueError:
                return None
        else:
            key = f"AGENTUSER#{user_id}"
        item = self._table.get_item(Key={"pk": _org(org_id), "sk": key}, ConsistentRead=True).get("Item")
        return self.agent(org_id, str(item["agent_id"])) if item else None

    def link_user(self, agent: Agent, user_id: str) -> Agent:
        """Record the user who acts as an agent that has none yet, with its unique user-id pointer,
        in one transaction; Conflict when the agent got a user meanwhile or the user is another
        agent's."""
        items = [
            {
                "Update": {
                    "TableName": self._name,
                    "Key": _typed({"pk": _org(agent.org_id), "sk": f"AGENT#{agent.id}"}),
                    "UpdateExpression": "SET user_id = :user",
                    "ConditionExpression": "attribute_exists(pk) AND "
                    "(attribute_not_exists(user_id) OR attribute_type(user_id, :null))",
                    "ExpressionAttributeValues": _typed({":user": user_id, ":null": "NULL"}),
                }
            },
            self._pointer(agent, f"AGENTUSER#{user_id}"),
        ]
        self._transact(items, "the agent is already linked to another user")
        return agent.model_copy(update={"user_id": user_id})

    def agents(self, org_id: str, limit: int, cursor: str | None) -> tuple[list[Agent], str | None]:
        return self._page(org_id, "AGENT#", Agent, limit, cursor)

    # ---- groups ---------------------------------------------------------------------------------
    def put_group(self, group: Group, *, new: bool) -> None:
        """A new group (``new``), or a replacement of one that exists; Conflict otherwise."""
        with conflict_on_condition("the group changed meanwhile"):
            self._table.put_item(
                Item={
                    "pk": _org(group.org_id),
                    "sk": f"GROUP#{group.id}",
                    **to_dynamo(group.model_dump(mode="json")),
                },
                ConditionExpression="attribute_not_exists(pk)" if new else "attribute_exists(pk)",
            )

    def group(self, org_id: str, group_id: str) -> Group:
        return self._one(org_id, "GROUP#", group_id, Group, "group")

    def check_setting(self, org_id: str, setting: AssignmentConfig | None) -> None:
        """An assignment setting given to a process or a batch names a group of the organisation
        (400 otherwise: the request names something that is not there)."""
        group_id = setting.group_id if setting is not None else None
        if group_id:
            try:
                self.group(org_id, group_id)
            except NotFound as exc:
                raise InvalidRequest(
                    f"no such distribution group {group_id!r}", {"group_id": group_id}
                ) from exc

    def groups(self, org_id: str, limit: int, cursor: str | None) -> tuple[list[Group], str | None]:
        return self._page(org_id, "GROUP#", Group, limit, cursor)

    def delete_group(self, org_id: str, group_id: str) -> None:
        if self.members(group_id):
            raise Conflict("the group still has agents; remove them from it first", {"group_id": group_id})
        self._table.delete_item(Key={"pk": _org(org_id), "sk": f"GROUP#{group_id}"})

    def members(self, group_id: str) -> list[Member]:
        """Every member of a group with its rotation state (strongly consistent)."""
        query = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :m)",
            "ExpressionAttributeValues": {":pk": f"GROUP#{group_id}", ":m": "MEMBER#"},
            "ConsistentRead": True,
        }
        return [Member(item) for item in query_all(self._table, query)]

    # ---- the Unassigned queue ---------------------------------------------------------------------
    def mark_waiting(self, org_id: str, batch_id: str, moment: datetime) -> None:
        """A batch has (or is about to have) cards in the Unassigned queue, outside business
        hours: the drain looks here for the organisations to drain. Every mark bumps a version
        and its time, so a drain removes only a mark it has seen and that has had time to settle."""
        self._table.update_item(
            Key={"pk": "UNASSIGNED", "sk": f"{org_id}#{batch_id}"},
            UpdateExpression="SET marked_at = :at ADD version :one",
            ExpressionAttributeValues={":at": isoformat(moment), ":one": 1},
        )

    def waiting(self) -> list[WaitingBatch]:
        """Every batch with cards waiting for business hours."""
        query = {"KeyConditionExpression": "pk = :pk", "ExpressionAttributeValues": {":pk": "UNASSIGNED"}}
        return [
            WaitingBatch(*_split_batch(str(item["sk"])), version=int(item.get("version", 0)))
            for item in query_all(self._table, query)
        ]

    def drained(self, waiting: WaitingBatch, now: datetime) -> bool:
        """Remove a batch's mark unless it was marked again meanwhile or too recently — the
        ``pool`` index the drain reads is eventually consistent, so a card queued a moment ago
        may not be listed yet; such a mark stays for the next drain. False when it stays."""
        return applied(
            lambda: self._table.delete_item(
                Key={"pk": "UNASSIGNED", "sk": f"{waiting.org_id}#{waiting.batch_id}"},
                ConditionExpression="version = :seen AND marked_at < :settled",
                ExpressionAttributeValues={
                    ":seen": waiting.version,
                    ":settled": isoformat(now - MARK_SETTLES),
                },
            )
        )

    # ---- what agents were told -------------------------------------------------------------------
    def first_notice(self, key: tuple[str, str], expires_at: int) -> bool:
        """Record that a notice is going out; False when it already went (a repeated message).
        ``key`` is (card id, what/who/round); the record expires (TTL) after ``expires_at``."""
        return applied(
            lambda: self._table.put_item(
                Item={"pk": f"NOTICE#{key[0]}", "sk": key[1], "expires_at": expires_at},
                ConditionExpression="attribute_not_exists(pk)",
            )
        )

    def forget_notice(self, key: tuple[str, str]) -> None:
        """The notice did not go out after all (the provider asked to retry later)."""
        self._table.delete_item(Key={"pk": f"NOTICE#{key[0]}", "sk": key[1]})

    # ---- helpers --------------------------------------------------------------------------------
    def _one(self, org_id: str, prefix: str, item_id: str, model: type[_Model], what: str) -> _Model:
        """One item of the organisation (strongly consistent); NotFound names ``what``."""
        item = self._table.get_item(
            Key={"pk": _org(org_id), "sk": f"{prefix}{item_id}"}, ConsistentRead=True
        ).get("Item")
        if not item:
            raise NotFound(f"no such {what}", {f"{what}_id": item_id})
        return model.model_validate(from_dynamo(_public(item)))

    def _page(
        self, org_id: str, prefix: str, model: Any, limit: int, cursor: str | None
    ) -> tuple[list[Any], str | None]:
        request: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": _org(org_id), ":prefix": prefix},
            "Limit": limit,
        }
        items, next_cursor = query_page(self._table, request, cursor)
        return [model.model_validate(from_dynamo(_public(item))) for item in items], next_cursor

    def _pointers(self, agent: Agent) -> list[dict[str, Any]]:
        return [self._pointer(agent, key) for key in _pointer_keys(agent)]

    def _pointer(self, agent: Agent, key: str) -> dict[str, Any]:
        return self._put(_org(agent.org_id), key, {"agent_id": agent.id}, new=True)

    def _put(self, pk: str, sk: str, body: dict[str, Any], *, new: bool = False) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self._name,
            "Item": _typed({"pk": pk, "sk": sk, **to_dynamo(body)}),
        }
        if new:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        return {"Put": put}

    def _delete(self, pk: str, sk: str) -> dict[str, Any]:
        return {"Delete": {"TableName": self._name, "Key": _typed({"pk": pk, "sk": sk})}}

    def _member_update(self, group: str, agent: Agent) -> dict[str, Any]:
        """Availability and filters change; the rotation state (rank, counts) stays."""
        return {
            "Update": {
                "TableName": self._name,
                "Key": _typed({"pk": f"GROUP#{group}", "sk": f"MEMBER#{agent.id}"}),
                "UpdateExpression": (
                    "SET agent_id = :id, email = :email, available = :available, filters = :filters, "
                    "#rank = if_not_exists(#rank, :zero), assigned = if_not_exists(assigned, :zero)"
                ),
                "ExpressionAttributeNames": {"#rank": "rank"},
                "ExpressionAttributeValues": _typed(
                    {
                        ":id": agent.id,
                        ":email": agent.email,
                        ":available": agent.available,
                        ":filters": to_dynamo(agent.filter_specs()),
                        ":zero": 0,
                    }
                ),
            }
        }

    def _transact(
        self, items: list[dict[str, Any]], changed: str = "the agent changed meanwhile; read it again"
    ) -> None:
        """Write an agent's items at once. Refused, the reason is read per item: the condition
        that failed says which (:func:`_conflict`; ``changed`` when it is the agent's own item); a
        transient cancellation is :class:`Busy`."""
        try:
            aws.client("dynamodb").transact_write_items(TransactItems=items)
        except ClientError as exc:
            failed = failed_conditions(exc)
            if failed:
                raise _conflict(items[failed[0]], changed) from exc
            refused = storage_error(exc)
            if refused is None:
                raise
            raise refused from exc


def _conflict(item: dict[str, Any], changed: str) -> Conflict:
    """What a failed condition on one of an agent's items means: a unique pointer (email, user id)
    taken by another agent, or an item another request wrote first."""
    write = item.get("Put") or item.get("Update") or item.get("Delete") or {}
    key = str((write.get("Item") or write.get("Key") or {}).get("sk", {}).get("S", ""))
    if key.startswith("AGENTEMAIL#"):
        return Conflict("an agent with this email already exists", {"field": "email"})
    if key.startswith("AGENTUSER#"):
        return Conflict("an agent with this user id already exists", {"field": "user_id"})
    return Conflict(changed)


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


def _pointer_keys(agent: Agent) -> list[str]:
    keys = [f"AGENTEMAIL#{agent.email}"]  # canonical (the model's validator)
    if agent.user_id:
        keys.append(f"AGENTUSER#{agent.user_id}")
    return keys


def _agent_item(agent: Agent) -> dict[str, Any]:
    return agent.view()


def _member_item(agent: Agent) -> dict[str, Any]:
    return {
        "agent_id": agent.id,
        "email": agent.email,
        "available": agent.available,
        "filters": agent.filter_specs(),
        "rank": 0,
        "assigned": 0,
    }


@dataclass(frozen=True)
class WaitingBatch:
    """A batch with cards in the Unassigned queue, and the mark's version."""

    org_id: str
    batch_id: str
    version: int


def _split_batch(sort_key: str) -> tuple[str, str]:
    org_id, _, batch_id = sort_key.partition("#")
    return org_id, batch_id


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in _INTERNAL}
