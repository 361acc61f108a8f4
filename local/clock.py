"""The local stack's clock: real time plus an offset that only moves forward.

A test (or ``dispatch clock advance 7d``) moves it forward and the whole local product follows:
every handler reads it as its now (the runtime gives each invocation this clock through
``dispatch.clock.scoped``), the local scheduler fires what falls due by it, SQS message delays
(ring_all timeouts) count on it (:mod:`local.moto_clock`) and the SES simulator stamps its events
with it. So a weekly schedule fires three times in seconds, an offer sent after a jump lapses on
time, and retrieval finds cards idle for the days jumped. What stays on real time: moto's own
timestamps (S3's ``LastModified``, a schedule's ``LastModificationDate`` — mapped through
:meth:`LocalClock.local` where they are compared with this clock), SQS visibility timeouts, Step
Functions' waits (the approval timeout), pre-signed URLs and development tokens.
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
