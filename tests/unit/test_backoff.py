from __future__ import annotations

from dispatch.delivery.backoff import backoff


def test_backoff_grows_with_attempts_and_stays_under_the_cap() -> None:
    samples = [[backoff(attempt, base=0.1, cap=2.0) for _ in range(200)] for attempt in range(1, 8)]
    assert all(0 <= value <= 2.0 for row in samples for value in row)
    assert max(samples[0]) <= 0.2
    assert max(samples[-1]) > 1.0
