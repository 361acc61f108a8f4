"""Quiet hours: an SMS (and, opted in, an email) reaches a recipient only in their daytime.

The organisation's ``sms_quiet_hours`` (default 21:00-08:00; null: off) apply in each recipient's
local time: the card's ``timezone`` field (a column of the file) when it names an IANA zone, else
the zones of its phone number (phonenumbers' timezone data; a number spanning several zones gets
the most restrictive reading — it waits until the hours are open in every one of them), else the
organisation's timezone. Wall-clock times are converted with the zone's rules on that date, so
08:00 stays 08:00 local across both daylight-saving changes.

A card due inside its quiet hours is not claimed: it stays ``ready`` — no status change — with
``deferred`` (the reason, and ``until``: when it becomes sendable) written on it. Its chunk records
how many of its cards wait and until when (``BATCH#<id>``/``DEFERRED#<chunk>``), which the batch
detail and the dry run show, and the batch is queued for the sweep (``DEFERRED``/``<org>#<batch>``
with the earliest time): once that time has come, the sweep starts a new sending run of the batch,
which sends its ready cards by the same sender — claim, shared rate limit — deferring again any
whose hours are still closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from botocore.exceptions import ClientError
from phonenumbers import timezone as phone_zones

from dispatch import aws
from dispatch.batches.models import Batch, Chunk
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, utcnow
from dispatch.config import Settings
from dispatch.deliverability.policy import Deferral, DeferredCards, QuietHours
from dispatch.dynamo import is_condition_failure
from dispatch.errors import Conflict
from dispatch.organisations.models import OrganisationSettings

TIMEZONE_FIELD = "timezone"
UNKNOWN_ZONE = "Etc/Unknown"
LOOKAHEAD_DAYS = 3  # a window opens at least once a day; three days cover every zone and DST shift


def recipient_zones(card: Card, organisation_timezone: str) -> tuple[list[ZoneInfo], str]:
    """The recipient's zones, and where they came from (for the reason)."""
    named = card.values.get(TIMEZONE_FIELD)
    if isinstance(named, str) and named.strip():
        zone = _zone(named.strip())
        if zone is not None:
            return [zone], named.strip()
    if card.phone:
        try:
            number = phonenumbers.parse(card.phone)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None:
            zones = [
                zone
                for name in phone_zones.time_zones_for_number(number)
                if name != UNKNOWN_ZONE and (zone := _zone(name)) is not None
            ]
            if zones:
                return zones, ", ".join(zone.key for zone in zones)
    return [_zone(organisation_timezone) or ZoneInfo("UTC")], organisation_timezone


def sendable_at(hours: QuietHours, zones: Sequence[ZoneInfo], now: datetime) -> datetime | None:
    """None when a message may go now in every zone; else the first moment it may (the end of
    the quiet hours in one zone at which every other zone is open too). Raises NoCommonWindow
    when the zones are too far apart ever to be open together."""
    if _open_everywhere(hours, zones, now):
        return None
    openings = sorted({moment for zone in zones for moment in _openings(hours, zone, now) if moment > now})
    for moment in openings:
        if _open_everywhere(hours, zones, moment):
            return moment
    raise NoCommonWindow


class NoCommonWindow(Exception):
    """No moment in the next days is outside the quiet hours in all of the zones."""


def deferral(card: Card, organisation: OrganisationSettings, now: datetime) -> Deferral | None:
    """Why ``card`` must wait now, and until when; None when it may be sent."""
    hours = organisation.sms_quiet_hours
    if hours is None or card.status is not CardStatus.ready:
        return None
    channels = set(card.channels)
    if "sms" not in channels and not (organisation.email_quiet_hours and "email" in channels):
        return None
    zones, source = recipient_zones(card, organisation.timezone)
    try:
        until = sendable_at(hours, zones, now)
    except NoCommonWindow:  # a number spanning zones too far apart: the organisation's time decides
        zones, source = [_zone(organisation.timezone) or ZoneInfo("UTC")], organisation.timezone
        until = sendable_at(hours, zones, now)
    if until is None:
        return None
    return Deferral(
        reason=f"quiet hours {hours.start}-{hours.end} in the recipient's local time ({source})",
        until=isoformat(until),
    )


def _open_everywhere(hours: QuietHours, zones: Sequence[ZoneInfo], moment: datetime) -> bool:
    return not any(hours.quiet_at(moment.astimezone(zone).time()) for zone in zones)


def _openings(hours: QuietHours, zone: ZoneInfo, now: datetime) -> Iterator[datetime]:
    """The ends of the quiet hours in ``zone`` around ``now``, as instants (a wall-clock time in a
    daylight-saving gap is read with the offset before the change, i.e. just after the gap)."""
    today = now.astimezone(zone).date()
    for offset in range(-1, LOOKAHEAD_DAYS):
        local = datetime.combine(today + timedelta(days=offset), hours.end_time, tzinfo=zone)
        yield local.astimezone(now.tzinfo)


def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class DeferralStore:
    """The deferral written on a card, each chunk's deferred cards, and the sweep's queue."""

    def __init__(self, settings: Settings) -> None:
        self._main = aws.dynamodb_table(settings.main_table)
        self._cards = aws.dynamodb_table(settings.cards_table)

    def defer_card(self, card: Card, deferred: Deferral) -> bool:
        """``deferred`` on a card still ``ready`` (False when another sender has claimed it)."""
        try:
            self._cards.update_item(
                Key={"batch_id": card.batch_id, "row": card.row},
                UpdateExpression="SET #deferred = :d",
                ConditionExpression="#status = :ready",
                ExpressionAttributeNames={"#status": "status", "#deferred": "deferred"},
                ExpressionAttributeValues={":d": deferred.model_dump(), ":ready": CardStatus.ready.value},
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def record_chunk(self, batch: Batch, chunk: Chunk, deferred: DeferredCards) -> None:
        """What a chunk's send left waiting (replacing what an earlier run left); a chunk with
        waiting cards queues its batch for the sweep at the earliest time."""
        key = {"pk": f"BATCH#{batch.id}", "sk": f"DEFERRED#{chunk.index}"}
        if not deferred.cards:
            self._main.delete_item(Key=key)
            return
        self._main.put_item(Item={**key, **deferred.model_dump()})
        try:
            self._main.update_item(
                Key={"pk": "DEFERRED", "sk": f"{batch.org_id}#{batch.id}"},
                UpdateExpression="SET #until = :until",
                ConditionExpression="attribute_not_exists(#until) OR #until > :until",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues={":until": deferred.earliest},
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise  # else an earlier time is queued already

    def summary(self, batch_id: str) -> DeferredCards:
        """The batch's deferred cards over all its chunks."""
        response = self._main.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": f"BATCH#{batch_id}", ":prefix": "DEFERRED#"},
        )
        total = DeferredCards()
        for item in response.get("Items", []):
            chunk = DeferredCards(cards=int(item["cards"]), earliest=item["earliest"], latest=item["latest"])
            total = total.merge(chunk)
        return total

    def due(self, now: datetime) -> list[tuple[str, str, str]]:
        """Batches whose first deferred card is sendable by ``now``: (org, batch, queued time)."""
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "FilterExpression": "#until <= :now",
            "ExpressionAttributeNames": {"#until": "until"},
            "ExpressionAttributeValues": {":pk": "DEFERRED", ":now": isoformat(now)},
        }
        due: list[tuple[str, str, str]] = []
        while True:
            page = self._main.query(**query)
            for item in page.get("Items", []):
                org_id, _, batch_id = str(item["sk"]).rpartition("#")
                due.append((org_id, batch_id, str(item["until"])))
            if "LastEvaluatedKey" not in page:
                return due
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def take(self, org_id: str, batch_id: str, until: str) -> bool:
        """Remove the batch from the queue if it still holds ``until`` (one sweep takes it)."""
        try:
            self._main.delete_item(
                Key={"pk": "DEFERRED", "sk": f"{org_id}#{batch_id}"},
                ConditionExpression="#until = :until",
                ExpressionAttributeNames={"#until": "until"},
                ExpressionAttributeValues={":until": until},
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def requeue(self, org_id: str, batch_id: str, until: str) -> None:
        self._main.put_item(Item={"pk": "DEFERRED", "sk": f"{org_id}#{batch_id}", "until": until})


@dataclass
class ChunkHold:
    """One chunk's quiet-hours check, given to its sender: ``__call__`` holds a card back (and
    records why on it), :meth:`record` then records the chunk's deferred cards."""

    store: DeferralStore
    organisation: OrganisationSettings
    now: datetime
    deferred: DeferredCards = field(default_factory=DeferredCards)

    def __call__(self, card: Card) -> bool:
        waiting = deferral(card, self.organisation, self.now)
        if waiting is None:
            return False
        if self.store.defer_card(card, waiting):
            self.deferred = self.deferred.add(waiting.until)
        return True  # not sent now (or claimed by another sender meanwhile)

    def record(self, batch: Batch, chunk: Chunk) -> None:
        self.store.record_chunk(batch, chunk, self.deferred)


@dataclass
class QuietHoursDesk:
    store: DeferralStore
    cards: CardStore
    now: Callable[[], datetime] = utcnow

    def hold(self, organisation: OrganisationSettings) -> ChunkHold:
        return ChunkHold(self.store, organisation, self.now())

    def preview(self, batch: Batch, organisation: OrganisationSettings) -> DeferredCards:
        """The dry run: if sending started now, how many of the batch's ready cards would wait,
        and until when."""
        now = self.now()
        total = DeferredCards()
        for card in self.cards.all_in_batch(batch.id):
            waiting = deferral(card, organisation, now)
            if waiting is not None:
                total = total.add(waiting.until)
        return total

    def summary(self, batch: Batch) -> DeferredCards:
        """The batch detail: its cards waiting now for their recipients' quiet hours to end."""
        return self.store.summary(batch.id)

    def refuse(self, organisation: OrganisationSettings) -> Callable[[Card], bool]:
        """For an individual distribution: a 409 instead of a silent wait."""
        now = self.now()

        def check(card: Card) -> bool:
            waiting = deferral(card, organisation, now)
            if waiting is not None:
                raise Conflict(
                    f"not now: {waiting.reason}; the card can be sent from {waiting.until}",
                    {"deferred_until": waiting.until, "reason": waiting.reason},
                )
            return False

        return check

    def due(self, moment: datetime) -> list[tuple[str, str, str]]:
        return self.store.due(moment)
