"""Cards: one recipient row of a batch, its link and its delivery state (PRODUCT §5)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


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


class Distribution(BaseModel):
    """One delivery of a card: when, by whom, by which channel, to which address, with which id."""

    at: str
    by: str
    channel: str
    address: str
    message_id: str


class Card(BaseModel):
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
    distributions: list[Distribution] = Field(default_factory=list)
