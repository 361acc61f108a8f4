"""One send rate per channel that all concurrent senders share, kept in DynamoDB.

The limiter is GCRA ("virtual scheduling"): one item per channel holds the theoretical arrival time
(TAT) of the next free send slot. A sender reserves ``n`` consecutive slots with one conditional
write (compare-and-set on the TAT), then sends each message no earlier than its slot and no later
than ``tolerance`` after it; a slot it is too late for is dropped, never used late.

Why that bounds every one-second window, wherever it starts: slots are ``spacing = (1 + tolerance) /
rate`` apart across all senders, a send happens in ``[slot, slot + tolerance]``, so the sends in a
window ``[x, x + 1)`` belong to slots in ``(x - tolerance, x + 1)``, an interval of ``1 + tolerance``
seconds that holds at most ``rate`` slots. Utilisation is ``1 / (1 + tolerance)`` of the rate when
senders keep up (95 % with the default 50 ms).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dispatch.dynamo import applied

DEFAULT_TOLERANCE = 0.05


class RateState:
    """The TAT item of one channel: ``pk=RATE#<channel>``, ``sk=TAT`` in the main table."""

    def __init__(self, table: Any, channel: str) -> None:
        self._table = table
        self._key = {"pk": f"RATE#{channel}", "sk": "TAT"}

    def read(self) -> float | None:
        item = self._table.get_item(Key=self._key, ConsistentRead=True).get("Item")
        return float(item["tat"]) if item else None

    def swap(self, expected: float | None, new: float) -> bool:
        """Set the TAT to ``new`` if it is still ``expected``; False when another sender won."""
        condition = "attribute_not_exists(tat)" if expected is None else "tat = :expected"
        values: dict[str, Any] = {":new": Decimal(repr(new))}
        if expected is not None:
            values[":expected"] = Decimal(repr(expected))
        return applied(
            lambda: self._table.update_item(
                Key=self._key,
                UpdateExpression="SET tat = :new",
                ConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
        )


@dataclass
class RateLimiter:
    state: RateState
    rate_per_second: float
    tolerance: float = DEFAULT_TOLERANCE
    clock: Callable[[], float] = time.time

    @property
    def spacing(self) -> float:
        return (1.0 + self.tolerance) / self.rate_per_second

    def reserve(self, count: int) -> list[float]:
        """``count`` slot times (epoch seconds), the first no earlier than now."""
        while True:
            previous = self.state.read()
            start = max(self.clock(), previous or 0.0)
            end = start + count * self.spacing
            if self.state.swap(previous, end):
                return [start + index * self.spacing for index in range(count)]


@dataclass
class SlotQueue:
    """A sender's reserved slots for one channel, refilled a block at a time."""

    limiter: RateLimiter
    block: int
    _slots: deque[float] = field(default_factory=deque)

    def next_slot(self, wanted: int) -> float:
        """The next slot this sender may still use (slots it is already too late for are dropped).

        A new block is no larger than the ``wanted`` sends the sender has left, so a sender near the
        end of its work does not hold slots it will leave unused.
        """
        now = self.limiter.clock()
        while self._slots and self._slots[0] + self.limiter.tolerance < now:
            self._slots.popleft()
        if not self._slots:
            self._slots.extend(self.limiter.reserve(max(1, min(self.block, wanted))))
        return self._slots.popleft()

    def on_time(self, slot: float) -> bool:
        return self.limiter.clock() <= slot + self.limiter.tolerance

    def take(self, wanted: int, sleep: Callable[[float], None] = time.sleep) -> float:
        """Wait for the next usable slot and return it (a slot missed while waiting is dropped)."""
        while True:
            slot = self.next_slot(wanted)
            delay = slot - self.limiter.clock()
            if delay > 0:
                sleep(delay)
            if self.on_time(slot):
                return slot
