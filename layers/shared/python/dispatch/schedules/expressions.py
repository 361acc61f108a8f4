"""EventBridge Scheduler's schedule expressions, evaluated as EventBridge Scheduler evaluates them.

This module is the one answer to "when does this schedule fire": the API validates and previews
with it, and the local stack's scheduler fires with it, so what a person is shown is what runs.

- ``at(yyyy-mm-ddThh:mm:ss)``: once, at that wall-clock time in the schedule's timezone. As in
  EventBridge, a schedule's start and end dates do not apply to it.
- ``rate(value unit)``: at ``start``, then every ``value`` minutes, hours or days of absolute time
  (a day is 24 hours whatever the clocks do). EventBridge starts a rate schedule without a start
  date when it is created; callers pass that moment as ``start``.
- ``cron(minutes hours day-of-month month day-of-week year)``: EventBridge's six fields with their
  documented wildcards (``, - * / ? L W #``), matched against the wall clock of the timezone.

Daylight saving follows EventBridge Scheduler's documented rule: a wall-clock time that does not
exist (the clocks spring forward over it) never fires, and one that occurs twice (the clocks fall
back) fires once, at its first occurrence. So a daily 06:00 stays 06:00 local all year.

Where EventBridge documents a limit it is kept rather than widened: ``/`` is not accepted in the
day-of-week field, ``#`` stands alone in it, the one-word wildcards (``L``, ``nW``, ``nL``,
``n#k``) are not combined with others, a rate of 1 takes the singular unit, and ``L-n``/``LW``
(not in EventBridge's documentation) and reversed ranges such as ``FRI-MON`` are refused. An
expression accepted here is therefore one EventBridge accepts, with the meaning shown here.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import product
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

FIRST_YEAR, LAST_YEAR = 1970, 2199  # the year field's range; no schedule fires after LAST_YEAR
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
WEEKDAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # cron's 1-7
_AT = re.compile(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)")
_RATE = re.compile(r"rate\((\S+) (\S+)\)")
_CRON = re.compile(r"cron\((.*)\)")
_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


class InvalidExpression(ValueError):
    """An expression or timezone EventBridge Scheduler would refuse; the message is shown to API
    users, so it names the part that is wrong and what would be right."""


@dataclass(frozen=True)
class At:
    """A one-time schedule: a wall-clock time, without timezone."""

    moment: datetime


@dataclass(frozen=True)
class Rate:
    every: timedelta


class Days(Protocol):
    """A day-of-month or day-of-week field: which days of a month it selects."""

    def days(self, year: int, month: int) -> Sequence[int]:
        """The matching days of the month, ascending."""
        ...


@dataclass(frozen=True)
class Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: Days  # the one of day-of-month and day-of-week that is not ``?``
    months: tuple[int, ...]
    years: tuple[int, ...]


Expression = At | Rate | Cron


@dataclass(frozen=True)
class MonthDays:
    """Day-of-month values (1-31): a month shorter than a value does not fire on it."""

    values: frozenset[int]

    def days(self, year: int, month: int) -> Sequence[int]:
        length = _length(year, month)
        return sorted(day for day in self.values if day <= length)


@dataclass(frozen=True)
class LastDayOfMonth:
    """``L`` in day-of-month."""

    def days(self, year: int, month: int) -> Sequence[int]:
        return [_length(year, month)]


@dataclass(frozen=True)
class NearestWeekday:
    """``nW``: the weekday (Monday-Friday) nearest to day n, never leaving the month, so ``1W`` on a
    Saturday is Monday the 3rd and ``31W`` on a Sunday is Friday the 29th. A month without day n
    does not fire (as a plain ``n`` does not)."""

    day: int

    def days(self, year: int, month: int) -> Sequence[int]:
        length = _length(year, month)
        if self.day > length:
            return []
        weekday = date(year, month, self.day).weekday()  # Monday 0 … Sunday 6
        if weekday == 5:  # Saturday: Friday before, or Monday after when Friday is last month
            return [self.day - 1 if self.day > 1 else self.day + 2]
        if weekday == 6:  # Sunday: Monday after, or Friday before when Monday is next month
            return [self.day + 1 if self.day < length else self.day - 2]
        return [self.day]


@dataclass(frozen=True)
class WeekDays:
    """Day-of-week values (1 = Sunday … 7 = Saturday)."""

    values: frozenset[int]

    def days(self, year: int, month: int) -> Sequence[int]:
        return [
            day for day in range(1, _length(year, month) + 1) if _weekday(year, month, day) in self.values
        ]


@dataclass(frozen=True)
class LastWeekDay:
    """``nL``: the last day-of-week n of the month (``6L``: its last Friday)."""

    weekday: int

    def days(self, year: int, month: int) -> Sequence[int]:
        last = _length(year, month)
        return [last - (_weekday(year, month, last) - self.weekday) % 7]


@dataclass(frozen=True)
class NthWeekDay:
    """``n#k``: the k-th day-of-week n of the month (``2#1``: its first Monday); a month without a
    fifth one does not fire on ``n#5``."""

    weekday: int
    nth: int

    def days(self, year: int, month: int) -> Sequence[int]:
        first = 1 + (self.weekday - _weekday(year, month, 1)) % 7
        day = first + 7 * (self.nth - 1)
        return [day] if day <= _length(year, month) else []


@dataclass(frozen=True)
class _Field:
    name: str
    low: int
    high: int
    allowed: str  # how the message says what is accepted
    names: tuple[str, ...] = ()  # names of low, low + 1, …
    steps: bool = True  # whether ``/`` is accepted

    def error(self, token: str, why: str | None = None) -> InvalidExpression:
        return InvalidExpression(f'cron: {self.name} "{token}" {why or "is not " + self.allowed}')


_MINUTES = _Field("minutes", 0, 59, "0-59")
_HOURS = _Field("hours", 0, 23, "0-23")
_DAY_OF_MONTH = _Field("day-of-month", 1, 31, "1-31, L, nW or ?")
_MONTH = _Field("month", 1, 12, "JAN-DEC or 1-12", MONTHS)
_DAY_OF_WEEK = _Field("day-of-week", 1, 7, "SUN-SAT or 1-7", WEEKDAYS, steps=False)
_YEAR = _Field("year", FIRST_YEAR, LAST_YEAR, f"{FIRST_YEAR}-{LAST_YEAR}")


def parse(expression: str) -> Expression:
    """The expression's meaning; InvalidExpression says what is wrong with it."""
    if match := _AT.fullmatch(expression):
        return _at(match.group(1))
    if match := _RATE.fullmatch(expression):
        return _rate(match.group(1), match.group(2))
    if match := _CRON.fullmatch(expression):
        return _cron(match.group(1))
    raise InvalidExpression(
        f'"{expression}" is not at(yyyy-mm-ddThh:mm:ss), rate(value unit) or cron(six fields)'
    )


def zone(timezone: str) -> ZoneInfo:
    """The IANA timezone of that name; InvalidExpression when there is none."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidExpression(f'unknown timezone "{timezone}" (an IANA name such as Europe/Paris)') from exc


def validate(expression: str, timezone: str | None = None) -> None:
    """Raises InvalidExpression when EventBridge Scheduler would refuse the expression (or the
    timezone, when one is given)."""
    parse(expression)
    if timezone is not None:
        zone(timezone)


def fire_times(
    expression: str,
    timezone: str,
    *,
    after: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Iterator[datetime]:
    """The fire times (aware, UTC, ascending) strictly after ``after``, not before ``start`` and not
    after ``end`` (both ignored for ``at()``, as EventBridge ignores them for one-time schedules).

    Lazy: a recurring schedule may fire until 2199. A cron that cannot fire again ends the
    iterator once its year, month and day fields are exhausted (at most year 2199), after a walk of
    whole months and days, never of minutes. The expression and timezone are checked now, not on
    the first ``next``; a rate without ``start`` is a programming error (ValueError)."""
    parsed = parse(expression)
    tz = zone(timezone)
    for name, moment in (("after", after), ("start", start), ("end", end)):
        if moment is not None and moment.tzinfo is None:
            raise ValueError(f"{name} must be an aware datetime")
    if isinstance(parsed, At):
        return _at_times(parsed, tz, after)
    if isinstance(parsed, Rate):
        if start is None:
            raise ValueError("a rate expression fires from its start: pass start")
        return _rate_times(parsed, after, start, end)
    return _cron_times(parsed, tz, after, start, end)


def next_fire(
    expression: str,
    timezone: str,
    *,
    after: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
) -> datetime | None:
    """The first of :func:`fire_times`, or None when the schedule never fires again."""
    return next(fire_times(expression, timezone, after=after, start=start, end=end), None)


def to_utc(wall: datetime, tz: ZoneInfo) -> datetime | None:
    """The instant (UTC) a naive wall-clock time names in ``tz`` as EventBridge fires it: None when
    the clocks skip it, the first occurrence when they pass it twice."""
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return instant if instant.astimezone(tz).replace(tzinfo=None) == wall else None


def _at_times(parsed: At, tz: ZoneInfo, after: datetime) -> Iterator[datetime]:
    instant = to_utc(parsed.moment, tz)
    if instant is not None and instant > after:
        yield instant


def _rate_times(parsed: Rate, after: datetime, start: datetime, end: datetime | None) -> Iterator[datetime]:
    start = start.astimezone(UTC)
    count = 0 if after < start else (after - start) // parsed.every + 1
    horizon = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
    limit = min(end, horizon) if end is not None else horizon
    while (moment := start + count * parsed.every) <= limit and moment < horizon:
        yield moment
        count += 1


def _cron_times(
    parsed: Cron, tz: ZoneInfo, after: datetime, start: datetime | None, end: datetime | None
) -> Iterator[datetime]:
    lower = max(after, start) if start is not None else after
    # The day before ``lower``'s local date: a zone whose clocks fall back over midnight can map a
    # wall-clock time of the previous date after it. Earlier candidates are filtered below.
    first = lower.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1) if end is not None else date(LAST_YEAR, 12, 31)
    times = list(product(parsed.hours, parsed.minutes))
    for year in parsed.years:
        if year < first.year:
            continue
        for month in parsed.months:
            if (year, month) < (first.year, first.month):
                continue
            for day in parsed.days.days(year, month):
                today = date(year, month, day)
                if today < first:
                    continue
                if today > last:
                    return
                for hour, minute in times:
                    instant = to_utc(datetime(year, month, day, hour, minute), tz)
                    if instant is None or instant <= after or (start is not None and instant < start):
                        continue
                    if end is not None and instant > end:
                        return
                    yield instant


def _at(text: str) -> At:
    try:
        return At(datetime.strptime(text, "%Y-%m-%dT%H:%M:%S"))
    except ValueError as exc:
        raise InvalidExpression(f'at: "{text}" is not a date and time yyyy-mm-ddThh:mm:ss') from exc


def _rate(value: str, unit: str) -> Rate:
    count = _number(value)
    if count is None or count < 1:
        raise InvalidExpression(f'rate: value "{value}" is not a positive whole number')
    singular = unit.removesuffix("s")
    if singular not in _UNITS:
        raise InvalidExpression(f'rate: unit "{unit}" is not minute(s), hour(s) or day(s)')
    expected = singular if count == 1 else singular + "s"
    if unit != expected:
        raise InvalidExpression(f'rate: "{count} {unit}" should be "{count} {expected}"')
    return Rate(count * _UNITS[singular])


def _cron(body: str) -> Cron:
    fields = body.split()
    if len(fields) != 6:
        raise InvalidExpression(
            f"cron: expected 6 fields (minutes hours day-of-month month day-of-week year), got {len(fields)}"
        )
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        both = day_of_month == "?"
        raise InvalidExpression(
            "cron: day-of-month and day-of-week cannot both be ?"
            if both
            else "cron: one of day-of-month and day-of-week must be ? (the other may be *)"
        )
    days = _day_of_week(day_of_week) if day_of_month == "?" else _day_of_month(day_of_month)
    return Cron(
        minutes=_sorted(minutes, _MINUTES),
        hours=_sorted(hours, _HOURS),
        days=days,
        months=_sorted(month, _MONTH),
        years=_sorted(year, _YEAR),
    )


def _day_of_month(text: str) -> Days:
    upper = text.upper()
    if upper == "L":
        return LastDayOfMonth()
    if "L" in upper:
        raise _DAY_OF_MONTH.error(text, "is not supported: L stands alone (EventBridge has no L-n or LW)")
    if "W" in upper:
        day = _number(upper.removesuffix("W"))
        if day is None or not 1 <= day <= 31:
            raise _DAY_OF_MONTH.error(text, "is not nW with n 1-31, alone in the field")
        return NearestWeekday(day)
    return MonthDays(frozenset(_values(text, _DAY_OF_MONTH)))


def _day_of_week(text: str) -> Days:
    upper = text.upper()
    if upper == "L":
        return WeekDays(frozenset({7}))  # the last day of the week: Saturday
    if "#" in upper:
        weekday, _, nth = upper.partition("#")
        k = _number(nth)
        if "," in upper or "-" in upper or k is None or not 1 <= k <= 5:
            raise _DAY_OF_WEEK.error(text, "is not n#k with n SUN-SAT or 1-7 and k 1-5, alone in the field")
        return NthWeekDay(_value(weekday, _DAY_OF_WEEK), k)
    if upper.endswith("L"):
        if "," in upper or "-" in upper:
            raise _DAY_OF_WEEK.error(text, "is not nL with n SUN-SAT or 1-7, alone in the field")
        return LastWeekDay(_value(upper[:-1], _DAY_OF_WEEK))
    return WeekDays(frozenset(_values(text, _DAY_OF_WEEK)))


def _sorted(text: str, field: _Field) -> tuple[int, ...]:
    return tuple(sorted(_values(text, field)))


def _values(text: str, field: _Field) -> set[int]:
    """A field of ``*``, values, ranges and steps, joined by commas."""
    found: set[int] = set()
    for item in text.split(","):
        base, slash, step_text = item.partition("/")
        step = 1
        if slash:
            if not field.steps:
                raise field.error(item, f"is not accepted: / is not a {field.name} wildcard")
            increment = _number(step_text)
            if increment is None or increment < 1:
                raise field.error(item, "has no positive whole-number increment after /")
            step = increment
        if base == "*":
            low, high = field.low, field.high
        elif "-" in base:
            first, _, last = base.partition("-")
            low, high = _value(first, field), _value(last, field)
            if low > high:
                raise field.error(item, "is a reversed range (write it as two ranges)")
        else:
            low = _value(base, field)
            high = field.high if slash else low
        found.update(range(low, high + 1, step))
    return found


def _value(token: str, field: _Field) -> int:
    upper = token.upper()
    if upper in field.names:
        return field.low + field.names.index(upper)
    number = _number(token)
    if number is not None and field.low <= number <= field.high:
        return number
    raise field.error(token)


def _number(text: str) -> int | None:
    """A whole number written in ASCII digits (``isdigit`` alone also admits ``²``), at most 9 long."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


def _length(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _weekday(year: int, month: int, day: int) -> int:
    """Cron's day-of-week: 1 = Sunday … 7 = Saturday."""
    return (date(year, month, day).weekday() + 1) % 7 + 1
