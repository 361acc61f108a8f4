"""Quiet hours in the recipient's local time (issue 19, item 1): where the zone comes from, when a
message may go, and the same wall-clock rule across both daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from dispatch.cards.models import Card, CardStatus
from dispatch.deliverability.policy import QuietHours
from dispatch.deliverability.quiet_hours import deferral, recipient_zones, sendable_at
from dispatch.organisations.models import OrganisationSettings

DEFAULT = QuietHours()
NEW_YORK = "+12125550100"
LOS_ANGELES = "+14155550103"
AUSTRALIA_MOBILE = "+61491570006"  # every Australian zone, Cocos (UTC+6:30) to Lord Howe


def card(*, phone: str | None = NEW_YORK, email: str | None = None, **values: Any) -> Card:
    channels = [channel for channel, address in (("email", email), ("sms", phone)) if address]
    return Card(
        id="b-0000002",
        batch_id="b",
        org_id="org",
        row=2,
        values=values,
        email=email,
        phone=phone,
        channels=channels,
        status=CardStatus.ready,
        link_expires_at=0,
        created_at="2026-01-01T00:00:00.000Z",
    )


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("phone", "now", "until"),
    [
        # New York, winter (UTC-5): 22:00 local waits until 08:00 local = 13:00 UTC
        (NEW_YORK, "2026-01-15T03:00", "2026-01-15T13:00"),
        # the same wall-clock times in summer (UTC-4)
        (NEW_YORK, "2026-07-15T02:00", "2026-07-15T12:00"),
        # spring forward (2026-03-08 02:00 EST → 03:00 EDT): 22:30 EST on the 7th waits until
        # 08:00 EDT on the 8th, 12:00 UTC — not 13:00, as the offset of the evening would say
        (NEW_YORK, "2026-03-08T03:30", "2026-03-08T12:00"),
        # fall back (2026-11-01 02:00 EDT → 01:00 EST): 22:00 EDT on Oct 31 waits until 08:00 EST
        (NEW_YORK, "2026-11-01T02:00", "2026-11-01T13:00"),
        # at 01:30 in the repeated hour (EST, the second pass) it is still night
        (NEW_YORK, "2026-11-01T06:30", "2026-11-01T13:00"),
        # Los Angeles (UTC-8) at 07:59 local: one minute to go
        (LOS_ANGELES, "2026-01-15T15:59", "2026-01-15T16:00"),
        # Australian mobile in November (Sydney UTC+11, Cocos UTC+6:30): opens at 08:00 in Cocos
        (AUSTRALIA_MOBILE, "2026-11-16T23:00", "2026-11-17T01:30"),
        # … and closes at 21:00 on Lord Howe (UTC+11): 10:30 UTC is 21:30 there
        (AUSTRALIA_MOBILE, "2026-11-17T10:30", "2026-11-18T01:30"),
    ],
)
def test_a_message_waits_until_the_recipients_quiet_hours_end(phone: str, now: str, until: str) -> None:
    zones, _ = recipient_zones(card(phone=phone), "UTC")
    assert sendable_at(DEFAULT, zones, utc(now)) == utc(until)


@pytest.mark.parametrize(
    ("phone", "now"),
    [
        (NEW_YORK, "2026-01-15T13:00"),  # 08:00 EST: open
        (NEW_YORK, "2026-07-15T12:00"),  # 08:00 EDT: open
        (NEW_YORK, "2026-03-09T00:59"),  # 20:59 EDT the day DST began: still open
        (NEW_YORK, "2026-11-02T01:59"),  # 20:59 EST the day DST ended
        (AUSTRALIA_MOBILE, "2026-11-17T03:00"),  # 14:00 in Sydney, 09:30 in Cocos
    ],
)
def test_inside_the_day_a_message_goes_at_once(phone: str, now: str) -> None:
    zones, _ = recipient_zones(card(phone=phone), "UTC")
    assert sendable_at(DEFAULT, zones, utc(now)) is None


def test_europe_changes_on_other_dates_and_a_timezone_field_wins_over_the_number() -> None:
    """London springs forward on 2026-03-29 (01:00 GMT → 02:00 BST) and falls back on 10-25."""
    london = card(phone=NEW_YORK, timezone="Europe/London")
    organisation = OrganisationSettings(timezone="America/Chicago")
    spring = deferral(london, organisation, utc("2026-03-28T23:00"))
    assert spring is not None
    assert spring.until == "2026-03-29T07:00:00.000Z"  # 08:00 BST
    assert "(Europe/London)" in spring.reason
    autumn = deferral(london, organisation, utc("2026-10-24T22:00"))  # 23:00 BST
    assert autumn is not None
    assert autumn.until == "2026-10-25T08:00:00.000Z"  # 08:00 GMT


def test_the_zone_comes_from_the_field_else_the_number_else_the_organisation() -> None:
    assert recipient_zones(card(timezone="Asia/Tokyo"), "UTC")[0] == [ZoneInfo("Asia/Tokyo")]
    assert recipient_zones(card(timezone="Mars/Olympus"), "UTC")[0] == [ZoneInfo("America/New_York")]
    unknown_area = card(phone="+15555550100")  # a number phonenumbers places nowhere
    assert recipient_zones(unknown_area, "Europe/Paris")[0] == [ZoneInfo("Europe/Paris")]
    assert recipient_zones(card(phone=None, email="a@example.com"), "Europe/Paris")[0] == [
        ZoneInfo("Europe/Paris")
    ]


def test_zones_never_open_together_fall_back_to_the_organisations_time() -> None:
    """Quiet 09:00-08:00 leaves one open hour: New York and Tokyo never share it."""
    organisation = OrganisationSettings(
        timezone="Europe/Paris", sms_quiet_hours=QuietHours(start="09:00", end="08:00")
    )
    both = card(phone=NEW_YORK)
    zones = [ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")]
    from dispatch.deliverability.quiet_hours import NoCommonWindow

    with pytest.raises(NoCommonWindow):
        sendable_at(organisation.sms_quiet_hours or DEFAULT, zones, utc("2026-01-15T12:00"))
    waiting = deferral(both.model_copy(update={"values": {}}), organisation, utc("2026-01-15T12:00"))
    assert waiting is not None  # New York alone: 07:00 local, opens at 08:00 EST
    assert waiting.until == "2026-01-15T13:00:00.000Z"


def test_quiet_hours_can_be_off_and_apply_to_email_only_when_opted_in() -> None:
    night = utc("2026-01-15T03:00")  # 22:00 in New York
    assert deferral(card(), OrganisationSettings(sms_quiet_hours=None), night) is None
    email_only = card(phone=None, email="ada@example.com", timezone="America/New_York")
    assert deferral(email_only, OrganisationSettings(), night) is None
    opted_in = deferral(email_only, OrganisationSettings(email_quiet_hours=True), night)
    assert opted_in is not None
    assert opted_in.until == "2026-01-15T13:00:00.000Z"
    sent = card().model_copy(update={"status": CardStatus.sent})
    assert deferral(sent, OrganisationSettings(), night) is None  # a resend is the person's decision


def test_hours_within_one_day_and_the_organisations_own_hours() -> None:
    lunch = QuietHours(start="12:00", end="13:30")
    assert lunch.quiet_at(datetime(2026, 1, 1, 12, 0).time())
    assert not lunch.quiet_at(datetime(2026, 1, 1, 13, 30).time())
    assert not lunch.quiet_at(datetime(2026, 1, 1, 11, 59).time())
    organisation = OrganisationSettings(sms_quiet_hours=lunch)
    waiting = deferral(card(timezone="UTC"), organisation, utc("2026-01-15T12:15"))
    assert waiting is not None
    assert waiting.until == "2026-01-15T13:30:00.000Z"
    with pytest.raises(ValueError, match="must differ"):
        QuietHours(start="08:00", end="08:00")


def test_an_unknown_organisation_timezone_is_refused_when_saved() -> None:
    """Saved once, it made the settings unreadable (every later read failed)."""
    with pytest.raises(ValueError, match="unknown timezone"):
        OrganisationSettings(timezone="Not/AZone")
    assert OrganisationSettings(timezone="Europe/Paris").business_hours.timezone == "Europe/Paris"
