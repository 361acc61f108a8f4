"""Batches: one set of recipients for one process, and the lifecycle it moves through (PRODUCT §4)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from dispatch.assignment.models import AssignmentConfig
from dispatch.deliverability.policy import DeferredCards
from dispatch.downloads import DownloadLink
from dispatch.views import View


class BatchStatus(StrEnum):
    open = "open"  # a communication: named, filter chosen, nothing generated yet (PRODUCT §8)
    uploading = "uploading"
    validating = "validating"
    invalid = "invalid"
    generating = "generating"
    generated = "generated"  # a communication's cards (and letters) exist; it waits for POST …/send
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


ROW_COUNTERS = ("rows", "accepted", "rejected", "accessed")
SENT_STATES = ("sent", "delivered", "bounced")


class Counters(View):
    """Row counts from validation, and card counts derived from the exact per-status histogram.

    ``by_status`` is kept exact per chunk (see ``BatchStore.settle_chunk``); ``cards`` is its total,
    ``sent`` counts every card that reached a provider (sent, delivered or bounced since).
    """

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
    by_status: dict[str, int] = Field(default_factory=dict)

    @classmethod
    def build(cls, rows: dict[str, int], by_status: dict[str, int]) -> Counters:
        present = {status: count for status, count in sorted(by_status.items()) if count}
        return cls(
            **rows,
            cards=sum(present.values()),
            errors=present.get("error", 0),
            sent=sum(present.get(state, 0) for state in SENT_STATES),
            failed=present.get("failed", 0),
            delivered=present.get("delivered", 0),
            bounced=present.get("bounced", 0),
            by_status=present,
        )


class Chunk(BaseModel):
    """A staged slice of accepted rows: generation and sending each work one chunk per task."""

    index: int
    first_row: int
    last_row: int
    rows: int


class BatchKind(StrEnum):
    """Where a batch's recipients come from: a file (uploaded, dropped, cloned, scheduled), or a
    filter over the organisation's contacts (PRODUCT §8)."""

    upload = "upload"
    communication = "communication"


Channel = Literal["email", "sms", "letter"]
ELECTRONIC: tuple[Channel, ...] = ("email", "sms")


class Communication(View):
    """What makes a batch a communication: the contact filter whose matches are its working list
    (or the one contact of a one-off message), the channels it goes by, and how many contacts the
    filter matched when the batch was made. ``hold``: generation stops at ``generated`` until a
    person sends (the API's communications); a scheduled run's or a one-off's goes on at once."""

    filter: dict[str, Any] | None = None
    contact_id: str | None = None  # a one-off message ("Create Log") to this contact
    channels: list[Channel] = Field(default_factory=lambda: list(ELECTRONIC))
    matched: int = 0
    hold: bool = True


class Approval(View):
    """``decided_by`` is the approver's user id (Cognito ``sub``), or ``policy:…`` when no person
    had to decide; ``decided_by_email`` is for display only. ``content`` is the digest of what
    recipients receive, as it was when approved (:mod:`dispatch.batches.content`): a batch sends
    only while that is still what it would send."""

    requested_at: str | None = None
    decided_by: str | None = None
    decided_by_email: str | None = None
    decided_at: str | None = None
    reason: str | None = None
    content: str | None = None


class FailureStage(StrEnum):
    """Where a batch was when a system fault stopped it, and so where a resume continues."""

    validation = "validation"
    generation = "generation"
    approval = "approval"
    sending = "sending"


class Failure(View):
    """Why a batch failed, in words (``cause``), with the error's name for support (``error``) —
    never its message, which may carry recipient data."""

    stage: FailureStage
    error: str
    cause: str
    at: str
    resumable: bool


class Batch(View):
    """People are recorded by user id (``created_by``, ``closed_by``, ``standing_approval``: what
    rules such as four-eyes compare), each with the email beside it for display (``*_email``)."""

    id: str
    org_id: str
    process_id: str
    process_name: str
    name: str
    file_name: str
    source_key: str
    created_by: str
    created_by_email: str | None = None
    created_at: str
    updated_at: str
    status: BatchStatus
    status_reason: str | None = None
    failure: Failure | None = None
    resumes: int = 0
    auto_distribute: bool = True
    auto_distribute_reason: str | None = None
    assignment: AssignmentConfig | None = Field(
        default=None, description="the batch's own assignment to agents; null: its process's"
    )
    counters: Counters = Field(default_factory=Counters)
    approval: Approval = Field(default_factory=Approval)
    chunks: list[Chunk] = Field(default_factory=list)
    report_key: str | None = None
    send_runs: int = 0
    closed_by: str | None = None
    closed_by_email: str | None = None
    format: str | None = None
    columns: list[str] = Field(default_factory=list)
    revision: int = 0
    standing_approval: str | None = None  # the approver whose standing approval it carries (schedules)
    standing_approval_email: str | None = None
    schedule_id: str | None = None
    source_version: str | None = None  # the S3 version of source_key this batch is made of
    dropped_by: str | None = None  # a drop: the S3 principal that wrote the file (the event's userIdentity)
    kind: BatchKind = BatchKind.upload
    communication: Communication | None = None
    template: str | None = None  # the process's template set (None: its default templates)
    due_date: str | None = None  # ISO date; a template variable (``due_date``) when set

    @classmethod
    def awaiting_upload(
        cls,
        *,
        batch_id: str,
        org_id: str,
        process_id: str,
        process_name: str,
        file_name: str,
        name: str | None,
        created_by: str,
        created_by_email: str | None,
        created_at: str,
        auto_distribute: bool,
        assignment: AssignmentConfig | None = None,
        standing_approval: str | None = None,
        standing_approval_email: str | None = None,
        schedule_id: str | None = None,
    ) -> Batch:
        """A new batch whose file is expected at ``uploads/<org>/<id>/source`` (its arrival starts
        validation). Named after the file unless a name is given."""
        return cls(
            id=batch_id,
            org_id=org_id,
            process_id=process_id,
            process_name=process_name,
            name=name or file_name.rsplit(".", 1)[0] or file_name,
            file_name=file_name,
            source_key=f"uploads/{org_id}/{batch_id}/source",
            created_by=created_by,
            created_by_email=created_by_email,
            created_at=created_at,
            updated_at=created_at,
            status=BatchStatus.uploading,
            auto_distribute=auto_distribute,
            assignment=assignment,
            standing_approval=standing_approval,
            standing_approval_email=standing_approval_email,
            schedule_id=schedule_id,
        )

    def assigns_with(self, process_setting: AssignmentConfig) -> AssignmentConfig:
        """How this batch's cards are assigned to agents: its own setting, else its process's
        (PRODUCT §7: "a process (or batch)")."""
        return self.assignment or process_setting

    def chunk_of(self, row: int) -> Chunk | None:
        """The chunk holding a file row (None for a row that became no card)."""
        return next((chunk for chunk in self.chunks if chunk.first_row <= row <= chunk.last_row), None)

    def public(self) -> BatchView:
        """The API view: everything but internal storage details."""
        return BatchView.model_validate(
            {**dict(self), "sent_label": f"{self.counters.sent}/{self.counters.cards} sent"}
        )


class BatchView(Batch):
    """A batch as the API shows it: all but where its file, chunks and report are stored, and
    "X/Y sent"."""

    chunks: list[Chunk] = Field(default_factory=list, exclude=True)
    source_key: str = Field(exclude=True)
    source_version: str | None = Field(default=None, exclude=True)
    report_key: str | None = Field(default=None, exclude=True)
    sent_label: str = Field(description='"X/Y sent": the cards that reached a provider, of all cards')
    deferred: DeferredCards | None = Field(
        default=None, description="cards waiting for their recipients' quiet hours to end (batch detail)"
    )


class Upload(BaseModel):
    """A pre-signed POST for the batch's file: the form ``fields``, then the file as ``file``."""

    method: Literal["POST"]
    url: str
    fields: dict[str, str]
    expires_at: str
    max_bytes: int


class NewBatchView(BatchView):
    """``POST /batches``: the batch waiting for its file, and where to upload it."""

    upload: Upload


class ErrorReport(DownloadLink):
    """A link to a batch's row-error report (CSV)."""

    id: str
    rows_rejected: int
