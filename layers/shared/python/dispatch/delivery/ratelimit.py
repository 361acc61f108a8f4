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

A slot must also be reachable: between reserving it and starting the call, a sender writes twice
(the reservation, then its claim on the card), and where those writes take longer than the
tolerance — DynamoDB's slow moments, or a loaded machine — a slot reserved to start at once is
past its tolerance before its call, every time: a sender that only ever reserved "now" would spin
reserving and dropping slots and never send. So each sender keeps a *lead*: it reserves slots that
start that far ahead and is handed each one that much early, to do its writes before the slot
comes; the call still waits for the slot itself. The lead starts at zero, grows on a slot missed
to the time the sender's writes took, and shrinks slowly while slots are met; a new block's slots
also start after the time the last reservation took. This changes when sends happen, never how
many: the bound above holds whatever the lead.
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
# Seconds: a card is claimed at most this long before its call (a sender that dies then leaves it
# ``sending``); writes slower than this make a sender miss slots rather than claim earlier.
MAX_LEAD = 5.0
# Each slot met shortens the lead by this share of the tolerance: with writes as slow as they were,
# the next miss comes after about as many sends.
LEAD_DECAY_SHARE = 1 / 20


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

    def reserve(self, count: int, lead: float = 0.0) -> list[float]:
        """``count`` slot times (epoch seconds), the first no earlier than ``lead`` seconds from now."""
        while True:
            previous = self.state.read()
            start = max(self.clock() + lead, previous or 0.0)
            end = start + count * self.spacing
            if self.state.swap(previous, end):
                return [start + index * self.spacing for index in range(count)]


@dataclass(frozen=True)
class Slot:
    """A send slot handed to a sender: its time, and when it was handed over (for the lead)."""

    at: float
    handed_out: float


@dataclass
class SlotQueue:
    """A sender's reserved slots for one channel, refilled a block at a time.

    Used by one sender thread, except :meth:`start`, which its provider calls make on a pool: the
    lead is a float both may update, and a lost update only leaves it a little off.
    """

    limiter: RateLimiter
    block: int
    lead: float = 0.0  # the time the sender's writes take between a slot handed out and its call
    _reserving: float = 0.0  # how long the last reservation took (its slots start after that, too)
    _slots: deque[float] = field(default_factory=deque)

    def next_slot(self, wanted: int) -> float:
        """The next slot this sender may still use: slots it can no longer reach with its lead are
        dropped.

        A new block is no larger than the ``wanted`` sends the sender has left, so a sender near the
        end of its work does not hold slots it will leave unused.
        """
        now = self.limiter.clock()
        while self._slots and not self._reachable(self._slots[0], now):
            self._slots.popleft()
        if not self._slots:
            count = max(1, min(self.block, wanted))
            self._slots.extend(self.limiter.reserve(count, self.lead + self._reserving))
            self._reserving = min(MAX_LEAD, self.limiter.clock() - now)
        return self._slots.popleft()

    def take(self, wanted: int, sleep: Callable[[float], None] = time.sleep) -> Slot:
        """The next slot this sender can reach, handed out ``lead`` before it (sleeping until then):
        the time the sender has to claim its card before :meth:`wait`."""
        while True:
            at = self.next_slot(wanted)
            self._sleep_until(at - self.lead, sleep)
            now = self.limiter.clock()
            if self._reachable(at, now):
                return Slot(at, handed_out=now)

    def wait(self, slot: Slot, sleep: Callable[[float], None] = time.sleep) -> None:
        """Sleep until the slot has come: a call never starts before its slot."""
        self._sleep_until(slot.at, sleep)

    def start(self, slot: Slot) -> bool:
        """Whether a call for ``slot`` may start now: not before it, nor more than the tolerance
        after. A call too late is not made; the lead grows to cover the time the sender took since
        the slot was handed out, so that its next slots leave it that long."""
        now = self.limiter.clock()
        if now < slot.at:  # only a clock that stepped back: the sender waited for the slot
            return False
        if now > slot.at + self.limiter.tolerance:
            # What the sender took since the slot was handed out, and the tolerance as a margin:
            # the lead then shortens for as many sends as that margin lasts before the next miss.
            took = now - slot.handed_out
            self.lead = min(MAX_LEAD, max(self.lead, took + self.limiter.tolerance))
            return False
        self.lead = max(0.0, self.lead - self.limiter.tolerance * LEAD_DECAY_SHARE)
        return True

    def _sleep_until(self, moment: float, sleep: Callable[[float], None]) -> None:
        delay = moment - self.limiter.clock()
        if delay > 0:
            sleep(delay)

    def _reachable(self, at: float, now: float) -> bool:
        """A call for the slot ``at`` can still start within its tolerance, after ``lead`` more."""
        return now + self.lead <= at + self.limiter.tolerance
