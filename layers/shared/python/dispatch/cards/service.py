"""Operations on single cards over the API: read one, list a batch's, distribute one (PRODUCT §5).

Individual distribution sends one card by one channel, to the address the caller confirms:
a ``ready`` card of an approved batch, or, as an explicit resend, a ``sent``, ``delivered`` or
``unconfirmed`` one. Resending an unconfirmed card may duplicate a message the provider did take,
so it needs an approver; the rest a sender. Each distribution is recorded on the card (when, by
whom, channel, address, provider message id) by the same sender code as batch sending: claimed
first, rate-limited, retried, suppression-checked. A resend that is refused (a suppressed address,
the provider's refusal) is recorded on the card's history and changes neither its status nor the
batch's counters. A card delivered so for the first time goes to the batch's agents as a chunk's
cards do (``Workflow.assign_delivered``). Only what was approved is sent: a batch whose content
changed since goes back to approval instead (``Workflow.check_content``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from dispatch.auth import Caller, Role
from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.batches.workflow import Workflow
from dispatch.cards.models import Card, CardStatus, CardSummary, CardView, Distribute
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso
from dispatch.delivery.sender import ChunkSender
from dispatch.emails import canonical_email
from dispatch.errors import Conflict, NotFound, Unprocessable
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.store import ProcessStore

DISTRIBUTABLE = {
    CardStatus.ready: Role.sender,
    CardStatus.sent: Role.sender,
    CardStatus.delivered: Role.sender,
    CardStatus.unconfirmed: Role.approver,
}
APPROVED = frozenset(
    {BatchStatus.approved, BatchStatus.sending, BatchStatus.sent, BatchStatus.partially_sent}
)


@dataclass
class CardService:
    cards: CardStore
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    workflow: Workflow

    def get(self, caller: Caller, card_id: str) -> CardView:
        return self._card(caller, card_id).public()

    def list(
        self, caller: Caller, batch_id: str, status: CardStatus | None, limit: int, cursor: str | None
    ) -> tuple[list[CardSummary], str | None]:
        self.batches.get(caller.org_id, batch_id)  # NotFound for another organisation's batch
        cards, next_cursor = self.cards.page(batch_id, status, limit, cursor)
        return [card.summary() for card in cards], next_cursor

    def distribute(
        self,
        caller: Caller,
        card_id: str,
        body: Distribute,
        sender_for: Callable[[Batch, Caller], ChunkSender],
    ) -> CardView:
        card = self._card(caller, card_id)
        role = DISTRIBUTABLE.get(card.status)
        if role is None:
            raise Conflict(
                "only a ready card can be distributed, or a sent, delivered or unconfirmed one resent",
                {"status": card.status.value},
            )
        caller.require(role)
        channel = _channel(card, body.address)
        batch = self.batches.get(caller.org_id, card.batch_id)
        if batch.status not in APPROVED:
            raise Conflict("the batch is not approved", {"status": batch.status.value})
        process = self.processes.get(caller.org_id, batch.process_id).with_template_set(batch.template)
        organisation = self.organisations.get(caller.org_id)
        self.workflow.check_content(batch, process, organisation)  # only what was approved goes out
        sender = sender_for(batch, caller)
        sender.claim_from = card.status
        one_channel = card.model_copy(update={"channels": [channel]})
        chunk = batch.chunk_of(card.row)
        # In flight before the claim, as a batch sender marks its chunk: the sweep's way to the card.
        opener = self.batches.open_chunk(batch.id, chunk.index, now_iso()) if chunk is not None else None
        outcome = sender.send_cards([one_channel], batch, process, organisation.name or caller.org_id)
        if chunk is not None:
            self.workflow.settle(batch, chunk, closing=opener)
        self.batches.touch(caller.org_id, batch.id)
        # Delivered by hand as by a chunk: the card goes to the batch's agents (once).
        self.workflow.assign_delivered(batch, process, organisation, [self.cards.get(card_id)])
        if outcome.paused_reason:
            raise Conflict("the provider account cannot send now", {"reason": outcome.paused_reason})
        return self.get(caller, card_id)

    def _card(self, caller: Caller, card_id: str) -> Card:
        card = self.cards.get(card_id)
        if card.org_id != caller.org_id:
            raise NotFound("no such card")
        return card


def _channel(card: Card, address: str) -> str:
    """The channel the confirmed address belongs to; it must be this card's own address (an email
    in any spelling of its canonical form)."""
    confirmed = _canonical(address)
    if card.email and confirmed is not None and confirmed == _canonical(card.email):
        return "email"
    if card.phone and _digits(address) == _digits(card.phone):
        return "sms"
    raise Unprocessable("the confirmed address is not this card's recipient")


def _canonical(email: str) -> str | None:
    """The canonical form of an email address; None for anything else (a phone number, say)."""
    try:
        return canonical_email(email)
    except ValueError:
        return None


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)
