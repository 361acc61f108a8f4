"""Batch exports: a CSV or XLSX download of a batch's cards (PRODUCT §4 "Download")."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import ConfigDict, Field

from dispatch.models import Model
from dispatch.views import View

EXTRA_COLUMNS = ("status", "channel", "sent_at", "error", "accessed_at")


class ExportStatus(StrEnum):
    running = "running"
    ready = "ready"
    failed = "failed"


class ExportRequest(Model):
    model_config = ConfigDict(extra="forbid")

    format: Literal["csv", "xlsx"]


class ExportJob(Model):
    model_config = ConfigDict(extra="ignore")

    id: str
    batch_id: str
    org_id: str
    format: Literal["csv", "xlsx"]
    status: ExportStatus
    key: str
    revision: int
    requested_by: str  # user id; the email beside it for display
    requested_by_email: str | None = None
    requested_at: str
    finished_at: str | None = None
    rows: int | None = None
    error: str | None = None
    expires_at: int  # TTL: the job goes with its file


class ExportView(View):
    """An export as the API shows it; ``url`` and ``expires_at`` once it is ready."""

    id: str
    batch_id: str
    format: Literal["csv", "xlsx"]
    status: ExportStatus
    rows: int | None
    requested_at: str
    current: bool = Field(description="false once the batch changed after the export was written")
    url: str | None = None
    expires_at: str | None = None
    error: str | None = None
