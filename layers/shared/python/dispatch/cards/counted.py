"""Card changes that move the batch's counters, written in one transaction with them.

Batch counters are an exact per-status histogram kept per chunk (``BatchStore.settle_chunk``
recounts a chunk and applies the difference to its marker and to the batch together). A delivery
event changes one card at a time, where a recount of its whole chunk would cost a thousand reads,
so it moves the card, the chunk marker's histogram and the batch's histogram in one transaction
instead: the marker stays what the batch has counted, a later settlement of the chunk adds
nothing twice, and a settlement racing this change retries on the marker's new version.

That is right only where the marker counts the card in the status it leaves. Writers other than
events (a sender, the sweep, closing) change cards first and settle the chunk after, so for a
while — for ever, if the writer died in between — the marker may still count a card as it was
(``ready``) while the event moves it on from ``sent``: moving the marker's ``sent`` down then made
the batch read ``{"sent": -3, "delivered": 3, "ready": 400}``. So the marker's move is conditioned
on it counting at least one card in the status left (never below zero), and:
- while a sender works the chunk (``BatchStore.open_chunk``, until its settlement) the card changes
  alone with the marker's version bumped — the sender's settlement counts it, and a settlement
  already under way recounts;
- else, when the marker counts no card in the status left, the card changes and the chunk is
  recounted (``Outcome.uncounted``: the caller settles).

A card's first access increments ``count_accessed`` in the same transaction as the card records
it, conditioned on the card having no access yet: concurrent first clicks count once.
"""

from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.batches.models import Batch
from dispatch.batches.store import HISTOGRAM, BatchStore
from dispatch.cards.models import ACCESS_HISTORY, Card
from dispatch.cards.store import CardChange
from dispatch.clock import isoformat, parse_iso
from dispatch.config import Settings
from dispatch.dynamo import failed_conditions, is_condition_failure, is_transient

_serializer = TypeSerializer()
ATTEMPTS = 5  # a marker that changes between its read and the transaction: read again


class Outcome(Enum):
    applied = "applied"
    card_changed = "card changed"  # the card is no longer in the status read: read it and decide again
    uncounted = "uncounted"  # nothing written: change the card, then settle its chunk


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


class CountedChanges:
    def __init__(self, settings: Settings, batches: BatchStore | None = None) -> None:
        self._main = settings.main_table
        self._cards = settings.cards_table
        self._batches = batches or BatchStore(settings)
        self._stale_after = timedelta(minutes=settings.sweep_stale_minutes)

    def move(self, batch: Batch, card: Card, change: CardChange, now: str) -> Outcome:
        """``change`` (a new status) on the card, counted on the batch as the module says."""
        chunk = batch.chunk_of(card.row)
        if chunk is None or change.target is None:
            return Outcome.uncounted
        expression = change.expression(card.status)
        card_update = {
            "TableName": self._cards,
            "Key": _typed({"batch_id": card.batch_id, "row": card.row}),
            **expression,
            "ExpressionAttributeValues": _typed(expression["ExpressionAttributeValues"]),
        }
        marker_key = _typed({"pk": f"BATCH#{batch.id}", "sk": f"CHUNK#{chunk.index:05d}"})
        source, moved = card.status.value, change.target.value
        stale_before = isoformat(parse_iso(now) - self._stale_after)
        for _ in range(ATTEMPTS):
            marker = self._batches.chunk_marker(batch.id, chunk.index)
            if marker is None:
                return Outcome.uncounted
            sending = marker.sending_since is not None and marker.sending_since >= stale_before
            if sending:  # the sender's settlement counts the card: bump the version only
                items = [
                    {"Update": card_update},
                    {
                        "Update": {
                            "TableName": self._main,
                            "Key": marker_key,
                            "UpdateExpression": "SET version = version + :one",
                            "ConditionExpression": "sending_since = :since",
                            "ExpressionAttributeValues": _typed({":one": 1, ":since": marker.sending_since}),
                        }
                    },
                ]
            elif marker.counts.get(source, 0) >= 1:
                items = [
                    {"Update": card_update},
                    {
                        "Update": {
                            "TableName": self._main,
                            "Key": marker_key,
                            "UpdateExpression": (
                                "SET version = version + :one, counts.#from = counts.#from - :one, "
                                "counts.#to = if_not_exists(counts.#to, :zero) + :one"
                            ),
                            "ConditionExpression": (
                                "counts.#from >= :one AND "
                                "(attribute_not_exists(sending_since) OR sending_since < :stale)"
                            ),
                            "ExpressionAttributeNames": {"#from": source, "#to": moved},
                            "ExpressionAttributeValues": _typed(
                                {":one": 1, ":zero": 0, ":stale": stale_before}
                            ),
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._main,
                            "Key": _typed({"pk": f"ORG#{batch.org_id}", "sk": f"BATCH#{batch.id}"}),
                            "UpdateExpression": "ADD #from :minus, #to :one, revision :one",
                            "ExpressionAttributeNames": {
                                "#from": HISTOGRAM + source,
                                "#to": HISTOGRAM + moved,
                            },
                            "ExpressionAttributeValues": _typed({":one": 1, ":minus": -1}),
                        }
                    },
                ]
            else:
                return Outcome.uncounted
            try:
                aws.client("dynamodb").transact_write_items(TransactItems=items)
            except ClientError as exc:
                if not (is_condition_failure(exc) or is_transient(exc)):
                    raise
                if 0 in failed_conditions(exc):
                    return Outcome.card_changed
                continue  # the marker changed since it was read (a settlement, another event), or busy
            return Outcome.applied
        return Outcome.card_changed

    def first_access(self, batch: Batch, card: Card, at: str) -> bool:
        """Record the card's first access and count it; False when another click was first."""
        card_update = {
            "TableName": self._cards,
            "Key": _typed({"batch_id": card.batch_id, "row": card.row}),
            "UpdateExpression": (
                "SET accessed_at = :at, last_accessed_at = :at, access_count = :one, accesses = :history"
            ),
            "ConditionExpression": "attribute_exists(batch_id) AND attribute_not_exists(accessed_at)",
            "ExpressionAttributeValues": _typed({":at": at, ":one": 1, ":history": [{"at": at}]}),
        }
        batch_update = {
            "TableName": self._main,
            "Key": _typed({"pk": f"ORG#{batch.org_id}", "sk": f"BATCH#{batch.id}"}),
            "UpdateExpression": "ADD count_accessed :one, revision :one",
            "ExpressionAttributeValues": _typed({":one": 1}),
        }
        try:
            aws.client("dynamodb").transact_write_items(
                TransactItems=[{"Update": card_update}, {"Update": batch_update}]
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def later_access(self, card: Card, at: str) -> None:
        """Every access after the first: the count and the last time; the history while it has room."""
        table = aws.dynamodb_table(self._cards)
        key = {"batch_id": card.batch_id, "row": card.row}
        try:
            table.update_item(
                Key=key,
                UpdateExpression=(
                    "SET last_accessed_at = :at, accesses = list_append(accesses, :entry) "
                    "ADD access_count :one"
                ),
                ConditionExpression="size(accesses) < :room",
                ExpressionAttributeValues={
                    ":at": at,
                    ":entry": [{"at": at}],
                    ":one": 1,
                    ":room": ACCESS_HISTORY,
                },
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            table.update_item(
                Key=key,
                UpdateExpression="SET last_accessed_at = :at ADD access_count :one",
                ExpressionAttributeValues={":at": at, ":one": 1},
            )
