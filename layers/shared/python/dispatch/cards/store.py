"""Cards in the cards table: ``batch_id`` (partition) and ``row`` (sort), the file's row number.

A batch's cards are one partition in file order, so a chunk of rows is one range query and a
re-run of generation overwrites the same items instead of adding new ones. Status changes are
conditional writes: a card is claimed (``ready`` → ``sending``) before anything is sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.cards.models import Card, CardStatus, Distribution
from dispatch.config import Settings
from dispatch.dynamo import from_dynamo, is_condition_failure, to_dynamo
from dispatch.errors import NotFound
from dispatch.ids import split_card_id


class CardStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.cards_table)

    def put_many(self, cards: Iterable[Card]) -> None:
        """Write cards in 25-item batches (BatchWriteItem, unprocessed items retried by boto3)."""
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
        return _card(item)

    def in_rows(self, batch_id: str, first_row: int, last_row: int) -> Iterator[Card]:
        """The cards of one chunk, in row order (strongly consistent, paginated)."""
        query: dict[str, Any] = {
            "KeyConditionExpression": "batch_id = :b AND #row BETWEEN :first AND :last",
            "ExpressionAttributeNames": {"#row": "row"},
            "ExpressionAttributeValues": {":b": batch_id, ":first": first_row, ":last": last_row},
            "ConsistentRead": True,
        }
        while True:
            page = self._table.query(**query)
            for item in page.get("Items", []):
                yield _card(item)
            if "LastEvaluatedKey" not in page:
                return
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def claim(self, card: Card, sources: Iterable[CardStatus]) -> bool:
        """``sources`` → ``sending``, only if the card is still in one of ``sources``."""
        allowed = sorted(sources)
        values = {f":s{i}": status.value for i, status in enumerate(allowed)}
        try:
            self._table.update_item(
                Key={"batch_id": card.batch_id, "row": card.row},
                UpdateExpression="SET #status = :sending",
                ConditionExpression=f"#status IN ({', '.join(values)})",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={**values, ":sending": CardStatus.sending.value},
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def mark_sent(self, card: Card, distributions: list[Distribution]) -> None:
        last = distributions[-1]
        self._table.update_item(
            Key={"batch_id": card.batch_id, "row": card.row},
            UpdateExpression=(
                "SET #status = :sent, sent_at = :at, message_id = :mid, "
                "distributions = list_append(if_not_exists(distributions, :empty), :dist) REMOVE #error"
            ),
            ConditionExpression="#status = :sending",
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":sent": CardStatus.sent.value,
                ":sending": CardStatus.sending.value,
                ":at": last.at,
                ":mid": last.message_id,
                ":dist": [distribution.model_dump() for distribution in distributions],
                ":empty": [],
            },
        )

    def mark_failed(self, card: Card, reason: str) -> None:
        self._table.update_item(
            Key={"batch_id": card.batch_id, "row": card.row},
            UpdateExpression="SET #status = :failed, #error = :reason",
            ConditionExpression="#status = :sending",
            ExpressionAttributeNames={"#status": "status", "#error": "error"},
            ExpressionAttributeValues={
                ":failed": CardStatus.failed.value,
                ":sending": CardStatus.sending.value,
                ":reason": reason[:1000],
            },
        )

    def release(self, card: Card) -> None:
        """``sending`` → ``ready`` when nothing was handed to a provider (e.g. the batch was paused)."""
        self._table.update_item(
            Key={"batch_id": card.batch_id, "row": card.row},
            UpdateExpression="SET #status = :ready",
            ConditionExpression="#status = :sending",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":ready": CardStatus.ready.value,
                ":sending": CardStatus.sending.value,
            },
        )


def _card(item: dict[str, Any]) -> Card:
    return Card.model_validate(from_dynamo(item))
