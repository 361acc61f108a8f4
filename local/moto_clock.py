"""Where moto keeps time that the application depends on, it follows the local clock.

SQS message delays: a ring_all round's timeout is a message delayed by the round's timeout
(30-900 s, :mod:`dispatch.assignment.engine`). moto releases a delayed message by real time, so
after ``dispatch clock advance`` an offer would have lapsed by the local clock while its timeout
still waited real minutes. Here a delay is counted on the local clock, so a jump releases every
delayed message that is due by then (and, with the clock still, a delay is as long as in AWS).
Visibility timeouts stay on real time: they hide a message while a consumer handles it, and a
jump must not hand it to a second one.

The patch is process-wide, like moto's backends: the clock it follows is the last one given (one
local stack per process).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

_clock: list[Callable[[], datetime]] = []  # the clock delays follow, once installed


def sqs_delays_follow(clock: Callable[[], datetime]) -> None:
    """Count SQS message delays on ``clock`` from now on (idempotent; a later call replaces it)."""
    from moto.sqs.models import Message

    first = not _clock
    _clock[:] = [clock]
    if not first:
        return

    def millis() -> float:
        return _clock[0]().timestamp() * 1000

    def delay(self: Any, delay_seconds: int) -> None:
        self.delayed_until = millis() + int(delay_seconds) * 1000

    def delayed(self: Any) -> bool:
        return bool(millis() < self.delayed_until)

    setattr(Message, "delay", delay)  # noqa: B010 - a patch
    setattr(Message, "delayed", property(delayed))  # noqa: B010
