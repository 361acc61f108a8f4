"""Business hours: edges in several zones, daylight-saving days, holidays, overnight periods,
validation, and a property check that next_open never skips an open minute."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from dispatch.assignment.hours import ALWAYS_OPEN, WEEKDAYS, BusinessHours

NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
SECOND = timedelta(seconds=1)


def _hours(timezone: str = "UTC", holidays: tuple[str, ...] = (), **weekly: list[str]) -> BusinessHours:
    """Hours from "HH:MM-HH:MM" strings per day: ``_hours("UTC", MON=["09:00-17:00"])``."""
    return BusinessHours.model_validate(
        {
            "timezone": timezone,
            "weekly": {
                day: [dict(zip(("start", "end"), span.split("-"), strict=True)) for span in spans]
                for day, spans in weekly.items()
            },
            "holidays": list(holidays),
        }
    )


def _local(zone: ZoneInfo, text: str, fold: int = 0) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone, fold=fold)


WEEKDAYS_9_TO_5 = {day: ["09:00-17:00"] for day in ("MON", "TUE", "WED", "THU", "FRI")}


# --- open or closed at the edges ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "monday", "opens_utc"),
    [
        ("UTC", "2026-01-05", "2026-01-05T09:00"),
        ("Europe/Paris", "2026-01-05", "2026-01-05T08:00"),  # CET, +01:00
        ("Europe/Paris", "2026-07-06", "2026-07-06T07:00"),  # CEST, +02:00
        ("America/New_York", "2026-01-05", "2026-01-05T14:00"),
        ("Asia/Kolkata", "2026-01-05", "2026-01-05T03:30"),  # +05:30
        ("Australia/Lord_Howe", "2026-01-05", "2026-01-04T22:00"),  # summer time, +11:00
        ("Australia/Lord_Howe", "2026-07-06", "2026-07-05T22:30"),  # standard time, +10:30
    ],
)
def test_start_is_inclusive_and_end_exclusive_in_local_time(
    timezone: str, monday: str, opens_utc: str
) -> None:
    hours = _hours(timezone, MON=["09:00-17:30"])
    zone = ZoneInfo(timezone)
    expected = {"08:59:59": False, "09:00": True, "17:29:59": True, "17:30": False}
    for clock, is_open in expected.items():
        moment = _local(zone, f"{monday}T{clock}")
        assert hours.is_open(moment) is is_open, clock
        # The same instant in another zone is the same answer.
        assert hours.is_open(moment.astimezone(UTC)) is is_open, clock
        assert hours.is_open(moment.astimezone(ZoneInfo("Asia/Tokyo"))) is is_open, clock
    assert hours.next_open(_local(zone, f"{monday}T00:00")) == datetime.fromisoformat(opens_utc).replace(
        tzinfo=UTC
    )


def test_a_day_left_out_is_closed() -> None:
    hours = _hours(MON=["00:00-24:00"])
    assert hours.is_open(datetime(2026, 1, 5, 12, tzinfo=UTC))
    assert not hours.is_open(datetime(2026, 1, 6, 12, tzinfo=UTC))


def test_an_end_of_24_00_runs_to_the_next_local_midnight() -> None:
    hours = _hours("Asia/Kolkata", MON=["18:00-24:00"])
    kolkata = ZoneInfo("Asia/Kolkata")
    assert hours.is_open(_local(kolkata, "2026-01-05T23:59:59"))
    assert not hours.is_open(_local(kolkata, "2026-01-06T00:00"))
    assert hours.next_close(_local(kolkata, "2026-01-05T20:00")) == datetime(2026, 1, 5, 18, 30, tzinfo=UTC)


# --- next_open ------------------------------------------------------------------------------------


def test_next_open_from_friday_evening_is_monday_nine_local_in_utc() -> None:
    hours = _hours("America/New_York", **WEEKDAYS_9_TO_5)
    opens = hours.next_open(_local(NEW_YORK, "2026-01-09T17:00"))
    assert opens == datetime(2026, 1, 12, 14, tzinfo=UTC)
    assert opens is not None
    assert opens.tzinfo is UTC


def test_next_open_of_an_open_moment_is_that_moment_in_utc() -> None:
    hours = _hours("Europe/Paris", MON=["09:00-17:00"])
    moment = _local(ZoneInfo("Europe/Paris"), "2026-01-05T10:15:30.5")
    opens = hours.next_open(moment)
    assert opens == moment
    assert opens is not None
    assert opens.tzinfo is UTC


def test_next_open_later_the_same_day_and_between_intervals() -> None:
    hours = _hours(MON=["09:00-12:00", "13:00-17:00"])
    assert hours.next_open(datetime(2026, 1, 5, 12, tzinfo=UTC)) == datetime(2026, 1, 5, 13, tzinfo=UTC)


def test_next_open_is_none_when_there_are_no_intervals() -> None:
    for hours in (_hours(), _hours(MON=[])):
        moment = datetime(2026, 1, 5, tzinfo=UTC)
        assert hours.next_open(moment) is None
        assert not hours.is_open(moment)
        assert hours.next_close(moment) is None


# --- daylight saving ------------------------------------------------------------------------------


def test_nine_local_holds_across_the_us_spring_forward_weekend() -> None:
    hours = _hours("America/New_York", **WEEKDAYS_9_TO_5)
    before = hours.next_open(_local(NEW_YORK, "2026-03-05T18:00"))  # Thursday, still EST
    after = hours.next_open(_local(NEW_YORK, "2026-03-06T18:00"))  # Friday; clocks spring forward on Sunday
    assert before == datetime(2026, 3, 6, 14, tzinfo=UTC)
    assert after == datetime(2026, 3, 9, 13, tzinfo=UTC)
    assert after is not None
    assert after.astimezone(NEW_YORK).strftime("%a %H:%M") == "Mon 09:00"
    assert hours.next_close(after) == datetime(2026, 3, 9, 21, tzinfo=UTC)


def test_nine_local_holds_across_the_us_fall_back_weekend() -> None:
    hours = _hours("America/New_York", **WEEKDAYS_9_TO_5)
    after = hours.next_open(_local(NEW_YORK, "2026-10-30T18:00"))  # clocks fall back on Sunday
    assert after == datetime(2026, 11, 2, 14, tzinfo=UTC)
    assert after is not None
    assert after.astimezone(NEW_YORK).strftime("%a %H:%M") == "Mon 09:00"
    assert hours.next_close(after) == datetime(2026, 11, 2, 22, tzinfo=UTC)


def test_an_interval_starting_in_the_skipped_hour_opens_when_the_clock_jumps() -> None:
    # 2026-03-08 in New York: 01:59:59 EST is followed by 03:00 EDT (07:00 UTC).
    hours = _hours("America/New_York", SUN=["02:30-04:00"])
    assert hours.next_open(_local(NEW_YORK, "2026-03-08T00:00")) == datetime(2026, 3, 8, 7, tzinfo=UTC)
    assert not hours.is_open(datetime(2026, 3, 8, 7, tzinfo=UTC) - SECOND)
    assert hours.is_open(datetime(2026, 3, 8, 7, tzinfo=UTC))
    assert hours.next_close(datetime(2026, 3, 8, 7, tzinfo=UTC)) == datetime(
        2026, 3, 8, 8, tzinfo=UTC
    )  # 04:00 EDT


def test_an_interval_ending_in_the_skipped_hour_closes_when_the_clock_jumps() -> None:
    hours = _hours("America/New_York", SUN=["00:00-02:30"])
    assert hours.next_close(_local(NEW_YORK, "2026-03-08T01:00")) == datetime(2026, 3, 8, 7, tzinfo=UTC)


def test_an_interval_inside_the_skipped_hour_does_not_open_that_day() -> None:
    hours = _hours("America/New_York", SUN=["02:00-02:30"])
    opens = hours.next_open(_local(NEW_YORK, "2026-03-08T00:00"))
    assert opens == _local(NEW_YORK, "2026-03-15T02:00")  # the next Sunday


def test_an_interval_in_the_repeated_hour_covers_both_passes() -> None:
    # 2026-11-01 in New York: 01:00-01:59 happens at 05:00-05:59 UTC (EDT), then again at 06:00-06:59 (EST).
    hours = _hours("America/New_York", SUN=["01:00-02:00"])
    assert not hours.is_open(datetime(2026, 11, 1, 5, tzinfo=UTC) - SECOND)
    assert hours.is_open(datetime(2026, 11, 1, 5, tzinfo=UTC))
    assert hours.is_open(_local(NEW_YORK, "2026-11-01T01:30", fold=1))
    assert not hours.is_open(datetime(2026, 11, 1, 7, tzinfo=UTC))  # 02:00 EST
    assert hours.next_close(datetime(2026, 11, 1, 5, tzinfo=UTC)) == datetime(2026, 11, 1, 7, tzinfo=UTC)


def test_an_interval_ending_in_the_repeated_hour_closes_at_its_second_pass() -> None:
    hours = _hours("America/New_York", SUN=["00:00-01:30", "01:30-03:00"])
    # The two intervals overlap on this day only; they never leave a gap.
    first_pass = _local(NEW_YORK, "2026-11-01T01:15", fold=0)
    assert hours.next_close(first_pass) == datetime(2026, 11, 1, 8, tzinfo=UTC)  # 03:00 EST
    alone = _hours("America/New_York", SUN=["00:00-01:30"])
    assert alone.next_close(first_pass) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 EST
    assert alone.is_open(_local(NEW_YORK, "2026-11-01T01:29", fold=1))


def test_lord_howe_half_hour_spring_forward_opens_at_the_jump() -> None:
    # 2026-10-04: 01:59:59 +10:30 is followed by 02:30 +11:00.
    hours = _hours("Australia/Lord_Howe", SUN=["02:00-03:00"])
    opens = hours.next_open(_local(LORD_HOWE, "2026-10-04T00:00"))
    assert opens == _local(LORD_HOWE, "2026-10-04T02:30")
    assert opens == datetime(2026, 10, 3, 15, 30, tzinfo=UTC)
    assert hours.next_close(opens) == datetime(2026, 10, 3, 16, tzinfo=UTC)  # half an hour open that day


def test_lord_howe_half_hour_fall_back_repeats_the_half_hour() -> None:
    # 2026-04-05: 01:59:59 +11:00 is followed by 01:30 +10:30.
    hours = _hours("Australia/Lord_Howe", SUN=["01:30-02:00"])
    opens = hours.next_open(_local(LORD_HOWE, "2026-04-05T00:00"))
    assert opens == datetime(2026, 4, 4, 14, 30, tzinfo=UTC)
    assert hours.next_close(opens) == datetime(2026, 4, 4, 15, 30, tzinfo=UTC)  # an hour: both passes


# --- holidays -------------------------------------------------------------------------------------


def test_holidays_are_skipped_by_next_open() -> None:
    hours = _hours("America/New_York", holidays=("2026-12-25", "2026-12-28"), **WEEKDAYS_9_TO_5)
    assert not hours.is_open(_local(NEW_YORK, "2026-12-25T10:00"))
    assert hours.next_open(_local(NEW_YORK, "2026-12-24T17:00")) == _local(NEW_YORK, "2026-12-29T09:00")


def test_a_holiday_is_the_whole_local_day_not_the_utc_day() -> None:
    hours = BusinessHours(timezone="Asia/Kolkata", weekly=ALWAYS_OPEN.weekly, holidays=[date(2026, 1, 26)])
    assert hours.is_open(datetime(2026, 1, 25, 18, 29, 59, tzinfo=UTC))  # 23:59:59 on the 25th in Kolkata
    assert not hours.is_open(datetime(2026, 1, 25, 18, 30, tzinfo=UTC))  # midnight of the 26th in Kolkata
    assert hours.next_close(datetime(2026, 1, 25, 12, tzinfo=UTC)) == datetime(
        2026, 1, 25, 18, 30, tzinfo=UTC
    )
    assert hours.next_open(datetime(2026, 1, 25, 20, tzinfo=UTC)) == datetime(2026, 1, 26, 18, 30, tzinfo=UTC)


# --- next_close and overnight periods -------------------------------------------------------------


def test_next_close_joins_an_overnight_pair() -> None:
    hours = _hours("Europe/Paris", MON=["18:00-24:00"], TUE=["00:00-06:00"])
    paris = ZoneInfo("Europe/Paris")
    assert hours.next_close(_local(paris, "2026-01-05T20:00")) == _local(paris, "2026-01-06T06:00")
    assert hours.next_close(_local(paris, "2026-01-06T01:00")) == _local(paris, "2026-01-06T06:00")


def test_next_close_joins_a_weekend_shift_across_several_days() -> None:
    hours = _hours(
        FRI=["18:00-24:00"], SAT=["00:00-24:00"], SUN=["00:00-24:00"], MON=["00:00-08:00", "09:00-10:00"]
    )
    assert hours.next_close(datetime(2026, 1, 9, 19, tzinfo=UTC)) == datetime(2026, 1, 12, 8, tzinfo=UTC)


def test_next_close_stops_at_a_holiday_after_midnight() -> None:
    hours = _hours(holidays=("2026-01-06",), MON=["18:00-24:00"], TUE=["00:00-06:00"])
    assert hours.next_close(datetime(2026, 1, 5, 20, tzinfo=UTC)) == datetime(2026, 1, 6, tzinfo=UTC)


def test_touching_intervals_of_one_day_are_one_period() -> None:
    hours = _hours(MON=["09:00-12:00", "12:00-17:00"])
    assert hours.is_open(datetime(2026, 1, 5, 12, tzinfo=UTC))
    assert hours.next_close(datetime(2026, 1, 5, 10, tzinfo=UTC)) == datetime(2026, 1, 5, 17, tzinfo=UTC)


def test_next_close_is_none_when_closed() -> None:
    hours = _hours(MON=["09:00-17:00"])
    assert hours.next_close(datetime(2026, 1, 5, 17, tzinfo=UTC)) is None
    assert hours.next_close(datetime(2026, 1, 5, 8, tzinfo=UTC)) is None


# --- always open ----------------------------------------------------------------------------------


def test_always_open_is_open_every_day_and_never_closes() -> None:
    assert ALWAYS_OPEN.timezone == "UTC"
    assert set(ALWAYS_OPEN.weekly) == set(WEEKDAYS)
    moment = _local(NEW_YORK, "2026-03-07T12:00")  # a week that crosses the spring-forward night
    for day in range(7):
        assert ALWAYS_OPEN.is_open(moment + timedelta(days=day))
    assert ALWAYS_OPEN.next_open(moment) == moment
    assert ALWAYS_OPEN.next_close(moment) is None


# --- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "clock", ["25:00", "24:30", "12:60", "9:00", "09:00:00", "noon", "", "\u0660\u0669:\u0660\u0660"]
)
def test_a_bad_time_of_day_is_refused(clock: str) -> None:
    with pytest.raises(
        ValidationError, match=r"is not a time of day: use HH:MM, from 00:00 to 24:00"
    ) as caught:
        _hours(TUE=["08:00-09:00", f"{clock}-23:00"])
    assert caught.value.errors()[0]["loc"] == ("weekly", "TUE", 1, "start")


@pytest.mark.parametrize("interval", ["17:00-09:00", "09:00-09:00", "24:00-24:00"])
def test_an_interval_must_end_after_it_starts(interval: str) -> None:
    with pytest.raises(
        ValidationError, match=r"must end after it starts; split an overnight interval"
    ) as caught:
        _hours(WED=[interval])
    assert caught.value.errors()[0]["loc"] == ("weekly", "WED", 0)


def test_overlapping_intervals_of_one_day_are_refused_naming_them() -> None:
    with pytest.raises(ValidationError, match=r"THU: interval 09:00-12:00 overlaps 11:00-13:00"):
        _hours(THU=["11:00-13:00", "09:00-12:00"])


def test_touching_intervals_are_accepted_and_kept_in_order() -> None:
    hours = _hours(MON=["12:00-17:00", "09:00-12:00"])
    assert [str(interval) for interval in hours.weekly["MON"]] == ["09:00-12:00", "12:00-17:00"]


@pytest.mark.parametrize("timezone", ["Mars/Olympus_Mons", "", "../etc/passwd", "EST+5"])
def test_an_unknown_timezone_is_refused(timezone: str) -> None:
    with pytest.raises(ValueError, match=r'unknown timezone ".*": use an IANA name such as Europe/Paris'):
        _hours(timezone, MON=["09:00-17:00"])


@pytest.mark.parametrize(
    "data",
    [
        {"weekly": {"MONDAY": []}},
        {"weekly": {}, "opening": "09:00"},
        {"weekly": {"MON": [{"start": "09:00", "end": "10:00", "note": "x"}]}},
        {"weekly": {}, "holidays": ["not a date"]},
    ],
)
def test_unknown_days_fields_and_bad_dates_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        BusinessHours.model_validate(data)


@pytest.mark.parametrize("method", ["is_open", "next_open", "next_close"])
def test_a_naive_datetime_is_refused(method: str) -> None:
    with pytest.raises(
        ValueError, match=r"2026-01-05T09:00:00 has no timezone: business hours need an aware"
    ):
        getattr(ALWAYS_OPEN, method)(datetime(2026, 1, 5, 9))


# --- properties -----------------------------------------------------------------------------------

ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
# Days on which some of those zones change their clocks; random moments alone would rarely meet one.
CHANGES = [
    datetime(2026, 3, 8, tzinfo=UTC),
    datetime(2026, 3, 29, tzinfo=UTC),
    datetime(2026, 4, 4, tzinfo=UTC),
    datetime(2026, 10, 3, tzinfo=UTC),
    datetime(2026, 10, 25, tzinfo=UTC),
    datetime(2026, 11, 1, tzinfo=UTC),
]
WINDOW = timedelta(hours=30)


@st.composite
def _day(draw: st.DrawFn) -> list[dict[str, str]]:
    """Non-overlapping intervals on half-hour boundaries; some touch, some cover midnight to midnight."""
    cuts = sorted(draw(st.sets(st.integers(0, 48), max_size=6)))
    pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, draw(st.sampled_from([1, 2])))]
    return [
        {"start": f"{a // 2:02d}:{a % 2 * 30:02d}", "end": f"{b // 2:02d}:{b % 2 * 30:02d}"} for a, b in pairs
    ]


@st.composite
def _case(draw: st.DrawFn) -> tuple[BusinessHours, datetime]:
    near = draw(st.sampled_from([*CHANGES, None]))
    if near is None:
        moment = draw(st.datetimes(datetime(2025, 1, 1), datetime(2028, 1, 1), timezones=st.just(UTC)))
    else:
        moment = near + timedelta(seconds=draw(st.integers(-2 * 86400, 2 * 86400)))
    weekly = draw(st.dictionaries(st.sampled_from(WEEKDAYS), _day(), max_size=7))
    holidays = [moment.date() + timedelta(days=k) for k in draw(st.sets(st.integers(-1, 8), max_size=3))]
    hours = BusinessHours.model_validate(
        {"timezone": draw(st.sampled_from(ZONES)), "weekly": weekly, "holidays": holidays}
    )
    return hours, moment


@settings(max_examples=60, deadline=None)
@given(_case())
def test_next_open_is_open_and_nothing_opens_before_it(case: tuple[BusinessHours, datetime]) -> None:
    hours, moment = case
    opens = hours.next_open(moment)
    if opens is None:
        assert not any(hours.weekly.values())  # a weekly interval cannot hide behind three holidays
        return
    assert opens >= moment
    assert hours.is_open(opens)
    assert (opens == moment) is hours.is_open(moment)
    minute = moment
    while minute < min(opens, moment + WINDOW):
        assert not hours.is_open(minute), minute
        minute += timedelta(minutes=1)


@settings(max_examples=60, deadline=None)
@given(_case())
def test_next_close_ends_an_unbroken_open_period(case: tuple[BusinessHours, datetime]) -> None:
    hours, moment = case
    opens = hours.next_open(moment)
    if opens is None:
        return
    closes = hours.next_close(opens)
    if closes is None:  # open for the whole search horizon: every day is covered from midnight to midnight
        covered = [sum(i.end_minute - i.start_minute for i in hours.weekly.get(day, [])) for day in WEEKDAYS]
        assert covered == [24 * 60] * 7
        return
    assert closes > opens
    assert not hours.is_open(closes)
    assert hours.is_open(closes - SECOND)
    minute = opens
    while minute < min(closes, opens + WINDOW):
        assert hours.is_open(minute), minute
        minute += timedelta(minutes=1)


def test_hours_without_their_own_timezone_are_in_the_organisations() -> None:
    from dispatch.organisations.models import OrganisationSettings

    weekly = {"MON": [{"start": "09:00", "end": "17:00"}]}
    inherited = OrganisationSettings.model_validate(
        {"timezone": "America/New_York", "business_hours": {"weekly": weekly}}
    )
    assert inherited.business_hours.timezone == "America/New_York"
    assert not inherited.business_hours.is_open(datetime(2027, 1, 4, 13, 30, tzinfo=UTC))  # 08:30 EST
    assert inherited.business_hours.is_open(datetime(2027, 1, 4, 14, 30, tzinfo=UTC))  # 09:30 EST
    stored = OrganisationSettings.model_validate(inherited.model_dump(mode="json"))
    assert stored.business_hours.timezone == "America/New_York"
    own = OrganisationSettings.model_validate(
        {"timezone": "America/New_York", "business_hours": {"timezone": "Europe/Berlin", "weekly": weekly}}
    )
    assert own.business_hours.timezone == "Europe/Berlin"
