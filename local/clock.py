"""The local stack's clock: real time plus an offset that only moves forward.

Only the local scheduler reads it: a test (or ``dispatch clock advance 7d``) moves it forward and the
schedules due by then fire at once, so a weekly schedule fires three times in seconds. Everything
else keeps real time: the application's code (handlers and the ``dispatch`` package read
``dispatch.clock``), moto's timestamps, SQS visibility timeouts. A schedule created or updated by
the application is anchored at that real moment mapped through the offset in effect then
(:meth:`LocalClock.local`), so a test may advance the clock before or after creating it.
"""

from __future__ import annotations

import re
import threading
from bisect import bisect_right
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_DURATION_PART = re.compile(r"(\d+)([wdhms])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}


def _real_now() -> datetime:
    return datetime.now(UTC)


class LocalClock:
    def __init__(self, real: Callable[[], datetime] = _real_now) -> None:
        self._real = real
        self._lock = threading.Lock()
        # From each real instant on, the offset then in effect; ascending, offsets never decreasing.
        self._since: list[datetime] = []
        self._offsets: list[timedelta] = []

    @property
    def offset(self) -> timedelta:
        """How far ahead of real time the clock is."""
        with self._lock:
            return self._offsets[-1] if self._offsets else timedelta(0)

    def now(self) -> datetime:
        """The local "now": aware, UTC."""
        return self.local(self._real())

    def local(self, real: datetime) -> datetime:
        """A real instant (a moto timestamp, say) on this clock: shifted by the offset in effect then."""
        with self._lock:
            index = bisect_right(self._since, real)
            offset = self._offsets[index - 1] if index else timedelta(0)
        return (real + offset).astimezone(UTC)

    def advance(self, delta: timedelta) -> datetime:
        """Moves the clock forward by ``delta``; the new local now."""
        if delta < timedelta(0):
            raise ValueError("the local clock never goes backwards")
        with self._lock:
            real = self._real()
            self._since.append(real)
            self._offsets.append((self._offsets[-1] if self._offsets else timedelta(0)) + delta)
        return self.local(real)

    def set(self, moment: datetime) -> datetime:
        """Moves the clock forward to ``moment`` (aware); ValueError if that is in its past."""
        return self.advance(moment - self.now())


def parse_duration(text: str) -> timedelta:
    """``7d``, ``1d12h``, ``90m``, ``2w``, ``30s``: what ``dispatch clock advance`` takes."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise ValueError(f"{text!r} is not a duration such as 7d, 1d12h, 90m or 30s")
    return sum((timedelta(**{_UNITS[unit]: int(number)}) for number, unit in parts), timedelta(0))
