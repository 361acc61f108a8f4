"""Wall-clock access behind one function, so tests (and the local stack) can move time.

In Lambda the clock is real time. A host that runs the functions itself can give an invocation
another clock with :func:`scoped`, as it gives its settings (:func:`dispatch.config.scoped`): the
local stack runs every invocation on its local clock (real time plus an offset that
``dispatch clock advance`` moves forward), so the whole product — offers' expiry, "Upcoming"'s next
fires, schedules' start times, retrieval's idle days, the sweep — moves together. Nothing
process-wide changes: only the invocation's context (and the threads it copies it to) sees it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_SCOPED: ContextVar[Callable[[], datetime] | None] = ContextVar("dispatch_clock", default=None)


def utcnow() -> datetime:
    """Now, aware and in UTC: the invocation's clock (:func:`scoped`), else real time."""
    clock = _SCOPED.get()
    return datetime.now(UTC) if clock is None else clock().astimezone(UTC)


@contextmanager
def scoped(clock: Callable[[], datetime]) -> Iterator[None]:
    """Run the enclosed code (in this thread or task) with ``clock`` as its "now"."""
    token = _SCOPED.set(clock)
    try:
        yield
    finally:
        _SCOPED.reset(token)


def isoformat(moment: datetime) -> str:
    """ISO-8601 in UTC with millisecond precision and a ``Z`` suffix; sorts as text."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    """An ISO-8601 time as written by :func:`isoformat` (or AWS: ``Z`` or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def now_iso() -> str:
    return isoformat(utcnow())
