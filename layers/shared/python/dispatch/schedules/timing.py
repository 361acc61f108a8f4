"""From what a person asks for (``When``) to an EventBridge Scheduler expression, and back to the
fire times it produces (for validation and the preview).

- once → ``at(<wall-clock time>)`` in the timezone;
- hourly → ``rate(1 hour)`` from the start instant (absolute hours: DST does not move it);
- daily / weekly / monthly → ``cron(...)`` at the start's wall-clock minute, so 06:00 stays 06:00
  across daylight-saving changes; monthly on day 1-28 or the last day (a day 29-31 is not in every
  month: EventBridge would skip those months silently, so it is refused instead);
- cron → the caller's six EventBridge fields.
The expression's fire times come from :mod:`dispatch.schedules.expressions`, which evaluates them as
EventBridge does (a wall-clock time that does not exist on a spring-forward day is skipped; one that
occurs twice fires once).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatch.clock import isoformat, parse_iso
from dispatch.errors import InvalidRequest
from dispatch.schedules.expressions import InvalidExpression, fire_times, validate
from dispatch.schedules.models import WEEKDAYS, Frequency, Timing, When

HORIZON = timedelta(days=5 * 366)  # a recurring schedule must fire within this


def resolve(when: When, default_timezone: str, now: datetime) -> Timing:
    """The timing of ``when``; InvalidRequest (400) naming what is wrong."""
    zone_name = when.timezone or default_timezone
    zone = _zone(zone_name)
    if when.mode == "immediate":
        return Timing(mode="immediate", timezone=zone_name, description="runs immediately")
    if not when.start_at:
        raise InvalidRequest("a scheduled run needs start_at (a date and time, e.g. 2026-12-07T06:00)")
    local = _local(when.start_at)
    start = local.replace(tzinfo=zone)
    if not _exists(local, zone):
        raise InvalidRequest(f"{when.start_at} does not exist in {zone_name} (the clocks skip it)")
    if start <= now:
        raise InvalidRequest("start_at is in the past", {"start_at": when.start_at, "timezone": zone_name})
    if when.mode == "once":
        expression = f"at({local:%Y-%m-%dT%H:%M:%S})"
        description = f"once at {local:%Y-%m-%d %H:%M} {zone_name}"
    else:
        expression, description = _recurring(when, local)
        description += f" from {local:%Y-%m-%d %H:%M} {zone_name}"
    timing = Timing(
        mode=when.mode,
        expression=expression,
        timezone=zone_name,
        start=isoformat(start),
        description=description,
    )
    if not upcoming(timing, now, 1):
        raise InvalidRequest(f"{expression} never fires within five years", {"expression": expression})
    return timing


def upcoming(timing: Timing, now: datetime, count: int) -> list[datetime]:
    """The next ``count`` fire times after ``now`` (UTC), within the horizon."""
    if timing.expression is None or timing.start is None:
        return []
    start = parse_iso(timing.start)
    times = fire_times(timing.expression, timing.timezone, after=now, start=start, end=now + HORIZON)
    return list(islice(times, count))


def _recurring(when: When, local: datetime) -> tuple[str, str]:
    minute, hour = local.minute, local.hour
    match when.frequency:
        case Frequency.hourly:
            return "rate(1 hour)", f"every hour at :{minute:02d}"
        case Frequency.daily:
            return f"cron({minute} {hour} * * ? *)", f"daily at {hour:02d}:{minute:02d}"
        case Frequency.weekly:
            days: list[str] = list(when.weekdays) if when.weekdays else [WEEKDAYS[local.weekday()]]
            ordered = sorted(set(days), key=WEEKDAYS.index)
            listing = ",".join(ordered)
            return f"cron({minute} {hour} ? * {listing} *)", f"weekly on {listing} at {hour:02d}:{minute:02d}"
        case Frequency.monthly:
            day = when.day_of_month if when.day_of_month is not None else local.day
            if day != "last" and not 1 <= day <= 28:
                raise InvalidRequest(
                    "a monthly schedule runs on day 1-28 or the last day (day 29-31 is not in every month)",
                    {"day_of_month": day},
                )
            field = "L" if day == "last" else str(day)
            return f"cron({minute} {hour} {field} * ? *)", f"monthly on day {day} at {hour:02d}:{minute:02d}"
        case Frequency.cron:
            if not when.cron:
                raise InvalidRequest("a cron schedule needs cron (six fields, e.g. '0 6 ? * MON-FRI *')")
            expression = f"cron({when.cron})"
            try:
                validate(expression)
            except InvalidExpression as exc:
                raise InvalidRequest(f"invalid cron expression: {exc}", {"cron": when.cron}) from exc
            return expression, f"cron {when.cron}"
        case None:
            raise InvalidRequest(
                "a recurring schedule needs a frequency (hourly, daily, weekly, monthly, cron)"
            )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidRequest(f"unknown timezone {name!r} (use an IANA name such as Europe/Paris)") from exc


def _local(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidRequest(f"start_at {text!r} is not a date and time like 2026-12-07T06:00") from exc
    if moment.tzinfo is not None:
        raise InvalidRequest("start_at is a wall-clock time without an offset; give the timezone separately")
    return moment.replace(second=0, microsecond=0)


def _exists(local: datetime, zone: ZoneInfo) -> bool:
    """A wall-clock time exists when it survives a round trip through UTC."""
    aware = local.replace(tzinfo=zone)
    back = aware.astimezone(ZoneInfo("UTC")).astimezone(zone)
    return back.replace(tzinfo=None) == local
