"""Applying SES delivery events to cards, counters and the suppression list (PRODUCT §5).

Events arrive at least once and in any order, so every rule is idempotent and order-independent:
- the status only moves forward: ``sending``/``sent``/``unconfirmed`` → ``delivered`` →
  ``bounced``; a bounce wins over a delivery whichever comes first, a repeated event finds
  nothing to move;
- first-of-kind times (``delivered_at``, ``opened_at``, …) are written only when absent;
- a hard bounce or a complaint adds the address to the organisation's suppression list (a put of
  the same item again is harmless);
- an event proves that SES accepted its message, so an event for a card still ``sending`` (its
  sender has not recorded the send — or never will: it died after SES took the message) moves the
  card forward like any other, recording the distribution and message id in the claimant's name;
  the sender, if alive, adds what the event did not know (``CardStore.mark_sent``);
- a Reject refuses its own message only: it fails a card none of whose other messages was
  accepted, and is history only on a card another message reached (a resend's refusal never
  moves a card back).
An open or a click proves delivery, a complaint too: each also moves a ``sent`` card to ``delivered``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dispatch.batches.models import Batch
from dispatch.batches.store import BatchStore
from dispatch.cards.counted import CountedChanges, Outcome
from dispatch.cards.models import SYSTEM_SENDER, Card, CardStatus, Distribution
from dispatch.cards.store import CLAIM, CardChange, CardStore, Claim
from dispatch.clock import now_iso
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


def _change(event: DeliveryEvent, card: Card, claim: Claim | None) -> CardChange | None:
    """What ``event`` does to ``card`` in its current status (``claim``: who holds a ``sending``
    card); None when nothing."""
    if event.kind is Kind.reject:
        return _reject(event, card, claim)
    status, first = card.status, FIRST_TIME[event.kind]
    sets = {first: event.at}
    if event.kind is Kind.bounce:
        sets["error"] = event.reason
    elif event.kind is not Kind.delivery:
        sets["delivered_at"] = event.at
    target = CardStatus.bounced if event.kind is Kind.bounce else CardStatus.delivered
    if status is CardStatus.sending and claim is not None:
        return CardChange(
            target,
            sets=sets,
            if_absent={"sent_at": event.sent_at, "message_id": event.message_id},
            history=_accepted(event, card, claim),
            remove=CLAIM,
        )
    if event.kind is Kind.bounce:
        return CardChange(target, sets=sets) if status in REACHED | {CardStatus.delivered} else None
    if status in REACHED:
        return CardChange(target, sets=sets)
    if status in {CardStatus.delivered, CardStatus.bounced} and getattr(card, first) is None:
        return CardChange(None, if_absent={first: event.at})  # a first open, click or complaint
    return None


def _accepted(event: DeliveryEvent, card: Card, claim: Claim) -> list[dict[str, object]]:
    """The distribution the event proves, unless the card records its message already."""
    if any(entry.message_id == event.message_id for entry in card.distributions):
        return []
    return [_entry(event, card, claim.by, claim.by_email, at=event.sent_at)]


def _reject(event: DeliveryEvent, card: Card, claim: Claim | None) -> CardChange | None:
    """SES refused one message after accepting the call (a virus, say): the refusal goes on the
    card's history; the card fails only when none of its other messages was accepted."""
    recorded = {entry.message_id: entry for entry in card.distributions if entry.message_id}
    earlier = recorded.get(event.message_id)
    if earlier is not None and earlier.refused is not None:
        return None  # recorded already
    others = [mid for mid, entry in recorded.items() if entry.refused is None and mid != event.message_id]
    sender = earlier or claim or Claim(by=SYSTEM_SENDER)  # in whose name the message went
    history = [_entry(event, card, sender.by, sender.by_email, at=event.at, refused=event.reason)]
    failed = {"error": event.reason, "retryable": False}
    if card.status is CardStatus.sending and claim is not None:
        kept = claim.stale_status or (CardStatus.sent if others else None)
        return CardChange(
            kept or CardStatus.failed, sets={} if kept else failed, history=history, remove=CLAIM
        )
    if card.status in REACHED and not others:
        return CardChange(CardStatus.failed, sets=failed, history=history)
    if card.status in REACHED | {CardStatus.delivered, CardStatus.bounced}:
        return CardChange(None, history=history)
    return None


def _entry(
    event: DeliveryEvent, card: Card, by: str, by_email: str | None, *, at: str, refused: str | None = None
) -> dict[str, object]:
    address = card.email or (event.addresses[0] if event.addresses else "")
    distribution = Distribution(
        at=at,
        by=by,
        by_email=by_email,
        channel="email",
        address=address,
        message_id=event.message_id,
        refused=refused,
    )
    return distribution.model_dump(exclude_none=True)


@dataclass
class FeedbackApplier:
    cards: CardStore
    batches: BatchStore
    counted: CountedChanges
    suppression: SuppressionList
    clock: Callable[[], str] = now_iso
    _batches: dict[str, Batch] = field(default_factory=dict)

    def apply(self, event: DeliveryEvent) -> str:
        """Apply one event; returns what happened (for the log)."""
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
        for _ in range(MAX_MOVES):
            claim = self.cards.claim_of(card) if card.status is CardStatus.sending else None
            change = _change(event, card, claim)
            if change is None:
                return "nothing to change"
            if self._write(batch, card, change):
                return f"{card.status.value} -> {(change.target or card.status).value}"
            card = self.cards.get(event.card_id)  # changed meanwhile: decide again on what it is now
        raise RuntimeError("the card kept changing while an event was applied")

    def _write(self, batch: Batch, card: Card, change: CardChange) -> bool:
        if change.target is None:
            return self.cards.apply(card, change)
        outcome = self.counted.move(batch, card, change, self.clock())
        if outcome is not Outcome.uncounted:
            return outcome is Outcome.applied
        # The marker does not count the card as it is: change the card, then count the chunk.
        if not self.cards.apply(card, change):
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
