"""Assignment writes that must hold under parallel workers (PRODUCT §7 "Concurrency").

- Every member of a group is one serial point: parallel workers of one group conflict and retry
  (with jittered back-off); a block of up to 50 cards per transaction keeps that cheap.
- A card is assigned with a conditional write on the state it was read in: it is never assigned
  twice, and a claim race has exactly one winner.
- Round robin picks, among a group's available and eligible members, the one with the lowest
  ``rank`` (ties: the agent id), and moves it to the top (``max rank + 1``) in the same
  transaction as the card, conditioned on the rank it read. Ranks only grow, so a pick that
  commits was the least recently assigned of the eligible members at commit time: over any run,
  equally eligible agents' counts differ by at most one, whatever the interleaving. Ranks are
  numbers, not clock times, so workers' clocks do not matter. A lost race (another worker moved
  that member) re-reads and picks again; a card someone else assigned meanwhile is CardTaken.
- Manual, direct and default-agent assignments move the agent to the top the same way
  ("the last lead assigned time is affected by manual assignment and distribution").
- A card write that moves no member (a queue: prospects, Lead Exception, Unassigned, offered to
  all or to a ring) is one conditional update, not a transaction (which would cost twice).

Every assignment but a prospect puts the card in the sparse ``pool`` index: a queue's cards under
``<org>#<state>`` (organisation-wide, so one query lists a queue newest first and filters by
group), an agent's under ``<org>#agent:<agent>#assigned``; ``pooled_at`` is when it was queued,
assigned or last worked. Prospects are listed by blocks of rows instead
(:mod:`dispatch.assignment.prospects`): the block is noted before the card is written.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.assignment.models import Assignment, AssignmentState
from dispatch.assignment.prospects import ProspectBlocks
from dispatch.assignment.store import AgentStore, Member
from dispatch.cards.models import Card
from dispatch.clock import now_iso, utcnow
from dispatch.config import Settings
from dispatch.delivery.backoff import backoff
from dispatch.dynamo import failed_conditions, is_condition_failure, is_transient, to_dynamo
from dispatch.errors import Conflict

QUEUES = frozenset(
    {
        AssignmentState.prospect,
        AssignmentState.available,
        AssignmentState.offered,
        AssignmentState.unassigned,
        AssignmentState.lead_exception,
    }
)
MAX_ATTEMPTS = 200  # workers of one group contend for its rotation; each retry backs off with jitter
RETRY = -1  # a transaction cancelled without a failed condition
MIN_BACKOFF = 0.002  # seconds: the smallest back-off scale between contending transactions
ONCE_KEPT_SECONDS = 30 * 24 * 3600  # a credit's marker outlives any redelivery of its message
BLOCK = 50  # cards per transaction (with at most 50 members moved: within the 100-item limit)
_serializer = TypeSerializer()


class CardTaken(Exception):
    """The card is no longer in the state it was read in (another worker or agent got it)."""


def queue_key(org_id: str, state: AssignmentState) -> str:
    """The sparse ``pool`` index key of the organisation's cards waiting in a queue (whatever
    their group: the card's assignment names it)."""
    return f"{org_id}#{state.value}"


def agent_pool(org_id: str, agent_id: str) -> str:
    """The ``pool`` index key of the cards assigned to one agent; their ``pooled_at`` is when the
    card was last assigned or worked, so idle cards are a range of it (retrieval)."""
    return f"{org_id}#agent:{agent_id}#{AssignmentState.assigned.value}"


class Assigner:
    def __init__(self, settings: Settings, agents: AgentStore) -> None:
        self._main = settings.main_table
        self._cards = settings.cards_table
        self.agents = agents
        self.prospects = ProspectBlocks(settings)
        self._latency = MIN_BACKOFF  # how long a transaction of ours takes (moving average)

    def round_robin(
        self,
        cards: list[tuple[Card, dict[str, Any]]],
        group_id: str,
        make: Callable[[Card, str], Assignment],
        expected: AssignmentState | None,
        offer_round: int | None = None,
    ) -> dict[str, str | None]:
        """Assign up to ``BLOCK`` cards (each with its field values) in rotation order, in one
        transaction: every pick as if one at a time, the picked members moved to the top,
        conditioned on the ranks read (and each card on ``expected``, and ``offer_round``). Returns
        card id → agent id (None: no member available and eligible for that card; the caller falls
        back). Cards taken meanwhile are left out."""
        pending = list(cards[:BLOCK])
        for attempt in range(MAX_ATTEMPTS):
            self._pause(attempt)
            members = self.agents.members(group_id)
            ranks = {member.agent_id: member.rank for member in members}
            top = max(ranks.values(), default=0)
            picks: dict[str, str | None] = {}
            moved: dict[str, Member] = {}
            for card, values in pending:
                candidates = [m for m in members if m.available and m.eligible_for(values)]
                if not candidates:
                    picks[card.id] = None
                    continue
                pick = min(candidates, key=lambda member: (ranks[member.agent_id], member.agent_id))
                top += 1
                ranks[pick.agent_id] = top
                moved[pick.agent_id] = pick
                picks[card.id] = pick.agent_id
            assigned = [(card, picks[card.id]) for card, _ in pending if picks[card.id] is not None]
            if not assigned:
                return picks
            counts = Counter(agent for _, agent in assigned)
            items = [
                self._member_bump(group_id, member, ranks[agent_id], counts[agent_id])
                for agent_id, member in moved.items()
            ]
            items += [
                self._card_update(card, make(card, str(agent)), expected, offer_round)
                for card, agent in assigned
            ]
            failed = self._transact(items)
            if failed is None:
                return picks
            if failed >= len(moved):  # a card was taken meanwhile: leave it out, pick again
                taken = assigned[failed - len(moved)][0].id
                pending = [(card, values) for card, values in pending if card.id != taken]
            # else another worker moved a member first: read the ranks again
        raise Conflict("the group's rotation is too contended; try again")

    def assign(
        self,
        card: Card,
        assignment: Assignment,
        expected: AssignmentState | None,
        *,
        group_id: str | None = None,
        offer_round: int | None = None,
        noted: bool = False,
    ) -> None:
        """Set one card's assignment (conditional on ``expected`` — and on ``offer_round``, for a
        ring_all offer — CardTaken when it no longer holds); an assignment to a member of a group
        also moves it to the top of the rotation, in the same transaction. A prospect is listed by
        its block, noted first (``noted``: by :meth:`note_prospects` already)."""
        if not (assignment.agent_id and group_id):  # no member moves: one conditional update
            if assignment.state is AssignmentState.prospect and not noted:
                self.note_prospects([card])
            try:
                aws.client("dynamodb").update_item(
                    **self._card_update(card, assignment, expected, offer_round)["Update"]
                )
            except ClientError as exc:
                if is_condition_failure(exc):
                    raise CardTaken(card.id) from exc
                raise
            return
        for attempt in range(MAX_ATTEMPTS):
            self._pause(attempt)
            items: list[dict[str, Any]] = []
            if assignment.agent_id and group_id:
                members = self.agents.members(group_id)
                member = next((m for m in members if m.agent_id == assignment.agent_id), None)
                if member is not None:
                    items.append(self._member_bump(group_id, member, max(m.rank for m in members) + 1))
            items.append(self._card_update(card, assignment, expected, offer_round))
            failed = self._transact(items)
            if failed is None:
                return
            if failed == len(items) - 1:
                raise CardTaken(card.id)
        raise Conflict("the group's rotation is too contended; try again")

    def note_prospects(self, cards: list[Card]) -> None:
        """Note the blocks of cards about to become prospects: each block once."""
        rows: dict[tuple[str, str], list[int]] = {}
        for card in cards:
            rows.setdefault((card.org_id, card.batch_id), []).append(card.row)
        for (org_id, batch_id), batch_rows in rows.items():
            self.prospects.note(org_id, batch_id, batch_rows)

    def credit(self, group_id: str, agent_id: str, once: tuple[str, str]) -> bool:
        """Move an agent to the top of a group's rotation for an assignment made elsewhere (a
        ring_all accept), exactly once: ``once`` (pk, sk) is written in the same transaction and
        only if absent. False when it was already credited (or the agent left the group)."""
        marker = {
            "Put": {
                "TableName": self._main,
                "Item": _typed(
                    {
                        "pk": once[0],
                        "sk": once[1],
                        "expires_at": int(utcnow().timestamp()) + ONCE_KEPT_SECONDS,
                    }
                ),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        for attempt in range(MAX_ATTEMPTS):
            self._pause(attempt)
            members = self.agents.members(group_id)
            member = next((m for m in members if m.agent_id == agent_id), None)
            if member is None:
                return False
            failed = self._transact(
                [self._member_bump(group_id, member, max(m.rank for m in members) + 1), marker]
            )
            if failed is None:
                return True
            if failed == 1:
                return False
        raise Conflict("the group's rotation is too contended; try again")

    def _member_bump(self, group_id: str, member: Member, rank: int, times: int = 1) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._main,
                "Key": _typed({"pk": f"GROUP#{group_id}", "sk": f"MEMBER#{member.agent_id}"}),
                "UpdateExpression": "SET #rank = :rank, last_assigned_at = :at ADD assigned :times",
                "ConditionExpression": "#rank = :read",
                "ExpressionAttributeNames": {"#rank": "rank"},
                "ExpressionAttributeValues": _typed(
                    {":rank": rank, ":read": member.rank, ":at": now_iso(), ":times": times}
                ),
            }
        }

    def _pause(self, attempt: int) -> None:
        """Before a retry: a back-off with full jitter on the scale of a transaction's duration —
        the time the worker that won needs to commit — so contending workers spread out instead
        of colliding again."""
        if attempt:
            time.sleep(backoff(min(attempt, 4), base=self._latency))

    def _transact(self, items: list[dict[str, Any]]) -> int | None:
        """None when written; else the index of the first item whose condition failed, or
        ``RETRY`` when none did (DynamoDB cancelled it for a conflicting transaction or throttling:
        try again)."""
        started = time.monotonic()
        try:
            aws.client("dynamodb").transact_write_items(TransactItems=items)
        except ClientError as exc:
            if not (is_condition_failure(exc) or is_transient(exc)):
                raise
            return next(iter(failed_conditions(exc)), RETRY)
        finally:
            took = time.monotonic() - started
            self._latency = max(MIN_BACKOFF, 0.8 * self._latency + 0.2 * took)
        return None

    def _card_update(
        self,
        card: Card,
        assignment: Assignment,
        expected: AssignmentState | None,
        offer_round: int | None = None,
    ) -> dict[str, Any]:
        names = {"#a": "assignment", "#s": "state", "#pool": "pool"}
        values: dict[str, Any] = {":a": to_dynamo(assignment.model_dump(mode="json", exclude_none=True))}
        if assignment.state is AssignmentState.prospect:  # out of every pool: listed by its block
            update = "SET #a = :a REMOVE #pool, pooled_at"
        else:
            update = "SET #a = :a, #pool = :pool, pooled_at = :at"
            values[":pool"] = (
                agent_pool(card.org_id, str(assignment.agent_id))
                if assignment.state is AssignmentState.assigned
                else queue_key(card.org_id, assignment.state)
            )
            values[":at"] = now_iso()
        if expected is None:
            condition = "attribute_exists(batch_id) AND attribute_not_exists(#a)"
        else:
            condition = "#a.#s = :expected"
            values[":expected"] = expected.value
            if offer_round is not None:
                condition += " AND #a.offer_round = :round"
                values[":round"] = offer_round
        return {
            "Update": {
                "TableName": self._cards,
                "Key": _typed({"batch_id": card.batch_id, "row": card.row}),
                "UpdateExpression": update,
                "ConditionExpression": condition,
                "ExpressionAttributeNames": names
                if expected is not None
                else {"#a": "assignment", "#pool": "pool"},
                "ExpressionAttributeValues": _typed(values),
            }
        }


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}
