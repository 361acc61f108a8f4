"""From what a person asks for to EventBridge expressions and fire times: DST, month ends, refusals."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from dispatch.errors import InvalidRequest
from dispatch.schedules.models import When
from dispatch.schedules.timing import resolve, upcoming

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _fires(when: When, count: int, zone: str = "UTC") -> list[datetime]:
    return upcoming(resolve(when, zone, NOW), NOW, count)


def test_daily_at_six_stays_six_local_across_both_dst_changes_in_new_york() -> None:
    when = When(mode="recurring", start_at="2027-03-12T06:00", frequency="daily", timezone="America/New_York")
    fires = _fires(when, 4)
    zone = ZoneInfo("America/New_York")
    assert [f.astimezone(zone).strftime("%m-%d %H:%M") for f in fires] == [
        "03-12 06:00",
        "03-13 06:00",
        "03-14 06:00",  # clocks sprang forward that night
        "03-15 06:00",
    ]
    assert [f.hour for f in fires] == [11, 11, 10, 10]  # UTC moves by the hour instead

    autumn = When(mode="recurring", start_at="2027-10-30T06:00", frequency="daily", timezone="Europe/Berlin")
    fires = _fires(autumn, 3)
    assert [f.astimezone(ZoneInfo("Europe/Berlin")).hour for f in fires] == [6, 6, 6]
    assert [f.hour for f in fires] == [4, 5, 5]


def test_hourly_is_absolute_time_across_the_fall_back_hour() -> None:
    when = When(
        mode="recurring", start_at="2027-11-07T00:30", frequency="hourly", timezone="America/New_York"
    )
    fires = _fires(when, 4)
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(fires)] == [3600.0] * 3
    local = [f.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M") for f in fires]
    assert local == ["00:30", "01:30", "01:30", "02:30"]  # 01:30 happens twice that night


def test_weekly_defaults_to_the_start_weekday_and_sorts_given_days() -> None:
    monday = resolve(When(mode="recurring", start_at="2027-02-01T06:15", frequency="weekly"), "UTC", NOW)
    assert monday.expression == "cron(15 6 ? * MON *)"
    days = When(
        mode="recurring", start_at="2027-02-01T06:15", frequency="weekly", weekdays=["FRI", "MON", "WED"]
    )
    assert resolve(days, "UTC", NOW).expression == "cron(15 6 ? * MON,WED,FRI *)"
    assert [f.strftime("%a") for f in _fires(days, 4)] == ["Mon", "Wed", "Fri", "Mon"]


def test_monthly_on_the_last_day_follows_february_and_leap_years() -> None:
    when = When(mode="recurring", start_at="2027-01-31T09:00", frequency="monthly", day_of_month="last")
    assert resolve(when, "UTC", NOW).expression == "cron(0 9 L * ? *)"
    assert [f.strftime("%Y-%m-%d") for f in _fires(when, 3)] == ["2027-01-31", "2027-02-28", "2027-03-31"]
    leap = When(mode="recurring", start_at="2028-01-31T09:00", frequency="monthly", day_of_month="last")
    assert _fires(leap, 2)[1].strftime("%Y-%m-%d") == "2028-02-29"


def test_monthly_defaults_to_the_start_day_and_refuses_days_not_in_every_month() -> None:
    when = When(mode="recurring", start_at="2027-01-15T09:00", frequency="monthly")
    assert [f.day for f in _fires(when, 3)] == [15, 15, 15]
    with pytest.raises(InvalidRequest, match="day 1-28 or the last day"):
        resolve(When(mode="recurring", start_at="2027-01-30T09:00", frequency="monthly"), "UTC", NOW)


def test_once_is_an_at_expression_in_the_organisations_timezone_by_default() -> None:
    timing = resolve(When(mode="once", start_at="2027-07-01T08:00"), "Europe/Paris", NOW)
    assert (timing.expression, timing.timezone, timing.start) == (
        "at(2027-07-01T08:00:00)",
        "Europe/Paris",
        "2027-07-01T06:00:00.000Z",
    )
    assert upcoming(timing, NOW, 5) == [datetime(2027, 7, 1, 6, 0, tzinfo=UTC)]


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (When(mode="once"), "needs start_at"),
        (When(mode="once", start_at="2026-11-23T11:00"), "in the past"),
        (When(mode="once", start_at="2027-03-14T02:30", timezone="America/New_York"), "does not exist"),
        (When(mode="once", start_at="2027-01-01T06:00+01:00"), "without an offset"),
        (When(mode="once", start_at="2027-01-01T06:00", timezone="Nowhere/Town"), "unknown timezone"),
        (When(mode="recurring", start_at="2027-01-01T06:00", frequency="cron"), "needs cron"),
        (
            When(mode="recurring", start_at="2027-01-01T06:00", frequency="cron", cron="61 6 * * ? *"),
            "invalid cron",
        ),
        (
            When(mode="recurring", start_at="2027-01-01T06:00", frequency="cron", cron="0 6 * * ? 2020"),
            "never fires",
        ),
    ],
)
def test_bad_timing_is_refused_with_a_clear_message(when: When, message: str) -> None:
    with pytest.raises(InvalidRequest, match=message):
        resolve(when, "UTC", NOW)


def test_immediate_has_no_expression() -> None:
    timing = resolve(When(), "Europe/Paris", NOW)
    assert (timing.mode, timing.expression, upcoming(timing, NOW, 3)) == ("immediate", None, [])
