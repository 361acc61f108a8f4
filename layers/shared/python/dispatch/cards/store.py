"""Cards in the cards table: ``batch_id`` (partition) and ``row`` (sort), the file's row number.

A batch's cards are one partition in file order, so a chunk of rows is one range query and a
re-run of generation overwrites the same items instead of adding new ones. Status changes are
conditional writes: a card is claimed (``ready`` → ``sending``) before anything is sent.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.assignment.models import Assignment, AssignmentState
from dispatch.cards.models import SYSTEM_SENDER, Card, CardStatus, Distribution
from dispatch.clock import isoformat, now_iso, parse_iso
from dispatch.config import Settings
from dispatch.delivery.backoff import backoff
from dispatch.dynamo import (
    applied,
    from_dynamo,
    is_condition_failure,
    is_transient,
    query_all,
    query_filtered,
    query_page,
    to_dynamo,
)
from dispatch.errors import Conflict, InvalidRequest, NotFound
from dispatch.ids import split_card_id
from dispatch.numbers import UnstorableNumber
from dispatch.numbers import storable as storable_value

POOL_KEY = ("pool", "pooled_at", "batch_id", "row")  # the pool index's key, and the table's
WORK_ATTEMPTS = 10  # concurrent work on one card: each writer re-reads and tries again
RECORD_ATTEMPTS = 5  # a throttled record of what a provider did, beyond the SDK's own retries
T = TypeVar("T")
# A card's row data at most: DynamoDB's item limit is 400 KB, and sending, delivery events and
# agents' activity (its last 100 entries) add to a card later.
VALUES_BYTES = 256 * 1024


def storable(card: Card) -> Card:
    """The card as the cards table can hold it: unchanged, or an ``error`` card saying why, without
    the values DynamoDB cannot store (a number it cannot hold, or row data too large for an item).

    Generation writes a chunk's cards together; one card DynamoDB refuses would fail them all.
    """
    refused: dict[str, str] = {}
    for name, value in card.values.items():
        try:
            storable_value(value)
        except UnstorableNumber as exc:
            refused[name] = str(exc)
    if refused:
        reasons = "; ".join(f"{name}: {reason}" for name, reason in refused.items())
        values = {name: value for name, value in card.values.items() if name not in refused}
        card = _unstorable(card, f"cannot be stored: {reasons}", values)
    size = len(json.dumps(card.values, ensure_ascii=False).encode())
    if size > VALUES_BYTES:
        reason = f"cannot be stored: the row's data is {size} bytes, at most {VALUES_BYTES} fit in a card"
        card = _unstorable(card, reason, {})
    return card


def _unstorable(card: Card, reason: str, values: dict[str, Any]) -> Card:
    return card.model_copy(update={"status": CardStatus.error, "error": reason, "values": values})


# A resent card keeps the status it had if the resend comes to nothing — its claim goes stale, or
# SES rejects the message after accepting the call: the earlier message was accepted (or may have
# been, ``unconfirmed``) whatever happened to the resend (``stale_status``).
KEPT_THROUGH_RESEND = frozenset({CardStatus.sent, CardStatus.delivered, CardStatus.unconfirmed})
# What a claim adds to a card, removed with it: when (the sweep turns a claim older than any send
# attempt ``unconfirmed``; it finds the card through its chunk's in-flight mark,
# ``BatchStore.open_chunk``, which its sender wrote before claiming), who claimed it (a delivery
# event that finds the card still claimed records the distribution in their name) and, for a
# resend, the status it keeps. A recorded send keeps ``stale_status`` (until the next claim): SES
# may still reject the resend's message.
CLAIM = ("claimed_at", "claimed_by", "claimed_by_email", "stale_status")
_REMOVE_CLAIM = "REMOVE " + ", ".join(CLAIM)
_REMOVE_CLAIM_KEEPING_STATUS = ", ".join(name for name in CLAIM if name != "stale_status")


@dataclass(frozen=True)
class Claim:
    """Who holds a ``sending`` card, and the status it keeps if it was a resend that came to nothing."""

    by: str
    by_email: str | None = None
    stale_status: CardStatus | None = None


@dataclass(frozen=True)
class CardChange:
    """One conditional change of a card in the status it was read in: a new status (None: the
    status stays), fields to set, fields set only where absent (first-of-kind facts),
    distributions to append, attributes to remove."""

    target: CardStatus | None
    sets: dict[str, Any] = field(default_factory=dict)
    if_absent: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    remove: tuple[str, ...] = ()

    def expression(self, source: CardStatus) -> dict[str, Any]:
        """``UpdateExpression``, ``ConditionExpression`` (the card is still ``source``) and their
        names and values (plain Python values: the caller serialises them for the client API)."""
        names = {"#status": "status"}
        values: dict[str, Any] = {":source": source.value}
        assignments = []
        if self.target is not None:
            assignments.append("#status = :target")
            values[":target"] = self.target.value
        for index, (name, value) in enumerate(self.sets.items()):
            names[f"#f{index}"], values[f":f{index}"] = name, value
            assignments.append(f"#f{index} = :f{index}")
        for index, (name, value) in enumerate(self.if_absent.items()):
            names[f"#k{index}"], values[f":k{index}"] = name, value
            assignments.append(f"#k{index} = if_not_exists(#k{index}, :k{index})")
        if self.history:
            names["#history"] = "distributions"
            values[":history"], values[":empty"] = self.history, []
            assignments.append("#history = list_append(if_not_exists(#history, :empty), :history)")
        expression = "SET " + ", ".join(assignments)
        if self.remove:
            removed = {f"#r{index}": name for index, name in enumerate(self.remove)}
            names.update(removed)
            expression += " REMOVE " + ", ".join(removed)
        return {
            "UpdateExpression": expression,
            "ConditionExpression": "#status = :source",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }


class CardStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.cards_table)

    def put_many(self, cards: Iterable[Card]) -> None:
        """Write cards in 25-item batches (BatchWriteItem, unprocessed items retried by boto3).
        One card DynamoDB refuses fails the call: generation writes cards :func:`storable` made."""
        with self._table.batch_writer() as writer:
            for card in cards:
                item = to_dynamo(card.model_dump(mode="json", exclude_none=True))
                if card.contact_id:  # the sparse index of a contact's history
                    item["contact_key"] = contact_key(card.org_id, card.contact_id)
                writer.put_item(Item=item)

    def get(self, card_id: str) -> Card:
        try:
            batch_id, row = split_card_id(card_id)
        except ValueError as exc:
            raise NotFound("no such card") from exc
        item = self._table.get_item(Key={"batch_id": batch_id, "row": row}, ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("no such card")
        return card_from_item(item)

    def in_rows(self, batch_id: str, first_row: int, last_row: int) -> Iterator[Card]:
        """The cards of one chunk, in row order (strongly consistent, paginated)."""
        return self._cards(
            {
                "KeyConditionExpression": "batch_id = :b AND #row BETWEEN :first AND :last",
                "ExpressionAttributeNames": {"#row": "row"},
                "ExpressionAttributeValues": {":b": batch_id, ":first": first_row, ":last": last_row},
                "ConsistentRead": True,
            }
        )

    def claim(self, card: Card, sources: Iterable[CardStatus], by: str, by_email: str | None = None) -> bool:
        """``sources`` → ``sending``, only if the card is still in one of ``sources``.

        The claim time tells the sweep a stale claim (the sender marked the card's chunk in flight
        before, ``BatchStore.open_chunk``); who claims it (``by``) is kept for a delivery event that
        arrives before the send is recorded. A resend records the status the card keeps if it
        comes to nothing. One write of the card alone: no index entry to add, nor to remove later.
        """
        allowed = {f":s{i}": status.value for i, status in enumerate(sorted(sources))}
        values: dict[str, Any] = dict(allowed)
        update = "SET #status = :sending, claimed_at = :at, claimed_by = :by"
        values[":by"] = by
        if by_email is not None:
            update += ", claimed_by_email = :by_email"
            values[":by_email"] = by_email
        removed = ["claimed_by_email"] if by_email is None else []
        if card.status in KEPT_THROUGH_RESEND:
            update += ", stale_status = :kept"
            values[":kept"] = card.status.value
        else:
            removed.append("stale_status")
        if removed:
            update += " REMOVE " + ", ".join(removed)
        return applied(
            lambda: self._table.update_item(
                Key=_key(card),
                UpdateExpression=update,
                ConditionExpression=f"#status IN ({', '.join(allowed)})",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    **values,
                    ":sending": CardStatus.sending.value,
                    ":at": now_iso(),
                },
            )
        )

    def claim_of(self, card: Card) -> Claim:
        """Who holds a ``sending`` card (the batch sender when the claim predates this record), and
        the status a resend keeps — also after the send is recorded, for a late Reject."""
        item = (
            self._table.get_item(
                Key=_key(card),
                ConsistentRead=True,
                ProjectionExpression="claimed_by, claimed_by_email, stale_status",
            ).get("Item")
            or {}
        )
        stale = item.get("stale_status")
        return Claim(
            by=str(item.get("claimed_by") or SYSTEM_SENDER),
            by_email=str(item["claimed_by_email"]) if item.get("claimed_by_email") else None,
            stale_status=CardStatus(stale) if stale else None,
        )

    def mark_sent(self, card: Card, history: list[Distribution], prospect: Assignment | None = None) -> None:
        """The claimed card reached a provider: ``sent`` — or still ``delivered`` for a resend of a
        delivered card (status never moves back) — with its distributions (refusals of other
        channels included) appended. A delivery event may have come first (the event proves the
        provider took the message, and moves a card still ``sending`` forward): then the
        distributions it does not hold yet are added, and the status stays where the event put it.

        ``prospect``: a batch whose setting assigns nobody makes the card a prospect in this same
        write (a separate write after the chunk cost a write unit per card), unless the card has
        an assignment already; its block was noted before (:mod:`dispatch.assignment.prospects`)."""
        last = [entry for entry in history if entry.refused is None][-1]
        target = CardStatus.delivered if card.status is CardStatus.delivered else CardStatus.sent
        sets = ""
        values: dict[str, Any] = {}
        if prospect is not None:
            sets = ", assignment = if_not_exists(assignment, :a)"
            values = {":a": to_dynamo(prospect.model_dump(mode="json", exclude_none=True))}
        recorded = _recorded(
            lambda: applied(
                lambda: self._table.update_item(
                    Key=_key(card),
                    UpdateExpression=(
                        "SET #status = :target, sent_at = :at, message_id = :mid, "
                        f"distributions = list_append(if_not_exists(distributions, :empty), :dist){sets} "
                        f"REMOVE #error, retryable, {_REMOVE_CLAIM_KEEPING_STATUS}"
                    ),
                    ConditionExpression="#status = :sending",
                    ExpressionAttributeNames={
                        "#status": "status",
                        "#error": "error",
                    },
                    ExpressionAttributeValues={
                        ":target": target.value,
                        ":sending": CardStatus.sending.value,
                        ":at": last.at,
                        ":mid": last.message_id,
                        ":dist": _entries(history),
                        ":empty": [],
                        **values,
                    },
                )
            )
        )
        if not recorded:
            self._record_after_event(card, history)

    def _record_after_event(self, card: Card, history: list[Distribution]) -> None:
        """The send's distributions on a card a delivery event moved on before the sender recorded
        it: only those the card does not hold (the event recorded its own message). The status
        moves only forward: a card a Reject event failed becomes ``sent`` when another of its
        messages was accepted."""
        for _ in range(WORK_ATTEMPTS):
            current = self.get(card.id)
            known = {entry.message_id for entry in current.distributions if entry.message_id}
            missing = [
                entry for entry in history if entry.message_id is None or entry.message_id not in known
            ]
            if not missing:
                return
            accepted = [entry for entry in missing if entry.message_id and entry.refused is None]
            sets: dict[str, Any] = {}
            target = None
            if accepted:
                sets["message_id"] = accepted[-1].message_id
                if current.status is CardStatus.failed:
                    target, sets["error"] = CardStatus.sent, None
            change = CardChange(
                target,
                sets=sets,
                if_absent={"sent_at": accepted[-1].at} if accepted else {},
                history=_entries(missing),
            )
            if _recorded(lambda: self.apply(current, change)):  # noqa: B023 - called at once
                return
        raise Conflict("the card kept changing while its send was recorded")

    def mark_failed(self, card: Card, reason: str, *, retryable: bool, history: list[Distribution]) -> None:
        """A claimed card's first distribution went nowhere: ``failed`` with the reason."""
        _recorded(
            lambda: self._table.update_item(
                Key=_key(card),
                UpdateExpression=(
                    "SET #status = :failed, #error = :reason, retryable = :retryable, "
                    "distributions = list_append(if_not_exists(distributions, :empty), :dist) "
                    + _REMOVE_CLAIM
                ),
                ConditionExpression="#status = :sending",
                ExpressionAttributeNames={"#status": "status", "#error": "error"},
                ExpressionAttributeValues={
                    ":failed": CardStatus.failed.value,
                    ":sending": CardStatus.sending.value,
                    ":reason": reason[:1000],
                    ":retryable": retryable,
                    ":dist": _entries(history),
                    ":empty": [],
                },
            )
        )

    def suppress(self, card: Card, history: list[Distribution]) -> bool:
        """A ``ready`` card whose address is suppressed becomes ``suppressed`` (never claimed)."""
        return applied(
            lambda: self._table.update_item(
                Key=_key(card),
                UpdateExpression=(
                    "SET #status = :suppressed, #error = :reason, "
                    "distributions = list_append(if_not_exists(distributions, :empty), :dist)"
                ),
                ConditionExpression="#status = :ready",
                ExpressionAttributeNames={"#status": "status", "#error": "error"},
                ExpressionAttributeValues={
                    ":suppressed": CardStatus.suppressed.value,
                    ":ready": CardStatus.ready.value,
                    ":reason": next((e.refused for e in history if e.refused), "suppressed address"),
                    ":dist": _entries(history),
                    ":empty": [],
                },
            )
        )

    def refuse(self, card: Card, history: list[Distribution], *, claimed: bool) -> bool:
        """A resend that went nowhere: recorded on the card's history, the card back in (or still
        in) the status it had — a refusal never moves a card back nor its batch's counters.
        ``claimed``: the card is ``sending`` under this sender's claim; else it was never claimed
        (a suppressed address). False when the card changed meanwhile."""
        source = CardStatus.sending if claimed else card.status
        return _recorded(
            lambda: applied(
                lambda: self._table.update_item(
                    Key=_key(card),
                    UpdateExpression=(
                        "SET #status = :previous, "
                        "distributions = list_append(if_not_exists(distributions, :empty), :dist) "
                        + _REMOVE_CLAIM
                    ),
                    ConditionExpression="#status = :source",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":previous": card.status.value,
                        ":source": source.value,
                        ":dist": _entries(history),
                        ":empty": [],
                    },
                )
            )
        )

    def release(self, card: Card) -> None:
        """``sending`` → the status before the claim, when nothing was handed to a provider (e.g.
        the account paused): an unsent card is ``ready`` again, a resent one what it was."""
        _recorded(lambda: self.set_status(card, CardStatus.sending, card.status))

    def set_status(
        self, card: Card, source: CardStatus, target: CardStatus, reason: str | None = None
    ) -> bool:
        """One conditional status change; False when the card was no longer ``source``."""
        names = {"#status": "status", "#error": "error"}
        values: dict[str, Any] = {":source": source.value, ":target": target.value}
        update = "SET #status = :target"
        if reason is not None:
            update += ", #error = :reason"
            values[":reason"] = reason
        update += f" {_REMOVE_CLAIM}" + ("" if reason is not None else ", #error")
        return applied(
            lambda: self._table.update_item(
                Key=_key(card),
                UpdateExpression=update,
                ConditionExpression="#status = :source",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        )

    def change(self, card: Card, target: CardStatus, sets: dict[str, Any]) -> bool:
        """``card.status`` → ``target`` with ``sets``; False when the card was no longer in its status."""
        return self.apply(card, CardChange(target, sets=sets))

    def apply(self, card: Card, change: CardChange) -> bool:
        """``change`` on the card if it is still in ``card.status``; False when it was not."""
        return applied(lambda: self._table.update_item(Key=_key(card), **change.expression(card.status)))

    def set_if_absent(self, card: Card, sets: dict[str, Any]) -> bool:
        """First-of-kind facts (``opened_at``, …): written only where absent, on an existing card."""
        names = {f"#f{index}": name for index, name in enumerate(sets)}
        values = {f":f{index}": value for index, value in enumerate(sets.values())}
        return applied(
            lambda: self._table.update_item(
                Key=_key(card),
                UpdateExpression="SET "
                + ", ".join(f"#f{i} = if_not_exists(#f{i}, :f{i})" for i in range(len(sets))),
                ConditionExpression="attribute_exists(batch_id)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        )

    def page(
        self, batch_id: str, status: CardStatus | None, limit: int, cursor: str | None
    ) -> tuple[list[Card], str | None]:
        """A page of a batch's cards in row order, optionally of one status (a filter: a page may
        hold fewer than ``limit``; follow the cursor)."""
        query: dict[str, Any] = {
            "KeyConditionExpression": "batch_id = :b",
            "ExpressionAttributeValues": {":b": batch_id},
            "Limit": limit,
        }
        if status is not None:
            query["FilterExpression"] = "#status = :status"
            query["ExpressionAttributeNames"] = {"#status": "status"}
            query["ExpressionAttributeValues"][":status"] = status.value
        items, next_cursor = query_page(self._table, query, cursor)
        return [card_from_item(item) for item in items], next_cursor

    def prospects_below(
        self, batch_id: str, first_row: int, below: int, limit: int
    ) -> tuple[list[Card], int]:
        """One read of a batch's cards from row ``below - 1`` down to ``first_row`` (``limit``
        rows examined at most), those that are prospects (:mod:`dispatch.assignment.prospects`),
        last row first; and the row to read below next (``first_row``: none left)."""
        page = self._table.query(
            KeyConditionExpression="batch_id = :b AND #row BETWEEN :first AND :last",
            FilterExpression="#a.#s = :prospect",
            ExpressionAttributeNames={"#row": "row", "#a": "assignment", "#s": "state"},
            ExpressionAttributeValues={
                ":b": batch_id,
                ":first": first_row,
                ":last": below - 1,
                ":prospect": AssignmentState.prospect.value,
            },
            ScanIndexForward=False,
            Limit=limit,
        )
        last = page.get("LastEvaluatedKey")
        cards = [card_from_item(item) for item in page.get("Items", [])]
        return cards, int(last["row"]) if last else first_row

    def in_pool(
        self,
        pool: str,
        limit: int,
        start: dict[str, Any] | None,
        *,
        before: str | None = None,
        newest_first: bool = False,
        keep: Callable[[Card], bool] | None = None,
    ) -> tuple[list[Card], dict[str, Any] | None]:
        """A page of the cards under one key of the sparse index ``pool`` — an assignment queue, or
        one agent's assigned cards — least recently pooled (queued, assigned or worked) first, or
        ``newest_first``; ``before``: only those pooled before that time; ``keep``: only the
        cards it accepts (the page is still full unless it is the last,
        :func:`dispatch.dynamo.query_filtered`). ``start`` is the previous page's last key (a key
        of another pool is an invalid cursor).

        The index holds keys only, and the cards are read by key (``BatchGetItem``): with the whole
        card projected, every change of a queued card — each delivery event of a prospect — wrote
        its index entry again (a write unit), where a read of it costs a fraction. A card that left
        the pool since its entry was read is left out."""
        query: dict[str, Any] = {
            "IndexName": "pool",
            "KeyConditionExpression": "#pool = :pool",
            "ExpressionAttributeNames": {"#pool": "pool"},
            "ExpressionAttributeValues": {":pool": pool},
            "ScanIndexForward": not newest_first,
        }
        if before is not None:
            query["KeyConditionExpression"] += " AND pooled_at < :before"
            query["ExpressionAttributeValues"][":before"] = before
        if start and start.get("pool") != pool:
            raise InvalidRequest("the cursor is not valid")

        if keep is None:
            query["Limit"] = limit
            if start:
                query["ExclusiveStartKey"] = start
            page = self._table.query(**query)
            items = self._pooled(page.get("Items", []))
            return [card_from_item(item) for item in items], page.get("LastEvaluatedKey")
        accepted = keep
        items, last = query_filtered(
            self._table,
            query,
            start,
            limit,
            keep=lambda item: accepted(card_from_item(item)),
            key_names=POOL_KEY,
            expand=self._pooled,
        )
        return [card_from_item(item) for item in items], last

    def _pooled(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The cards of ``pool`` index entries, in the entries' order, each with its entry's key (a
        page continues from the entry it ended on); a card gone, or no longer under the entry's
        pool, is left out."""
        found: dict[tuple[str, int], dict[str, Any]] = {}
        keys = [{"batch_id": entry["batch_id"], "row": entry["row"]} for entry in entries]
        resource = aws.dynamodb_resource()
        for first in range(0, len(keys), 100):  # BatchGetItem's limit
            request: dict[str, Any] = {self._table.name: {"Keys": keys[first : first + 100]}}
            while request:
                response = resource.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table.name, []):
                    found[(str(item["batch_id"]), int(item["row"]))] = item
                request = response.get("UnprocessedKeys") or {}
        items = []
        for entry in entries:
            item = found.get((str(entry["batch_id"]), int(entry["row"])))
            if item is not None and item.get("pool") == entry["pool"]:
                items.append({**item, **entry})
        return items

    def record_work(
        self, card: Card, pool: str, entry: dict[str, str], work_status: str | None, keep: int
    ) -> Card | None:
        """Work on an assigned card: ``entry`` appended to its activity (only the last ``keep``
        entries are kept), its work status set when given, and ``pooled_at`` moved to the entry's
        time (it was worked then) — only while the card is still under ``pool`` (its agent's
        assigned cards). ``pooled_at`` is the card's version: every piece of work moves it forward
        (by a millisecond past the one read if the clock has not), and the list is rewritten on the
        value read, so concurrent work is retried on a fresh read, never lost. Returns the card as
        written; None when it is no longer under ``pool`` (reassigned or taken back meanwhile)."""
        for _ in range(WORK_ATTEMPTS):
            item = self._table.get_item(Key=_key(card), ConsistentRead=True).get("Item")
            if not item or item.get("pool") != pool:
                return None
            read = str(item["pooled_at"])
            worked = {**entry, "at": max(entry["at"], _just_after(read))}
            activity = [*item.get("assignment", {}).get("activity", []), worked][-keep:]
            update = "SET #a.activity = :activity, pooled_at = :at"
            values: dict[str, Any] = {
                ":activity": activity,
                ":at": worked["at"],
                ":pool": pool,
                ":read": read,
            }
            if work_status is not None:
                update += ", #a.work_status = :status"
                values[":status"] = work_status
            try:
                written = self._table.update_item(
                    Key=_key(card),
                    UpdateExpression=update,
                    ConditionExpression="#pool = :pool AND pooled_at = :read",
                    ExpressionAttributeNames={"#a": "assignment", "#pool": "pool"},
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                )
            except ClientError as exc:
                if is_condition_failure(exc):
                    continue  # worked, reassigned or taken back meanwhile: read it again
                raise
            return card_from_item(written["Attributes"])
        raise Conflict("the card is being worked on by someone else right now; try again")

    def return_to_pool(
        self, card: Card, assignment: Assignment, pool: str, *, taken_from: str, idle_before: str
    ) -> bool:
        """Take a card back from an agent's assigned cards (the ``taken_from`` pool) into the queue
        ``pool`` with ``assignment`` (``pooled_at``: the assignment's time), only while it is still
        under ``taken_from`` and not worked since ``idle_before`` (work moves ``pooled_at``).
        False when a condition no longer held: the card was worked or reassigned meanwhile."""
        return applied(
            lambda: self._table.update_item(
                Key=_key(card),
                UpdateExpression="SET #a = :a, #pool = :pool, pooled_at = :at",
                ConditionExpression="#pool = :from AND pooled_at < :idle",
                ExpressionAttributeNames={"#a": "assignment", "#pool": "pool"},
                ExpressionAttributeValues={
                    ":a": to_dynamo(assignment.model_dump(mode="json", exclude_none=True)),
                    ":pool": pool,
                    ":at": assignment.at or now_iso(),
                    ":from": taken_from,
                    ":idle": idle_before,
                },
            )
        )

    def for_contact(
        self, org_id: str, contact_id: str, limit: int, cursor: str | None
    ) -> tuple[list[Card], str | None]:
        """A page of the cards a contact received, newest first: the sparse, keys-only index
        ``contacts`` (``contact_key`` = ``<org>#<contact>``, ``created_at``), then the cards."""
        keys, next_cursor = query_page(
            self._table,
            {
                "IndexName": "contacts",
                "KeyConditionExpression": "contact_key = :key",
                "ExpressionAttributeValues": {":key": contact_key(org_id, contact_id)},
                "ScanIndexForward": False,
                "Limit": limit,
            },
            cursor,
        )
        cards = []
        for entry in keys:
            item = self._table.get_item(Key={"batch_id": entry["batch_id"], "row": entry["row"]}).get("Item")
            if item:
                cards.append(card_from_item(item))
        return cards, next_cursor

    def mark_letter_printed(self, card: Card, entry: Distribution) -> bool:
        """The card's letter was printed: recorded once (``letter_printed_at``, a ``letter``
        distribution); a card whose only channel is its letter becomes ``sent``. False when it was
        recorded before (a repeated run) or the card was closed meanwhile."""
        update = (
            "SET letter_printed_at = :at, "
            "distributions = list_append(if_not_exists(distributions, :empty), :dist)"
        )
        values: dict[str, Any] = {
            ":at": entry.at,
            ":dist": _entries([entry]),
            ":empty": [],
            ":removed": CardStatus.removed.value,
            ":rejected": CardStatus.rejected.value,
            ":error": CardStatus.error.value,
        }
        condition = "attribute_not_exists(letter_printed_at) AND NOT #status IN (:removed, :rejected, :error)"
        names = {"#status": "status"}
        if not card.channels and card.status is CardStatus.ready:
            update += ", #status = :sent, sent_at = :at"
            values[":sent"] = CardStatus.sent.value
        return applied(
            lambda: self._table.update_item(
                Key=_key(card),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        )

    def all_in_batch(self, batch_id: str) -> Iterator[Card]:
        """Every card of a batch in row order, a page at a time (flat memory for any batch size)."""
        return self._cards(
            {"KeyConditionExpression": "batch_id = :b", "ExpressionAttributeValues": {":b": batch_id}}
        )

    def _cards(self, query: dict[str, Any]) -> Iterator[Card]:
        return (card_from_item(item) for item in query_all(self._table, query))

    def status_counts(self, batch_id: str, first_row: int, last_row: int) -> dict[str, int]:
        """How many cards of the rows are in each status (the exact source of batch counters)."""
        counts: dict[str, int] = {}
        query: dict[str, Any] = {
            "KeyConditionExpression": "batch_id = :b AND #row BETWEEN :first AND :last",
            "ProjectionExpression": "#status",
            "ExpressionAttributeNames": {"#row": "row", "#status": "status"},
            "ExpressionAttributeValues": {":b": batch_id, ":first": first_row, ":last": last_row},
            "ConsistentRead": True,
        }
        for item in query_all(self._table, query):
            counts[str(item["status"])] = counts.get(str(item["status"]), 0) + 1
        return counts

    def claims(self, batch_id: str, first_row: int, last_row: int) -> Iterator[tuple[int, str]]:
        """(row, claimed_at) of the rows' cards still ``sending`` (strongly consistent)."""
        query: dict[str, Any] = {
            "KeyConditionExpression": "batch_id = :b AND #row BETWEEN :first AND :last",
            "FilterExpression": "#status = :sending",
            "ProjectionExpression": "#row, claimed_at",
            "ExpressionAttributeNames": {"#row": "row", "#status": "status"},
            "ExpressionAttributeValues": {
                ":b": batch_id,
                ":first": first_row,
                ":last": last_row,
                ":sending": CardStatus.sending.value,
            },
            "ConsistentRead": True,
        }
        for item in query_all(self._table, query):
            yield int(item["row"]), str(item.get("claimed_at", ""))

    def mark_unconfirmed(self, batch_id: str, row: int, claimed_at: str) -> bool:
        """A claim that outlived any send attempt: the provider may or may not have the message.
        The card becomes ``unconfirmed`` — unless it was a resend of a card a provider had already
        accepted, which keeps that status (``stale_status``): it was reached either way."""
        return applied(
            lambda: self._table.update_item(
                Key={"batch_id": batch_id, "row": row},
                UpdateExpression=("SET #status = if_not_exists(stale_status, :unconfirmed) " + _REMOVE_CLAIM),
                ConditionExpression="#status = :sending AND claimed_at = :at",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":unconfirmed": CardStatus.unconfirmed.value,
                    ":sending": CardStatus.sending.value,
                    ":at": claimed_at,
                },
            )
        )


def _recorded(write: Callable[[], T]) -> T:
    """A record of what a provider did (or did not do) with a claimed card: losing it loses the
    fact — the card would stay ``sending`` and end ``unconfirmed`` — so throttling or a service
    fault beyond the SDK's own retries gets a few more attempts, backing off, before it goes up."""
    for attempt in range(1, RECORD_ATTEMPTS):
        try:
            return write()
        except ClientError as exc:
            if not is_transient(exc):
                raise
            time.sleep(backoff(attempt))
    return write()


def contact_key(org_id: str, contact_id: str) -> str:
    return f"{org_id}#{contact_id}"


def _just_after(moment: str) -> str:
    """One millisecond after an ISO time written by :func:`dispatch.clock.isoformat`."""
    return isoformat(parse_iso(moment) + timedelta(milliseconds=1))


def _entries(history: list[Distribution]) -> list[dict[str, Any]]:
    return [entry.model_dump(exclude_none=True) for entry in history]


def _key(card: Card) -> dict[str, Any]:
    return {"batch_id": card.batch_id, "row": card.row}


def card_from_item(item: dict[str, Any]) -> Card:
    """A card from a table item as boto3's resource returns it (numbers as Decimal)."""
    return Card.model_validate(from_dynamo(item))
