"""Card changes that move the batch's counters, written in one transaction with them.

A card's first access increments ``count_accessed`` in the same transaction as the card records
it, conditioned on the card having no access yet: concurrent first clicks count once. (Status
counters are counted per chunk from the cards instead, ``BatchStore.settle_chunk``.)
"""

from __future__ import annotations

from typing import Any

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.batches.models import Batch
from dispatch.cards.models import ACCESS_HISTORY, Card
from dispatch.config import Settings
from dispatch.dynamo import is_condition_failure

_serializer = TypeSerializer()


def _typed(values: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items()}


class CountedChanges:
    def __init__(self, settings: Settings) -> None:
        self._main = settings.main_table
        self._cards = settings.cards_table

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
