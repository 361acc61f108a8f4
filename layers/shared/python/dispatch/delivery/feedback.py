"""Applying SES delivery events to cards, counters and the suppression list (PRODUCT §5).

Events arrive at least once and in any order, so every rule is idempotent and order-independent:
- the status only moves forward: ``sent``/``unconfirmed`` → ``delivered`` → ``bounced``; a
  bounce wins over a delivery whichever comes first, a repeated event finds nothing to move;
- first-of-kind times (``delivered_at``, ``opened_at``, …) are written only when absent;
- a hard bounce or a complaint adds the address to the organisation's suppression list (a put of
  the same item again is harmless);
- an event about a card still ``sending`` (the provider answered the sender, the sender has not
  recorded it yet) is not lost: it is retried until the card is recorded.
An open or a click proves delivery, a complaint too: each also moves a ``sent`` card to ``delivered``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dispatch.batches.models import Batch
from dispatch.batches.store import BatchStore
from dispatch.cards.counted import CountedChanges
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.delivery.events import DeliveryEvent, Kind
from dispatch.errors import NotFound
from dispatch.observability import logger
from dispatch.organisations.suppression import SuppressionList

REACHED = frozenset({CardStatus.sent, CardStatus.unconfirmed})  # a provider has (or may have) it
MAX_MOVES = 5
FIRST_TIME = {
    Kind.delivery: "delivered_at",
    Kind.open: "opened_at",
    Kind.click: "clicked_at",
    Kind.complaint: "complained_at",
    Kind.bounce: "bounced_at",
}


class NotYetRecorded(Exception):
    """The card is still ``sending``: the event must wait until the sender records the send."""


@dataclass(frozen=True, slots=True)
class _Change:
    target: CardStatus | None
    sets: dict[str, Any]


def _change(event: DeliveryEvent, card: Card) -> _Change | None:
    """What ``event`` does to ``card`` in its current status; None when nothing."""
    status = card.status
    if status is CardStatus.sending:
        raise NotYetRecorded(card.id)
    if event.kind is Kind.reject:
        if status in REACHED:
            return _Change(CardStatus.failed, {"error": event.reason, "retryable": False})
        return None
    first = FIRST_TIME[event.kind]
    if event.kind is Kind.bounce:
        if status in REACHED | {CardStatus.delivered}:
            return _Change(CardStatus.bounced, {first: event.at, "error": event.reason})
        return None
    sets = {first: event.at}
    if status in REACHED:
        if event.kind is not Kind.delivery:
            sets["delivered_at"] = event.at
        return _Change(CardStatus.delivered, sets)
    if status in {CardStatus.delivered, CardStatus.bounced} and getattr(card, first) is None:
        return _Change(None, sets)  # the time of a first open, click or complaint; no status change
    return None


@dataclass
class FeedbackApplier:
    cards: CardStore
    batches: BatchStore
    counted: CountedChanges
    suppression: SuppressionList
    wait_for_sender: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    _batches: dict[str, Batch] = field(default_factory=dict)

    def apply(self, event: DeliveryEvent) -> str:
        """Apply one event; returns what happened (for the log). NotYetRecorded when the card is
        still being sent after ``wait_for_sender`` seconds: the queue delivers the event again."""
        try:
            card = self.cards.get(event.card_id)
            batch = self._batch(card.batch_id)
        except NotFound:
            logger.info("event for an unknown card ignored", kind=event.kind.value)
            return "unknown card"
        if event.suppresses:
            for address in event.addresses:
                self.suppression.add(
                    card.org_id, address, f"{event.kind.value.lower()}: {event.reason}"[:500]
                )
        waited = 0.0
        for _ in range(MAX_MOVES):
            try:
                change = _change(event, card)
            except NotYetRecorded:
                if waited >= self.wait_for_sender:
                    raise
                self.sleep(0.5)
                waited += 0.5
                card = self.cards.get(event.card_id)
                continue
            if change is None:
                return "nothing to change"
            if self._write(batch, card, change):
                return f"{card.status.value} -> {(change.target or card.status).value}"
            card = self.cards.get(event.card_id)  # changed meanwhile: decide again on what it is now
        raise RuntimeError("the card kept changing while an event was applied")

    def _write(self, batch: Batch, card: Card, change: _Change) -> bool:
        if change.target is None:
            return self.cards.set_if_absent(card, change.sets)
        moved = self.counted.move(batch, card, change.target, change.sets)
        if moved is not None:
            return moved
        # The chunk was never counted: change the card, then count the chunk from its cards.
        if not self.cards.change(card, change.target, change.sets):
            return False
        chunk = batch.chunk_of(card.row)
        if chunk is not None:
            counts = self.cards.status_counts(batch.id, chunk.first_row, chunk.last_row)
            self.batches.settle_chunk(batch.org_id, batch.id, chunk.index, counts)
        return True

    def _batch(self, batch_id: str) -> Batch:
        """Batches by id, remembered for the invocation (a queue batch is mostly one batch's events).
        Only ids and chunk ranges are used, which never change once cards exist."""
        if batch_id not in self._batches:
            self._batches[batch_id] = self.batches.find(batch_id)
        return self._batches[batch_id]
