from __future__ import annotations

import pytest

from dispatch.delivery.pacing import Pacer, backoff


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_pacer_spaces_sends_at_the_rate() -> None:
    clock = FakeClock()
    pacer = Pacer(rate_per_second=10, clock=clock)
    stamps = []
    for _ in range(21):
        pacer.wait(clock.sleep)
        stamps.append(clock.now)
    assert stamps[-1] - stamps[0] == pytest.approx(2.0)
    in_first_second = [s for s in stamps if s < stamps[0] + 1.0 - 1e-6]  # half-open window, float-safe
    assert len(in_first_second) == 10


def test_backoff_grows_with_attempts_and_stays_under_the_cap() -> None:
    samples = [[backoff(attempt, base=0.1, cap=2.0) for _ in range(200)] for attempt in range(1, 8)]
    assert all(0 <= value <= 2.0 for row in samples for value in row)
    assert max(samples[0]) <= 0.2
    assert max(samples[-1]) > 1.0


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)
