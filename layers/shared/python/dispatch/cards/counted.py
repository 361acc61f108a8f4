"""Card changes that move the batch's counters, written in one transaction with them.

Batch counters are an exact per-status histogram kept per chunk (``BatchStore.settle_chunk``
recounts a chunk and applies the difference to its marker and to the batch together). A delivery
event changes one card at a time, where a recount of its whole chunk would cost a thousand reads,
so it moves the card, the chunk marker's histogram and the batch's histogram in one transaction
instead: the marker stays what the batch has counted, a later settlement of the chunk adds
nothing twice, and a settlement racing this change retries on the marker's new version.

A card's first access increments ``count_accessed`` in the same transaction as the card records
it, conditioned on the card having no access yet: concurrent first clicks count once.
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.batches.models import Batch
from dispatch.batches.store import HISTOGRAM
from dispatch.cards.models import ACCESS_HISTORY, Card, CardStatus
from dispatch.config import Settings
from dispatch.dynamo import failed_conditions, is_condition_failure, is_transient

_serializer = TypeSerializer()


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


class CountedChanges:
    def __init__(self, settings: Settings) -> None:
        self._main = settings.main_table
        self._cards = settings.cards_table

    def move(self, batch: Batch, card: Card, target: CardStatus, sets: dict[str, Any]) -> bool | None:
        """``card.status`` → ``target`` and ``sets`` on the card, counted on the batch.

        True when applied; False when the card is no longer in ``card.status`` (the caller re-reads
        and decides again); None when the card's chunk has never been counted (no marker yet), in
        which case nothing was written and the caller changes the card and settles the chunk.
        """
        chunk = batch.chunk_of(card.row)
        if chunk is None:
            return None
        source, moved = card.status.value, target.value
        names = {"#status": "status"}
        values: dict[str, Any] = {":source": source, ":target": moved}
        assignments = ["#status = :target"]
        for index, (name, value) in enumerate(sets.items()):
            names[f"#f{index}"] = name
            values[f":f{index}"] = value
            assignments.append(f"#f{index} = :f{index}")
        card_update = {
            "TableName": self._cards,
            "Key": _typed({"batch_id": card.batch_id, "row": card.row}),
            "UpdateExpression": "SET " + ", ".join(assignments),
            "ConditionExpression": "#status = :source",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": _typed(values),
        }
        marker_update = {
            "TableName": self._main,
            "Key": _typed({"pk": f"BATCH#{batch.id}", "sk": f"CHUNK#{chunk.index:05d}"}),
            "UpdateExpression": (
                "SET version = version + :one, counts.#from = if_not_exists(counts.#from, :zero) - :one, "
                "counts.#to = if_not_exists(counts.#to, :zero) + :one"
            ),
            "ConditionExpression": "attribute_exists(counts)",
            "ExpressionAttributeNames": {"#from": source, "#to": moved},
            "ExpressionAttributeValues": _typed({":one": 1, ":zero": 0}),
        }
        batch_update = {
            "TableName": self._main,
            "Key": _typed({"pk": f"ORG#{batch.org_id}", "sk": f"BATCH#{batch.id}"}),
            "UpdateExpression": "ADD #from :minus, #to :one, revision :one",
            "ExpressionAttributeNames": {"#from": HISTOGRAM + source, "#to": HISTOGRAM + moved},
            "ExpressionAttributeValues": _typed({":one": 1, ":minus": -1}),
        }
        try:
            aws.client("dynamodb").transact_write_items(
                TransactItems=[{"Update": card_update}, {"Update": marker_update}, {"Update": batch_update}]
            )
        except ClientError as exc:
            if not (is_condition_failure(exc) or is_transient(exc)):
                raise
            return None if failed_conditions(exc) == [1] else False  # (transient: read again, retry)
        return True

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
