"""Cards in the cards table: ``batch_id`` (partition) and ``row`` (sort), the file's row number.

A batch's cards are one partition in file order, so a chunk of rows is one range query and a
re-run of generation overwrites the same items instead of adding new ones. Status changes are
conditional writes: a card is claimed (``ready`` → ``sending``) before anything is sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.assignment.models import Assignment
from dispatch.cards.models import Card, CardStatus, Distribution
from dispatch.clock import isoformat, now_iso, parse_iso
from dispatch.config import Settings
from dispatch.dynamo import applied, from_dynamo, is_condition_failure, query_all, query_page, to_dynamo
from dispatch.errors import Conflict, InvalidRequest, NotFound
from dispatch.ids import split_card_id
from dispatch.numbers import UnstorableNumber
from dispatch.numbers import storable as storable_value

WORK_ATTEMPTS = 10  # concurrent work on one card: each writer re-reads and tries again
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


class CardStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.cards_table)

    def put_many(self, cards: Iterable[Card]) -> None:
        """Write cards in 25-item batches (BatchWriteItem, unprocessed items retried by boto3).
        One card DynamoDB refuses fails the call: generation writes cards :func:`storable` made."""
        with self._table.batch_writer() as writer:
            for card in cards:
                writer.put_item(Item=to_dynamo(card.model_dump(mode="json", exclude_none=True)))

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

    def claim(self, card: Card, sources: Iterable[CardStatus]) -> bool:
        """``sources`` → ``sending``, only if the card is still in one of ``sources``.

        The claim time goes into the sparse ``claims`` index, where the sweep finds stale claims.
        """
        allowed = sorted(sources)
        values: dict[str, Any] = {f":s{i}": status.value for i, status in enumerate(allowed)}
        moment = now_iso()
        return applied(
            lambda: self._table.update_item(
                Key=_key(card),
                UpdateExpression="SET #status = :sending, claimed_at = :at, claim_day = :day",
                ConditionExpression=f"#status IN ({', '.join(values)})",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    **values,
                    ":sending": CardStatus.sending.value,
                    ":at": moment,
                    ":day": moment[:10],
                },
            )
        )

    def mark_sent(self, card: Card, distributions: list[Distribution]) -> None:
        last = distributions[-1]
        self._table.update_item(
            Key=_key(card),
            UpdateExpression=(
                "SET #status = :sent, sent_at = :at, message_id = :mid, "
                "distributions = list_append(if_not_exists(distributions, :empty), :dist) "
                "REMOVE #error, retryable, claimed_at, claim_day"
            ),
            ConditionExpression="#status = :sending",
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":sent": CardStatus.sent.value,
                ":sending": CardStatus.sending.value,
                ":at": last.at,
                ":mid": last.message_id,
                ":dist": [distribution.model_dump(exclude_none=True) for distribution in distributions],
                ":empty": [],
            },
        )

    def mark_failed(self, card: Card, reason: str, *, retryable: bool) -> None:
        self._table.update_item(
            Key=_key(card),
            UpdateExpression=(
                "SET #status = :failed, #error = :reason, retryable = :retryable REMOVE claimed_at, claim_day"
            ),
            ConditionExpression="#status = :sending",
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":failed": CardStatus.failed.value,
                ":sending": CardStatus.sending.value,
                ":reason": reason[:1000],
                ":retryable": retryable,
            },
        )

    def release(self, card: Card) -> None:
        """``sending`` → ``ready`` when nothing was handed to a provider (e.g. the account paused)."""
        self.set_status(card, CardStatus.sending, CardStatus.ready)

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
        update += " REMOVE claimed_at, claim_day" + ("" if reason is not None else ", #error")
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
        names = {"#status": "status"}
        values: dict[str, Any] = {":source": card.status.value, ":target": target.value}
        assignments = ["#status = :target"]
        for index, (name, value) in enumerate(sets.items()):
            names[f"#f{index}"] = name
            values[f":f{index}"] = value
            assignments.append(f"#f{index} = :f{index}")
        return applied(
            lambda: self._table.update_item(
                Key=_key(card),
                UpdateExpression="SET " + ", ".join(assignments),
                ConditionExpression="#status = :source",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        )

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

    def in_pool(
        self, pool: str, limit: int, start: dict[str, Any] | None, *, before: str | None = None
    ) -> tuple[list[Card], dict[str, Any] | None]:
        """A page of the cards under one key of the sparse index ``pool`` — an assignment queue, or
        one agent's assigned cards — least recently pooled (queued, assigned or worked) first;
        ``before``: only those pooled before that time. ``start`` is the previous page's last key
        (a key of another pool is an invalid cursor)."""
        query: dict[str, Any] = {
            "IndexName": "pool",
            "KeyConditionExpression": "#pool = :pool",
            "ExpressionAttributeNames": {"#pool": "pool"},
            "ExpressionAttributeValues": {":pool": pool},
            "Limit": limit,
        }
        if before is not None:
            query["KeyConditionExpression"] += " AND pooled_at < :before"
            query["ExpressionAttributeValues"][":before"] = before
        if start:
            if start.get("pool") != pool:
                raise InvalidRequest("the cursor is not valid")
            query["ExclusiveStartKey"] = start
        page = self._table.query(**query)
        return [card_from_item(item) for item in page.get("Items", [])], page.get("LastEvaluatedKey")

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

    def stale_claims(self, day: str, before: str) -> Iterator[tuple[str, int, str]]:
        """(batch id, row, claimed_at) of cards claimed on ``day`` before ``before`` and still sending."""
        query: dict[str, Any] = {
            "IndexName": "claims",
            "KeyConditionExpression": "claim_day = :day AND claimed_at < :before",
            "ExpressionAttributeValues": {":day": day, ":before": before},
        }
        for item in query_all(self._table, query):
            yield str(item["batch_id"]), int(item["row"]), str(item["claimed_at"])

    def mark_unconfirmed(self, batch_id: str, row: int, claimed_at: str) -> bool:
        """A claim that outlived any send attempt: the provider may or may not have the message."""
        return applied(
            lambda: self._table.update_item(
                Key={"batch_id": batch_id, "row": row},
                UpdateExpression="SET #status = :unconfirmed REMOVE claimed_at, claim_day",
                ConditionExpression="#status = :sending AND claimed_at = :at",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":unconfirmed": CardStatus.unconfirmed.value,
                    ":sending": CardStatus.sending.value,
                    ":at": claimed_at,
                },
            )
        )


def _just_after(moment: str) -> str:
    """One millisecond after an ISO time written by :func:`dispatch.clock.isoformat`."""
    return isoformat(parse_iso(moment) + timedelta(milliseconds=1))


def _key(card: Card) -> dict[str, Any]:
    return {"batch_id": card.batch_id, "row": card.row}


def card_from_item(item: dict[str, Any]) -> Card:
    """A card from a table item as boto3's resource returns it (numbers as Decimal)."""
    return Card.model_validate(from_dynamo(item))
