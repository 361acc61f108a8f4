"""Pacing and back-off for one sender.

``Pacer`` spaces sends so one sender stays under its share of the channel's rate. ``backoff``
is exponential with full jitter, the schedule AWS recommends for throttled clients.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable


class Pacer:
    def __init__(self, rate_per_second: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate_per_second
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self, sleep: Callable[[float], None] = time.sleep) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self._interval
        if start > now:
            sleep(start - now)


def backoff(attempt: int, base: float = 0.2, cap: float = 5.0) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): uniform in [0, min(cap, base·2^attempt)]."""
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311 - jitter, not security
