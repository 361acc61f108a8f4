"""Back-off between retries of a throttled or failing provider call."""

from __future__ import annotations

import random


def backoff(attempt: int, base: float = 0.2, cap: float = 5.0) -> float:
    """Exponential back-off with full jitter (the schedule AWS recommends for throttled clients):
    seconds to wait before retry ``attempt`` (1-based), uniform in [0, min(cap, base·2^attempt)]."""
    return random.uniform(0, min(cap, base * 2**attempt))  # noqa: S311 - jitter, not security
