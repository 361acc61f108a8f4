"""Batches: one set of recipients for one process, and the lifecycle it moves through (PRODUCT §4)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class BatchStatus(StrEnum):
    uploading = "uploading"
    validating = "validating"
    invalid = "invalid"
    generating = "generating"
    pending_approval = "pending_approval"
    approved = "approved"
    rejected = "rejected"
    expired = "expired"
    sending = "sending"
    sent = "sent"
    partially_sent = "partially_sent"
    complete = "complete"
    archived = "archived"
    failed = "failed"


COUNTERS = (
    "rows",
    "accepted",
    "rejected",
    "cards",
    "errors",
    "sent",
    "failed",
    "delivered",
    "bounced",
    "accessed",
)


class Counters(BaseModel):
    """Row and card counts; ``cards`` counts generated cards, ``errors`` those that failed to render."""

    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    cards: int = 0
    errors: int = 0
    sent: int = 0
    failed: int = 0
    delivered: int = 0
    bounced: int = 0
    accessed: int = 0


class Chunk(BaseModel):
    """A staged slice of accepted rows: generation and sending each work one chunk per task."""

    index: int
    first_row: int
    last_row: int
    rows: int


class Approval(BaseModel):
    requested_at: str | None = None
    decided_by: str | None = None
    decided_at: str | None = None
    reason: str | None = None


class Batch(BaseModel):
    id: str
    org_id: str
    process_id: str
    process_name: str
    name: str
    file_name: str
    source_key: str
    created_by: str
    created_at: str
    updated_at: str
    status: BatchStatus
    status_reason: str | None = None
    auto_distribute: bool = True
    auto_distribute_reason: str | None = None
    counters: Counters = Field(default_factory=Counters)
    approval: Approval = Field(default_factory=Approval)
    chunks: list[Chunk] = Field(default_factory=list)
    report_key: str | None = None
    format: str | None = None

    def public(self) -> dict[str, object]:
        """The API view: everything but internal storage details."""
        body = self.model_dump(mode="json", exclude={"chunks", "source_key", "report_key"})
        body["sent_label"] = f"{self.counters.sent}/{self.counters.cards} sent"
        return body
