"""EventBridge Scheduler expressions: at(), rate() and cron() in a timezone, daylight saving included.

Dates used below (2026): New York springs forward on 8 March (02:00 → 03:00) and falls back on
1 November (02:00 → 01:00); Berlin on 29 March and 25 October.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.schedules.expressions import InvalidExpression, fire_times, next_fire, validate

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def local_times(expression: str, timezone: str, after: datetime, count: int, **bounds: datetime) -> list[str]:
    """The next fire times as wall-clock text with their offset, e.g. 2026-03-08T06:00:00-04:00."""
    zone = ZoneInfo(timezone)
    times = fire_times(expression, timezone, after=after, **bounds)
    return [moment.astimezone(zone).isoformat() for moment in islice(times, count)]


def dates(expression: str, after: datetime, count: int, timezone: str = "UTC") -> list[str]:
    return [moment[:10] for moment in local_times(expression, timezone, after, count)]


# --- daylight saving ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timezone", "spring", "autumn", "winter_offset", "summer_offset"),
    [
        ("America/New_York", "2026-03-08", "2026-11-01", "-05:00", "-04:00"),
        ("Europe/Berlin", "2026-03-29", "2026-10-25", "+01:00", "+02:00"),
    ],
)
def test_a_daily_0600_stays_0600_local_across_both_changes(
    timezone: str, spring: str, autumn: str, winter_offset: str, summer_offset: str
) -> None:
    for change, before, after in (
        (spring, winter_offset, summer_offset),
        (autumn, summer_offset, winter_offset),
    ):
        day = datetime.fromisoformat(change).replace(tzinfo=UTC)
        times = local_times("cron(0 6 * * ? *)", timezone, day - timedelta(days=2), 4)
        previous = (day - timedelta(days=1)).date()
        assert times == [
            f"{previous - timedelta(days=1)}T06:00:00{before}",
            f"{previous}T06:00:00{before}",
            f"{change}T06:00:00{after}",
            f"{day.date() + timedelta(days=1)}T06:00:00{after}",
        ]


def test_a_daily_0230_is_skipped_when_the_clocks_spring_over_it() -> None:
    times = local_times("cron(30 2 * * ? *)", "America/New_York", utc(2026, 3, 6), 3)
    assert times == ["2026-03-06T02:30:00-05:00", "2026-03-07T02:30:00-05:00", "2026-03-09T02:30:00-04:00"]


def test_a_daily_0230_fires_once_on_the_fall_back_day() -> None:
    times = local_times("cron(30 2 * * ? *)", "America/New_York", utc(2026, 10, 31), 3)
    assert times == ["2026-10-31T02:30:00-04:00", "2026-11-01T02:30:00-05:00", "2026-11-02T02:30:00-05:00"]


def test_a_time_the_clocks_pass_twice_fires_once_at_its_first_occurrence() -> None:
    times = list(
        fire_times("cron(30 1 * * ? *)", "America/New_York", after=utc(2026, 11, 1), end=utc(2026, 11, 2))
    )
    assert times == [utc(2026, 11, 1, 5, 30)]  # 01:30 EDT; 01:30 EST (06:30 UTC) does not fire


def test_an_hourly_rate_keeps_absolute_spacing_across_daylight_saving() -> None:
    start = utc(2026, 3, 8, 5, 0)  # 00:00 EST
    times = list(
        fire_times("rate(1 hour)", "America/New_York", after=start, start=start, end=utc(2026, 3, 8, 9))
    )
    assert [later - earlier for earlier, later in pairwise(times)] == [timedelta(hours=1)] * 3
    assert [moment.astimezone(NEW_YORK).hour for moment in times] == [1, 3, 4, 5]  # 02:00 never shows


def test_a_daily_rate_is_24_hours_whatever_the_clocks_do() -> None:
    start = utc(2026, 3, 28, 5)  # 06:00 in Berlin, the day before it springs forward
    times = local_times("rate(1 day)", "Europe/Berlin", start, 2, start=start)
    assert times == ["2026-03-29T07:00:00+02:00", "2026-03-30T07:00:00+02:00"]


# --- cron fields ----------------------------------------------------------------------------------


def test_weekly_on_monday_wednesday_and_friday() -> None:
    assert dates("cron(0 9 ? * MON,WED,FRI *)", utc(2026, 6, 1), 6) == [
        "2026-06-01",
        "2026-06-03",
        "2026-06-05",
        "2026-06-08",
        "2026-06-10",
        "2026-06-12",
    ]


def test_day_31_skips_the_months_without_one() -> None:
    assert dates("cron(0 6 31 * ? *)", utc(2026, 1, 1), 4) == [
        "2026-01-31",
        "2026-03-31",
        "2026-05-31",
        "2026-07-31",
    ]


def test_l_is_the_last_day_of_the_month_including_february() -> None:
    assert dates("cron(0 6 L 2 ? *)", utc(2027, 1, 1), 2) == ["2027-02-28", "2028-02-29"]
    assert dates("cron(0 6 L * ? *)", utc(2026, 4, 1), 3) == ["2026-04-30", "2026-05-31", "2026-06-30"]


def test_nearest_weekday_stays_in_the_month() -> None:
    # 15 August 2026 is a Saturday (→ Friday 14th), 15 November a Sunday (→ Monday 16th).
    assert dates("cron(0 6 15W 8,11 ? *)", utc(2026, 1, 1), 2) == ["2026-08-14", "2026-11-16"]
    # 1 August 2026 is a Saturday: Friday would be July, so Monday the 3rd.
    assert dates("cron(0 6 1W 8 ? *)", utc(2026, 1, 1), 1) == ["2026-08-03"]
    # 31 May 2026 is a Sunday: Monday would be June, so Friday the 29th.
    assert dates("cron(0 6 31W 5 ? *)", utc(2026, 1, 1), 1) == ["2026-05-29"]


def test_last_and_nth_weekday_of_the_month() -> None:
    assert dates("cron(0 6 ? * 6L *)", utc(2026, 1, 1), 3) == ["2026-01-30", "2026-02-27", "2026-03-27"]
    assert dates("cron(0 6 ? * FRIL *)", utc(2026, 1, 1), 1) == ["2026-01-30"]
    assert dates("cron(0 6 ? * 2#1 *)", utc(2026, 1, 1), 3) == ["2026-01-05", "2026-02-02", "2026-03-02"]
    assert dates("cron(0 6 ? * MON#5 *)", utc(2026, 1, 1), 2) == ["2026-03-30", "2026-06-29"]


def test_l_alone_in_day_of_week_is_saturday() -> None:
    assert dates("cron(0 6 ? * L *)", utc(2026, 6, 1), 2) == ["2026-06-06", "2026-06-13"]


def test_steps_ranges_and_lists() -> None:
    after = utc(2026, 6, 1)
    assert [m.minute for m in islice(fire_times("cron(5/15 0 * * ? *)", "UTC", after=after), 4)] == [
        5,
        20,
        35,
        50,
    ]
    assert [m.minute for m in islice(fire_times("cron(*/20 0 * * ? *)", "UTC", after=after), 4)] == [
        20,
        40,
        0,
        20,
    ]
    assert [m.hour for m in islice(fire_times("cron(0 1-10/3 * * ? *)", "UTC", after=after), 5)] == [
        1,
        4,
        7,
        10,
        1,
    ]
    assert [m.hour for m in islice(fire_times("cron(0 2,4,8-9 * * ? *)", "UTC", after=after), 4)] == [
        2,
        4,
        8,
        9,
    ]
    assert dates("cron(0 0 1 JAN,jul ? 2027-2028)", after, 5) == [
        "2027-01-01",
        "2027-07-01",
        "2028-01-01",
        "2028-07-01",
    ]
    assert dates("cron(0 12 ? * mon-fri *)", utc(2026, 6, 5), 2) == ["2026-06-05", "2026-06-08"]
    assert dates("cron(0 0 10-12 * ? */100)", after, 3) == ["2070-01-10", "2070-01-11", "2070-01-12"]


def test_a_cron_that_cannot_fire_ends_at_once() -> None:
    started = time.process_time()  # CPU time: the work done, whatever else the machine runs
    assert next_fire("cron(0 0 30 2 ? *)", "UTC", after=utc(2026, 1, 1)) is None
    assert next_fire("cron(0 0 * * ? 2020)", "UTC", after=utc(2026, 1, 1)) is None
    assert next_fire("cron(0 0 31 4,6,9,11 ? *)", "Europe/Berlin", after=utc(2026, 1, 1)) is None
    assert time.process_time() - started < 1.0


def test_a_far_future_year_is_found() -> None:
    assert next_fire("cron(0 12 1 1 ? 2150)", "UTC", after=utc(2026, 1, 1)) == utc(2150, 1, 1, 12)


# --- at() and rate() ------------------------------------------------------------------------------


def test_at_fires_once_at_the_wall_clock_time_of_its_timezone() -> None:
    assert list(fire_times("at(2026-12-07T06:00:00)", "Europe/Berlin", after=utc(2026, 1, 1))) == [
        utc(2026, 12, 7, 5)
    ]
    assert next_fire("at(2026-12-07T06:00:00)", "Europe/Berlin", after=utc(2026, 12, 7, 5)) is None


def test_at_a_time_the_clocks_skip_never_fires_and_a_repeated_one_fires_first() -> None:
    assert next_fire("at(2026-03-08T02:30:00)", "America/New_York", after=utc(2026, 1, 1)) is None
    assert next_fire("at(2026-11-01T01:30:00)", "America/New_York", after=utc(2026, 1, 1)) == utc(
        2026, 11, 1, 5, 30
    )


def test_at_ignores_start_and_end_as_eventbridge_does() -> None:
    moment = next_fire(
        "at(2026-12-07T06:00:00)", "UTC", after=utc(2026, 1, 1), start=utc(2027, 1, 1), end=utc(2026, 2, 1)
    )
    assert moment == utc(2026, 12, 7, 6)


def test_rate_fires_at_start_then_every_interval() -> None:
    start = utc(2026, 6, 1, 6, 0, 30)
    assert list(islice(fire_times("rate(90 minutes)", "UTC", after=utc(2026, 1, 1), start=start), 3)) == [
        start,
        start + timedelta(minutes=90),
        start + timedelta(minutes=180),
    ]
    assert next_fire("rate(2 days)", "UTC", after=start, start=start) == start + timedelta(days=2)
    assert next_fire(
        "rate(1 minute)", "UTC", after=start + timedelta(seconds=61), start=start
    ) == start + timedelta(minutes=2)


def test_rate_needs_a_start() -> None:
    with pytest.raises(ValueError, match="start"):
        fire_times("rate(5 minutes)", "UTC", after=utc(2026, 1, 1))


def test_bounds_are_aware_datetimes() -> None:
    with pytest.raises(ValueError, match="after must be an aware datetime"):
        fire_times("cron(0 6 * * ? *)", "UTC", after=datetime(2026, 1, 1))  # naive: the point


def test_start_and_end_bound_recurring_schedules_inclusively() -> None:
    times = list(
        fire_times(
            "cron(0 6 * * ? *)",
            "UTC",
            after=utc(2026, 1, 1),
            start=utc(2026, 1, 3, 6),
            end=utc(2026, 1, 5, 6),
        )
    )
    assert times == [utc(2026, 1, 3, 6), utc(2026, 1, 4, 6), utc(2026, 1, 5, 6)]
    start = utc(2026, 1, 1)
    assert len(list(fire_times("rate(1 hour)", "UTC", after=start, start=start, end=utc(2026, 1, 2)))) == 24


def test_fire_times_are_strictly_after_after() -> None:
    assert next_fire("cron(0 6 * * ? *)", "UTC", after=utc(2026, 1, 1, 6)) == utc(2026, 1, 2, 6)


# --- validation -----------------------------------------------------------------------------------


ONE_QUESTION = "cron: one of day-of-month and day-of-week must be ? (the other may be *)"
SIX_FIELDS = "cron: expected 6 fields (minutes hours day-of-month month day-of-week year)"
NOT_AN_EXPRESSION = "is not at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(six fields)"
L_ALONE = "is not supported: L stands alone (EventBridge has no L-n or LW)"
NTH = "is not n#k with n SUN-SAT or 1-7 and k 1-5, alone in the field"
REVERSED = "is a reversed range (write it as two ranges)"


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(60 6 * * ? *)", 'cron: minutes "60" is not 0-59'),
        ("cron(0 24 * * ? *)", 'cron: hours "24" is not 0-23'),
        ("cron(0 6 32 * ? *)", 'cron: day-of-month "32" is not 1-31, L, nW or ?'),
        ("cron(0 6 * 13 ? *)", 'cron: month "13" is not JAN-DEC or 1-12'),
        ("cron(0 6 * FOO ? *)", 'cron: month "FOO" is not JAN-DEC or 1-12'),
        ("cron(0 6 ? * MOX *)", 'cron: day-of-week "MOX" is not SUN-SAT or 1-7'),
        ("cron(0 6 ? * 8 *)", 'cron: day-of-week "8" is not SUN-SAT or 1-7'),
        ("cron(0 6 * * ? 1969)", 'cron: year "1969" is not 1970-2199'),
        ("cron(0 6 * * ? 2200)", 'cron: year "2200" is not 1970-2199'),
        ("cron(0 6 ? * ? *)", "cron: day-of-month and day-of-week cannot both be ?"),
        ("cron(0 6 * * * *)", ONE_QUESTION),
        ("cron(0 6 1 * MON *)", ONE_QUESTION),
        ("cron(0 6 * * ?)", f"{SIX_FIELDS}, got 5"),
        ("cron(0 0 6 * * ? *)", f"{SIX_FIELDS}, got 7"),
        ("cron(*/0 6 * * ? *)", 'cron: minutes "*/0" has no positive whole-number increment after /'),
        ("cron(0 6 10-5 * ? *)", f'cron: day-of-month "10-5" {REVERSED}'),
        ("cron(0 6 ? * FRI-MON *)", f'cron: day-of-week "FRI-MON" {REVERSED}'),
        (
            "cron(0 6 ? * MON/2 *)",
            'cron: day-of-week "MON/2" is not accepted: / is not a day-of-week wildcard',
        ),
        ("cron(0 6 L-3 * ? *)", f'cron: day-of-month "L-3" {L_ALONE}'),
        ("cron(0 6 LW * ? *)", f'cron: day-of-month "LW" {L_ALONE}'),
        ("cron(0 6 1,15W * ? *)", 'cron: day-of-month "1,15W" is not nW with n 1-31, alone in the field'),
        ("cron(0 6 ? * 3#1,6#3 *)", f'cron: day-of-week "3#1,6#3" {NTH}'),
        ("cron(0 6 ? * 2#6 *)", f'cron: day-of-week "2#6" {NTH}'),
        (
            "cron(0 6 ? * 2,6L *)",
            'cron: day-of-week "2,6L" is not nL with n SUN-SAT or 1-7, alone in the field',
        ),
        ("cron(? 6 * * ? *)", 'cron: minutes "?" is not 0-59'),
        ("cron(0 \u00b2 * * ? *)", 'cron: hours "\u00b2" is not 0-23'),  # a digit to isdigit(), not to int()
        ("rate(0 minutes)", 'rate: value "0" is not a positive whole number'),
        ("rate(-5 minutes)", 'rate: value "-5" is not a positive whole number'),
        ("rate(1 minutes)", 'rate: "1 minutes" should be "1 minute"'),
        ("rate(5 hour)", 'rate: "5 hour" should be "5 hours"'),
        ("rate(2 weeks)", 'rate: unit "weeks" is not minute(s), hour(s) or day(s)'),
        ("at(2026-02-30T06:00:00)", 'at: "2026-02-30T06:00:00" is not a date and time yyyy-mm-ddThh:mm:ss'),
        ("at(2026-12-07 06:00)", f'"at(2026-12-07 06:00)" {NOT_AN_EXPRESSION}'),
        ("every day", f'"every day" {NOT_AN_EXPRESSION}'),
        ("", f'"" {NOT_AN_EXPRESSION}'),
    ],
)
def test_invalid_expressions_say_what_is_wrong(expression: str, message: str) -> None:
    with pytest.raises(InvalidExpression) as raised:
        validate(expression)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 6 ? * * *)",
        "cron(0 6 * * ? *)",
        "cron(0/5 * * * ? *)",
        "cron(0 6 ? * sun-sat *)",
        "cron(0 6 ? * 1-7 *)",
        "cron(0 6 l * ? *)",
        "cron(0 6 15w * ? *)",
        "cron(0 6 ? * fri#3 *)",
        "cron(0 6 1/5 */2 ? 2026/2)",
        "rate(1 minute)",
        "rate(12 hours)",
        "rate(1 day)",
        "at(2026-12-07T06:00:00)",
    ],
)
def test_valid_expressions(expression: str) -> None:
    validate(expression, "Europe/Paris")


def test_an_unknown_timezone_is_invalid() -> None:
    with pytest.raises(InvalidExpression, match='unknown timezone "Mars/Olympus"'):
        validate("rate(1 hour)", "Mars/Olympus")
    with pytest.raises(InvalidExpression, match="unknown timezone"):
        fire_times("cron(0 6 * * ? *)", "../etc/passwd", after=utc(2026, 1, 1))


# --- properties -----------------------------------------------------------------------------------

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",  # a 30-minute daylight-saving shift
    "America/Havana",  # changes at midnight: 00:00 is skipped, or passed twice
    "America/Santiago",
    "Pacific/Chatham",
    "Asia/Kolkata",
]


@cache
def transitions(timezone: str, year: int) -> list[datetime]:
    """The instants in a year when the zone's UTC offset changes (found hour by hour)."""
    zone = ZoneInfo(timezone)
    moment, found = utc(year, 1, 1), []
    offset = moment.astimezone(zone).utcoffset()
    while moment.year == year:
        moment += timedelta(hours=1)
        if (now := moment.astimezone(zone).utcoffset()) != offset:
            found.append(moment)
            offset = now
    return found


@st.composite
def near_a_transition(draw: st.DrawFn, timezone: str) -> datetime:
    year = draw(st.integers(2024, 2030))
    changes = transitions(timezone, year) or [utc(year, 6, 1)]
    anchor = draw(st.sampled_from(changes))
    return anchor + timedelta(minutes=draw(st.integers(-36 * 60, 12 * 60)))


def field(values: st.SearchStrategy[int]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just("*"), st.sets(values, min_size=1, max_size=4).map(lambda s: ",".join(map(str, sorted(s))))
    )


@st.composite
def crons(draw: st.DrawFn) -> tuple[str, str, datetime]:
    timezone = draw(st.sampled_from(ZONES))
    minutes = draw(field(st.integers(0, 59)))
    hours = draw(field(st.integers(0, 23)))
    months = draw(st.one_of(st.just("*"), field(st.integers(1, 12))))
    if draw(st.booleans()):
        days, weekdays = draw(field(st.integers(1, 31))), "?"
    else:
        days, weekdays = "?", draw(field(st.integers(1, 7)))
    after = draw(near_a_transition(timezone))
    return f"cron({minutes} {hours} {days} {months} {weekdays} *)", timezone, after


def matches(expression: str, wall: datetime) -> bool:
    """An independent reading of a simple cron (values and * only) against a wall-clock time."""
    minutes, hours, days, months, weekdays, _ = expression[5:-1].split()

    def has(text: str, value: int) -> bool:
        return text in {"*", "?"} or value in {int(part) for part in text.split(",")}

    weekday = (wall.weekday() + 1) % 7 + 1
    return (
        has(minutes, wall.minute)
        and has(hours, wall.hour)
        and has(months, wall.month)
        and (has(days, wall.day) if weekdays == "?" else has(weekdays, weekday))
    )


@settings(max_examples=150, deadline=None)
@given(crons())
def test_cron_fires_exactly_at_the_first_occurrence_of_every_matching_wall_clock_minute(
    case: tuple[str, str, datetime],
) -> None:
    """Against a brute-force oracle: every UTC minute of two days whose wall-clock time matches the
    fields and is its first occurrence (``fold`` 0). The clocks never show a skipped time, so those
    never fire; a time shown twice fires on its first showing only."""
    expression, timezone, after = case
    zone = ZoneInfo(timezone)
    end = after + timedelta(days=2)
    times = list(fire_times(expression, timezone, after=after, end=end))
    assert all(earlier < later for earlier, later in pairwise(times))
    for moment in times:
        wall = moment.astimezone(zone)
        assert moment > after
        assert (wall.second, wall.fold) == (0, 0)
        assert matches(expression, wall)
    minute = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    expected = []
    while minute <= end:
        wall = minute.astimezone(zone)
        if wall.fold == 0 and matches(expression, wall):
            expected.append(minute)
        minute += timedelta(minutes=1)
    assert times == expected


@settings(max_examples=100, deadline=None)
@given(
    every=st.integers(1, 5000),
    start=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    lead=st.integers(-10_000, 10_000),
)
def test_rate_times_are_start_plus_whole_intervals_after_after(
    every: int, start: datetime, lead: int
) -> None:
    after = start + timedelta(minutes=lead)
    expression = "rate(1 minute)" if every == 1 else f"rate({every} minutes)"
    times = list(islice(fire_times(expression, "Europe/Berlin", after=after, start=start), 3))
    assert all(moment > after and moment >= start for moment in times)
    assert all((moment - start) % timedelta(minutes=every) == timedelta(0) for moment in times)
    assert times[0] - timedelta(minutes=every) <= max(after, start - timedelta(microseconds=1))
