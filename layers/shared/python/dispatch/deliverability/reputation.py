"""Per-organisation email outcomes in hourly buckets, and the bounce and complaint rates over the
two sliding windows account protection watches: the last 24 hours and the last 10,000 sends.

An email counts as sent once its outcome is known: its card has reached ``delivered`` or
``bounced`` (only SES's delivery events move a card there). Those sends are counted by the chunk
settlements that count the batch's cards (``BatchStore.settle_chunk``, :func:`send_updates`): each
adds the change of the chunk's delivered and bounced cards, in the transaction that moves the
batch's counters, so every send is counted exactly once and a delivery event writes nothing here
(it cost a three-item transaction, 6 write units, per email). A hard bounce and a complaint count
once each per message: events arrive at least once, so each is a transaction with a marker for its
message (``pk=REPUTATION#<org>``, ``sk=<kind>#<message id>``, put only if absent, expiring after two
days): a repeated event adds nothing. Buckets are
``pk=REPUTATION#<org>``, ``sk=HOUR#<yyyy-mm-ddThh>`` and expire after 30 days, the longest span
the 10,000-send window looks back over. Each batch has a tally too (``sk=BATCH#<batch>``: its
sends and hard bounces), for the one early check of a stale list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.cards.models import CardStatus
from dispatch.config import Settings
from dispatch.deliverability.policy import Rates
from dispatch.dynamo import is_condition_failure

HOURS_KEPT = 30 * 24
MARKER_SECONDS = 2 * 24 * 3600
WINDOW_HOURS = 24
WINDOW_SENDS = 10_000
OUTCOMES = ("sends", "bounces", "complaints")
OUTCOME_STATUSES = (CardStatus.delivered.value, CardStatus.bounced.value)  # set by SES's events only


@dataclass(frozen=True, slots=True)
class Counts:
    sends: int = 0
    bounces: int = 0
    complaints: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.sends + other.sends, self.bounces + other.bounces, self.complaints + other.complaints
        )

    def __sub__(self, other: Counts) -> Counts:
        return Counts(
            max(0, self.sends - other.sends),
            max(0, self.bounces - other.bounces),
            max(0, self.complaints - other.complaints),
        )

    def rates(self, window: str, minimum_sends: int) -> Rates:
        known = self.sends >= minimum_sends
        return Rates(
            window=window,
            sends=self.sends,
            bounces=self.bounces,
            complaints=self.complaints,
            bounce_rate=self.bounces / self.sends if known else None,
            complaint_rate=self.complaints / self.sends if known else None,
        )

    def as_item(self) -> dict[str, int]:
        return {"sends": self.sends, "bounces": self.bounces, "complaints": self.complaints}


def hour_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H")


def outcome_updates(
    table: str, org_id: str, batch_id: str | None, outcome: str, *, number: int, at: datetime
) -> list[dict[str, Any]]:
    """Transaction items adding ``number`` (negative too) ``outcome`` to the organisation's hour of
    ``at`` and, with ``batch_id``, to that batch's tally."""
    expires = {"N": str(int(at.timestamp()) + HOURS_KEPT * 3600)}
    keys = [f"HOUR#{hour_of(at)}", *([f"BATCH#{batch_id}"] if batch_id is not None else [])]
    return [
        {
            "Update": {
                "TableName": table,
                "Key": {"pk": {"S": f"REPUTATION#{org_id}"}, "sk": {"S": sk}},
                "UpdateExpression": "ADD #n :number SET expires_at = :expires",
                "ExpressionAttributeNames": {"#n": outcome},
                "ExpressionAttributeValues": {":number": {"N": str(number)}, ":expires": expires},
            }
        }
        for sk in keys
    ]


def sends_of(delta: Mapping[str, int]) -> int:
    """How many sends a change of a chunk's status histogram adds: the change of its cards with a
    known outcome, ``delivered`` and ``bounced`` (a card moving from one to the other adds none; a
    resent card passing through ``sending`` takes one off and puts it back)."""
    return sum(delta.get(status, 0) for status in OUTCOME_STATUSES)


class ReputationStore:
    def __init__(self, settings: Settings) -> None:
        self._table_name = settings.main_table
        self._table = aws.dynamodb_table(settings.main_table)

    def count(
        self, org_id: str, outcome: str, message_id: str, at: datetime, batch_id: str | None = None
    ) -> bool:
        """Add one ``outcome`` (bounces, complaints) of a message to the hour of ``at`` (and to its
        batch's tally, ``batch_id``), once per message; False when it was counted before."""
        marker = {
            "Put": {
                "TableName": self._table_name,
                "Item": {
                    "pk": {"S": f"REPUTATION#{org_id}"},
                    "sk": {"S": f"{outcome}#{message_id}"},
                    "expires_at": {"N": str(int(at.timestamp()) + MARKER_SECONDS)},
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        try:
            counts = outcome_updates(self._table_name, org_id, batch_id, outcome, number=1, at=at)
            aws.client("dynamodb").transact_write_items(TransactItems=[marker, *counts])
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def batch_tally(self, org_id: str, batch_id: str) -> tuple[Counts, bool]:
        """A batch's sends and hard bounces so far, and whether its early check was made."""
        item = (
            self._table.get_item(
                Key={"pk": f"REPUTATION#{org_id}", "sk": f"BATCH#{batch_id}"}, ConsistentRead=True
            ).get("Item")
            or {}
        )
        counts = Counts(int(item.get("sends", 0)), int(item.get("bounces", 0)))
        return counts, "checked_at" in item

    def mark_checked(self, org_id: str, batch_id: str, at: str) -> bool:
        """Record the batch's one early check; False when another event's check came first."""
        try:
            self._table.update_item(
                Key={"pk": f"REPUTATION#{org_id}", "sk": f"BATCH#{batch_id}"},
                UpdateExpression="SET checked_at = :at",
                ConditionExpression="attribute_not_exists(checked_at)",
                ExpressionAttributeValues={":at": at},
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def hours(self, org_id: str, since: datetime) -> list[tuple[str, Counts]]:
        """The hourly buckets from ``since`` on, newest first."""
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :from AND :to",
            "ExpressionAttributeValues": {
                ":pk": f"REPUTATION#{org_id}",
                ":from": f"HOUR#{hour_of(since)}",
                ":to": "HOUR#9",
            },
            "ScanIndexForward": False,
        }
        buckets: list[tuple[str, Counts]] = []
        while True:
            page = self._table.query(**query)
            for item in page.get("Items", []):
                counts = Counts(*(int(item.get(name, 0)) for name in OUTCOMES))
                buckets.append((str(item["sk"]).removeprefix("HOUR#"), counts))
            if "LastEvaluatedKey" not in page:
                return buckets
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def windows(
    buckets: list[tuple[str, Counts]], now: datetime, minimum_sends: int, baseline: tuple[str, Counts] | None
) -> list[Rates]:
    """The last 24 hours and the last 10,000 sends (whole hours, newest first, until at least
    10,000 sends or 30 days). ``baseline``: what an hour held when an admin resumed sending —
    counts from before a resume are not held against the account again."""
    day_start = hour_of(now - timedelta(hours=WINDOW_HOURS - 1))
    day = Counts()
    recent = Counts()
    for hour, held in buckets:
        counts = held
        if baseline is not None:
            if hour < baseline[0]:
                break
            if hour == baseline[0]:
                counts = held - baseline[1]
        if hour >= day_start:
            day = day + counts
        if recent.sends < WINDOW_SENDS:
            recent = recent + counts
    return [day.rates("24h", minimum_sends), recent.rates("10000_sends", minimum_sends)]
