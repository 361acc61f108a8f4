"""Operations on single cards over the API (the explicit resend of an unconfirmed card)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from dispatch.auth import Caller, Role
from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.batches.workflow import Workflow
from dispatch.cards.models import CardStatus
from dispatch.cards.store import CardStore
from dispatch.delivery.sender import ChunkSender
from dispatch.errors import Conflict, NotFound, Unprocessable
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.store import ProcessStore

RESENDABLE = frozenset({CardStatus.unconfirmed})
RESEND_ALLOWED_IN = frozenset({BatchStatus.sending, BatchStatus.sent, BatchStatus.partially_sent})


class Resend(BaseModel):
    """The operator confirms the address: a resend of an unconfirmed card may duplicate a message."""

    model_config = ConfigDict(extra="forbid")

    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]


@dataclass
class CardService:
    cards: CardStore
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    workflow: Workflow

    def get(self, caller: Caller, card_id: str) -> dict[str, Any]:
        card = self.cards.get(card_id)
        if card.org_id != caller.org_id:
            raise NotFound("no such card")
        return card.model_dump(mode="json")

    def resend(
        self, caller: Caller, card_id: str, body: Resend, sender_for: Callable[[Batch, str], ChunkSender]
    ) -> dict[str, Any]:
        """Send an ``unconfirmed`` card again, on the operator's explicit word (never automatic)."""
        caller.require(Role.approver)
        card = self.cards.get(card_id)
        if card.org_id != caller.org_id:
            raise NotFound("no such card")
        if card.status not in RESENDABLE:
            raise Conflict("only an unconfirmed card can be resent", {"status": card.status.value})
        if body.address.casefold() not in {(card.email or "").casefold(), card.phone or ""}:
            raise Unprocessable("the confirmed address is not this card's recipient")
        batch = self.batches.get(caller.org_id, card.batch_id)
        if batch.status not in RESEND_ALLOWED_IN:
            raise Conflict("the batch is not sending or sent", {"status": batch.status.value})
        process = self.processes.get(caller.org_id, batch.process_id)
        organisation = self.organisations.get(caller.org_id)
        sender = sender_for(batch, caller.email)
        sender.claim_from = CardStatus.unconfirmed
        outcome = sender.send_cards([card], batch, process, organisation.name or caller.org_id)
        for chunk in batch.chunks:
            if chunk.first_row <= card.row <= chunk.last_row:
                self.workflow.settle(batch, chunk)
        if outcome.paused_reason:
            raise Conflict("the provider account cannot send now", {"reason": outcome.paused_reason})
        return self.get(caller, card_id)
