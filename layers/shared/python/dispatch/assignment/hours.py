"""An organisation's business hours: whether cards may be handed to agents now, and when the
Unassigned queue should be drained next (PRODUCT §7).

Hours are wall-clock intervals per weekday in the organisation's IANA timezone, because that is how
people state them: "09:00-17:00" stays 09:00-17:00 local across daylight-saving changes, and its
UTC times move instead. Each interval of each local date becomes one unbroken span of instants:

- it opens the first time the local clock reaches its start and closes the last time the clock
  shows its end; an end of "24:00" closes at the first instant of the next local day. The start is
  inclusive and the end exclusive, so touching intervals leave no gap.
- a start or end the clock skips (spring forward) is read as the instant the clock jumps over it:
  02:30-05:00 on a day whose clocks go from 02:00 to 03:00 opens at 03:00; an interval wholly
  inside the skipped time does not open that day.
- in the repeated time (fall back) a span is as long as it can be: 01:00-02:00 covers both passes
  of 01:xx (two hours), and 00:00-01:30 closes at the second 01:30. An interval therefore never
  closes and reopens part-way, which a queue drained "when hours open" could not cope with.
- a holiday removes every interval of that local date, so the whole local day is closed.

Spans that touch or overlap form one open period: MON 18:00-24:00 with TUE 00:00-06:00 closes at
TUE 06:00. The module is pure: it never reads the clock; callers pass the moment they mean.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ConfigDict, Field, field_validator, model_validator

from dispatch.models import Model
from dispatch.views import View

Weekday = Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]
WEEKDAYS: tuple[Weekday, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")  # date.weekday() order

# A weekly schedule with any interval opens within a week; a year and a month more lets a full
# year of holidays pass, and bounds the work for schedules that never open (or never close).
HORIZON_DAYS = 400

_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2})")
_DAY = 24 * 60


def _minutes(text: str) -> int:
    """Minutes after local midnight of an "HH:MM" time; "24:00" is the next midnight."""
    match = _CLOCK.fullmatch(text)
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if (hours < 24 and minutes < 60) or (hours, minutes) == (24, 0):
            return hours * 60 + minutes
    raise ValueError(f'"{text}" is not a time of day: use HH:MM, from 00:00 to 24:00')


class Interval(Model):
    """One open interval of a weekday, in local wall-clock time: ``start`` inclusive, ``end``
    exclusive. It cannot cross midnight: an overnight shift is two intervals on consecutive days,
    which next_close joins into one open period."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        _minutes(value)
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.start_minute >= self.end_minute:
            raise ValueError(
                f"interval {self} must end after it starts; split an overnight interval at midnight "
                "(22:00-24:00, then 00:00-06:00 on the next day)"
            )
        return self

    @property
    def start_minute(self) -> int:
        return _minutes(self.start)

    @property
    def end_minute(self) -> int:
        return _minutes(self.end)

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"


class BusinessHours(View):
    """When an organisation's cards may be distributed: weekly intervals in ``timezone`` (a day left
    out is closed all day) minus whole local ``holidays``. See the module docstring for how the
    intervals meet daylight-saving changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = "UTC"
    weekly: dict[Weekday, list[Interval]]
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f'unknown timezone "{value}": use an IANA name such as Europe/Paris') from exc
        return value

    @field_validator("weekly")
    @classmethod
    def _no_overlaps(cls, weekly: dict[Weekday, list[Interval]]) -> dict[Weekday, list[Interval]]:
        """Sorts each day's intervals (the searches below rely on it) and refuses overlaps, which are
        almost always a typing mistake; touching intervals are fine."""
        ordered: dict[Weekday, list[Interval]] = {}
        for day, intervals in weekly.items():
            ordered[day] = sorted(intervals, key=lambda interval: interval.start_minute)
            for earlier, later in pairwise(ordered[day]):
                if later.start_minute < earlier.end_minute:
                    raise ValueError(f"{day}: interval {earlier} overlaps {later}")
        return ordered

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, moment: datetime) -> bool:
        """Whether ``moment`` (timezone-aware, any zone) falls inside business hours."""
        _require_aware(moment)
        day = moment.astimezone(self.zone).date()
        return any(start <= moment < end for start, end in self._spans(day))

    def next_open(self, moment: datetime) -> datetime | None:
        """The first open instant at or after ``moment`` (``moment`` itself when open), in UTC: when
        to drain the Unassigned queue. None when nothing opens within HORIZON_DAYS, i.e. the
        schedule has no intervals (or holidays cover them all)."""
        _require_aware(moment)
        for start, end in self._spans_from(moment.astimezone(self.zone).date()):
            if end > moment:
                return max(start, moment).astimezone(UTC)
        return None

    def next_close(self, moment: datetime) -> datetime | None:
        """The end of the open period containing ``moment``, in UTC, joining spans that touch across
        midnight. None when closed at ``moment``, and also when the period outlasts HORIZON_DAYS
        (always open): there is no close to plan for either way."""
        _require_aware(moment)
        close: datetime | None = None
        for start, end in self._spans_from(moment.astimezone(self.zone).date()):
            if close is None:
                if start > moment:
                    return None
                if moment < end:
                    close = end
            elif start <= close:
                close = max(close, end)
            else:
                return close.astimezone(UTC)
        return None

    def _spans_from(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        """The open spans of ``day`` and the following days up to the horizon, in order."""
        for offset in range(HORIZON_DAYS):
            yield from self._spans(day + timedelta(days=offset))

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open spans of one local date as UTC instants, in order; each lies within that local
        date, so an instant's own local date is the only one that can contain it."""
        if day in self.holidays:
            return []
        zone = self.zone
        midnight = datetime.combine(day, time())
        spans: list[tuple[datetime, datetime]] = []
        for interval in self.weekly.get(WEEKDAYS[day.weekday()], []):
            start = _first_reaching(midnight + timedelta(minutes=interval.start_minute), zone)
            end_wall = midnight + timedelta(minutes=interval.end_minute)
            # "24:00" is the next day's first instant, so a holiday tomorrow is closed from its start.
            last_pass = interval.end_minute < _DAY
            end = _last_showing(end_wall, zone) if last_pass else _first_reaching(end_wall, zone)
            if start < end:  # an interval inside a skipped hour is empty
                spans.append((start, end))
        return spans


class HoursStatus(View):
    """Whether the hours are open at ``at`` and, from there, when they next open and close (UTC;
    None: nothing to plan for — see :meth:`BusinessHours.next_open` and ``next_close``)."""

    at: datetime
    open: bool
    next_open: datetime | None
    next_close: datetime | None


def hours_status(hours: BusinessHours, moment: datetime) -> HoursStatus:
    """The "open now?" answer for ``hours`` at ``moment`` (aware)."""
    return HoursStatus(
        at=moment.astimezone(UTC),
        open=hours.is_open(moment),
        next_open=hours.next_open(moment),
        next_close=hours.next_close(moment),
    )


def _require_aware(moment: datetime) -> None:
    if moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no timezone: business hours need an aware datetime")


def _shows(instant: datetime, wall: datetime, zone: ZoneInfo) -> bool:
    return instant.astimezone(zone).replace(tzinfo=None) == wall


def _first_reaching(wall: datetime, zone: ZoneInfo) -> datetime:
    """The first instant at which the local clock shows ``wall`` or later: its first pass when the
    clock repeats it, the end of the jump when the clock skips it."""
    after_jump = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)  # a skipped time read with the old offset
    if _shows(after_jump, wall, zone):
        return after_jump
    # Skipped: the jump happened between the two readings of ``wall``. Offsets change on whole
    # seconds, so bisect on seconds, keeping ``low`` before ``wall`` and ``high`` at or past it.
    low = int(wall.replace(tzinfo=zone, fold=1).astimezone(UTC).timestamp())
    high = int(after_jump.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _last_showing(wall: datetime, zone: ZoneInfo) -> datetime:
    """The last instant at which the local clock shows ``wall`` (its second pass when the clock
    repeats it); when the clock skips it, the end of the jump."""
    second_pass = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    return second_pass if _shows(second_pass, wall, zone) else _first_reaching(wall, zone)


ALWAYS_OPEN = BusinessHours(weekly={day: [Interval(start="00:00", end="24:00")] for day in WEEKDAYS})
"""The hours of an organisation that set none: cards are distributed whenever they arrive."""
