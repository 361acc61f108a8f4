"""Applying SES delivery events to cards, counters and the suppression list (PRODUCT §5).

Events arrive at least once and in any order, so every rule is idempotent and order-independent:
- the status only moves forward: ``sending``/``sent``/``unconfirmed`` → ``delivered`` →
  ``bounced``; a bounce wins over its message's delivery whichever comes first, a repeated event finds
  nothing to move;
- first-of-kind times (``delivered_at``, ``opened_at``, …) are written only when absent;
- a hard bounce or a complaint adds the address to the organisation's suppression list (a put of
  the same item again is harmless);
- an event proves that SES accepted its message, so an event for a card still ``sending`` (its
  sender has not recorded the send — or never will: it died after SES took the message) moves the
  card forward like any other, recording the distribution and message id in the claimant's name;
  the sender, if alive, adds what the event did not know (``CardStore.mark_sent``);
- a bounce or a Reject refuses its own message only: it is history on a card another message
  reached (an earlier send, a resend, another channel) — so a resent card never moves back from
  what another message reached, whatever the order of the events — and otherwise bounces the
  card, or fails it (a Reject; a resent ``unconfirmed`` card is ``unconfirmed`` again);
- a message bounced or rejected proves nothing by its other events;
- a bounce SES reports for an address on its account-level suppression list
  (``OnAccountSuppressionList``: SES did not send it) makes the card ``suppressed`` rather than
  ``bounced``, with that reason, and puts the address on the organisation's list like a hard bounce.
An open or a click proves delivery, a complaint too: each also moves a ``sent`` card to ``delivered``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from dispatch.batches.models import Batch, Chunk
from dispatch.batches.store import BatchStore
from dispatch.cards.models import SYSTEM_SENDER, Card, CardStatus, Distribution
from dispatch.cards.store import CLAIM, CardChange, CardStore, Claim
from dispatch.delivery.events import DeliveryEvent, Kind
from dispatch.errors import NotFound
from dispatch.observability import logger
from dispatch.organisations.suppression import SuppressionList

REACHED = frozenset({CardStatus.sent, CardStatus.unconfirmed})  # a provider has (or may have) it
SETTLED = frozenset({CardStatus.delivered, CardStatus.bounced, CardStatus.failed})
REFUSALS = frozenset({Kind.bounce, Kind.reject})
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
    card, and the status a resend keeps); None when nothing."""
    if event.kind in REFUSALS:
        return _refusal(event, card, claim)
    if any(entry.message_id == event.message_id and entry.refused for entry in card.distributions):
        return None  # that message bounced or was rejected: its other events prove nothing
    status, first = card.status, FIRST_TIME[event.kind]
    sets = {first: event.at}
    if event.kind is not Kind.delivery:
        sets["delivered_at"] = event.at
    if status is CardStatus.sending and claim is not None:
        return CardChange(
            CardStatus.delivered,
            sets=sets,
            if_absent={"sent_at": event.sent_at, "message_id": event.message_id},
            history=_accepted(event, card, claim),
            remove=CLAIM,
        )
    if status in REACHED:
        return CardChange(CardStatus.delivered, sets=sets)
    if status in {CardStatus.delivered, CardStatus.bounced} and getattr(card, first) is None:
        return CardChange(None, if_absent={first: event.at})  # a first open, click or complaint
    return None


def _accepted(event: DeliveryEvent, card: Card, claim: Claim) -> list[dict[str, object]]:
    """The distribution the event proves, unless the card records its message already."""
    if any(entry.message_id == event.message_id for entry in card.distributions):
        return []
    return [_entry(event, card, claim.by, claim.by_email, at=event.sent_at)]


def _refusal(event: DeliveryEvent, card: Card, claim: Claim | None) -> CardChange | None:
    """A bounce, or SES refusing a message after accepting the call (a Reject: a virus, say),
    concerns that one message: the refusal goes on the card's history, and the card moves —
    ``bounced``, or ``failed`` for a Reject — only when none of its other messages (an earlier
    send, a resend, another channel) reached a provider, or was thought to: a resent
    ``unconfirmed`` card is ``unconfirmed`` again, as a resend refused at the call leaves it.
    So, whatever the order of the events, a card never moves back from what another message
    reached; a bounce still wins over its own message's delivery."""
    mine = [entry for entry in card.distributions if entry.message_id == event.message_id]
    if any(entry.refused is not None for entry in mine):
        return None  # recorded already
    refused = {entry.message_id for entry in card.distributions if entry.refused is not None}
    others = {
        entry.message_id
        for entry in card.distributions
        if entry.message_id and entry.refused is None and entry.message_id not in refused | {event.message_id}
    }
    sender = mine[0] if mine else claim or Claim(by=SYSTEM_SENDER)  # in whose name the message went
    history = [_entry(event, card, sender.by, sender.by_email, at=event.at, refused=event.reason)]
    bounce = event.kind is Kind.bounce
    target = CardStatus.bounced if bounce else CardStatus.failed
    sets: dict[str, object] = {"error": event.reason}
    if event.account_suppressed:  # SES never sent it: suppressed, like an address on our own list
        target = CardStatus.suppressed
    elif bounce:
        sets["bounced_at"] = event.at
    else:
        sets["retryable"] = False
    status = card.status
    if status is CardStatus.sending and claim is not None:
        kept = claim.stale_status
        if others:
            kept = kept or CardStatus.sent
        elif bounce and kept is CardStatus.unconfirmed:
            kept = None  # the address bounces: whatever the earlier send did, it is bounced
        if kept is not None:
            return CardChange(kept, history=history, remove=CLAIM)
        accepted = _accepted(event, card, claim) if bounce else []  # SES sent it, then it bounced
        first_send = {"sent_at": event.sent_at, "message_id": event.message_id} if bounce else {}
        return CardChange(target, sets=sets, if_absent=first_send, history=accepted + history, remove=CLAIM)
    if others or status not in REACHED | {CardStatus.delivered}:
        return CardChange(None, history=history) if status in REACHED | SETTLED else None
    if bounce:
        return CardChange(target, sets=sets, history=history)
    if status is CardStatus.delivered:
        return CardChange(None, history=history)  # its own delivery came first: SES contradicts itself
    if claim is not None and claim.stale_status is CardStatus.unconfirmed:
        return CardChange(CardStatus.unconfirmed, history=history)  # a resend's refusal, recorded late
    return CardChange(target, sets=sets, history=history)


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


def _needs_claim(event: DeliveryEvent, card: Card) -> bool:
    """Who claimed the card, and the status a resend keeps: needed for a card still ``sending``,
    and for a Reject of a ``sent`` card, which may be the late refusal of a resend."""
    return card.status is CardStatus.sending or (event.kind is Kind.reject and card.status is CardStatus.sent)


@dataclass
class FeedbackApplier:
    """Applies the events of one queue batch: each moves its card alone (one conditional write),
    and :meth:`settle` then counts every chunk they touched, once, from its cards.

    A card change and its counting are not one transaction (that made every event three writes,
    doubled); they need not be, because the batch's messages stay on the queue until the
    invocation succeeds: one that dies after changing cards is received again, and an event
    received again counts its chunk even when it finds nothing left to change."""

    cards: CardStore
    batches: BatchStore
    suppression: SuppressionList
    _batches: dict[str, Batch] = field(default_factory=dict)
    _touched: dict[tuple[str, int], tuple[Batch, Chunk]] = field(default_factory=dict)

    def apply(self, event: DeliveryEvent, *, redelivered: bool = False) -> str:
        """Apply one event to its card; returns what happened (for the log). Its chunk is counted
        by :meth:`settle` when the card moved — or when the message was received before
        (``redelivered``): that earlier attempt may have moved it and died before counting."""
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
        if redelivered:
            self._touch(batch, card)
        for _ in range(MAX_MOVES):
            claim = self.cards.claim_of(card) if _needs_claim(event, card) else None
            change = _change(event, card, claim)
            if change is None:
                return "nothing to change"
            if self.cards.apply(card, change):
                if change.target is not None:
                    self._touch(batch, card)
                return f"{card.status.value} -> {(change.target or card.status).value}"
            card = self.cards.get(event.card_id)  # changed meanwhile: decide again on what it is now
        raise RuntimeError("the card kept changing while an event was applied")

    def settle(self) -> list[Batch]:
        """Count every chunk the applied events touched (its cards, read once: reads cost a fifth
        of writes); the batches counted."""
        touched, self._touched = self._touched, {}
        for batch, chunk in touched.values():
            self.batches.settle_chunk(
                batch.org_id,
                batch.id,
                chunk.index,
                partial(self.cards.status_counts, batch.id, chunk.first_row, chunk.last_row),
            )
        return list({batch.id: batch for batch, _ in touched.values()}.values())

    def _touch(self, batch: Batch, card: Card) -> None:
        chunk = batch.chunk_of(card.row)
        if chunk is not None:
            self._touched[(batch.id, chunk.index)] = (batch, chunk)

    def _batch(self, batch_id: str) -> Batch:
        """Batches by id, remembered for the invocation (a queue batch is mostly one batch's events).
        Only ids and chunk ranges are used, which never change once cards exist."""
        if batch_id not in self._batches:
            self._batches[batch_id] = self.batches.find(batch_id)
        return self._batches[batch_id]
