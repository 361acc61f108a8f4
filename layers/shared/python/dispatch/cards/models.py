"""Cards: one recipient row of a batch, its link and its delivery state (PRODUCT §5)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, computed_field

from dispatch.assignment.models import Assignment
from dispatch.contacts.models import PostalAddress
from dispatch.deliverability.policy import Deferral
from dispatch.views import View


class CardStatus(StrEnum):
    error = "error"
    ready = "ready"
    sending = "sending"
    sent = "sent"
    delivered = "delivered"
    bounced = "bounced"
    failed = "failed"
    unconfirmed = "unconfirmed"
    rejected = "rejected"
    removed = "removed"
    suppressed = "suppressed"


SYSTEM_SENDER = "system:auto-distribution"  # who distributes a batch's cards: the batch sender


class Distribution(View):
    """One distribution of a card: when, by whom (``system:…``, or an operator's user id with their
    email beside it), by which channel, to which address, and either the provider's message id
    or, for one that went nowhere, why it was refused (a suppressed address, the provider's
    refusal). A refusal is history only: it never moves the card's status back (a delivered card
    stays delivered) nor its batch's counters."""

    at: str
    by: str
    by_email: str | None = None
    channel: str
    address: str
    message_id: str | None = None
    refused: str | None = None


class Access(View):
    """One opening of the card's link (only the first ``ACCESS_HISTORY`` are itemised)."""

    at: str


ACCESS_HISTORY = 20


class Card(View):
    """``accessed_at`` is the first access, ``last_accessed_at`` the latest; engagement and
    delivery-event times are the first of their kind (later duplicates do not move them)."""

    id: str
    batch_id: str
    org_id: str
    row: int
    values: dict[str, Any]
    email: str | None = None
    phone: str | None = None
    channels: list[str] = Field(default_factory=list)
    status: CardStatus
    error: str | None = None
    retryable: bool | None = None
    link_expires_at: int
    created_at: str
    sent_at: str | None = None
    accessed_at: str | None = None
    last_accessed_at: str | None = None
    access_count: int = 0
    accesses: list[Access] = Field(default_factory=list)
    delivered_at: str | None = None
    bounced_at: str | None = None
    complained_at: str | None = None
    opened_at: str | None = None
    clicked_at: str | None = None
    unsubscribed_at: str | None = None
    distributions: list[Distribution] = Field(default_factory=list)
    assignment: Assignment | None = None
    # A communication's card (PRODUCT §8): its contact, and its letter (to ``postal``) when the
    # batch goes by letter and the contact has an address; printed when its bundle was marked so.
    contact_id: str | None = None
    letter: bool = False
    postal: PostalAddress | None = None
    letter_printed_at: str | None = None
    deferred: Deferral | None = None  # the last time quiet hours held it back, and until when

    @property
    def last_distribution(self) -> Distribution | None:
        return self.distributions[-1] if self.distributions else None

    def public(self) -> CardView:
        """The API view: the card with its last distribution called out."""
        return CardView.model_validate(dict(self))

    def summary(self) -> CardSummary:
        """One line of a batch's card list."""
        return CardSummary(
            id=self.id,
            row=self.row,
            status=self.status,
            email=self.email,
            phone=self.phone,
            error=self.error,
            sent_at=self.sent_at,
            accessed_at=self.accessed_at,
            access_count=self.access_count,
            last_distribution=self.last_distribution,
        )


class CardView(Card):
    @computed_field  # type: ignore[prop-decorator]
    @property
    def last_distribution(self) -> Distribution | None:
        return self.distributions[-1] if self.distributions else None


class CardSummary(View):
    id: str
    row: int
    status: CardStatus
    email: str | None
    phone: str | None
    error: str | None
    sent_at: str | None
    accessed_at: str | None
    access_count: int
    last_distribution: Distribution | None


class PrefilledCard(BaseModel):
    """What a process page reads for its card (``GET /c/{token}/data``): every field of the
    process (null when the row had none) and the recipient's addresses."""

    card_id: str
    values: dict[str, Any]
    email: str | None
    phone: str | None
