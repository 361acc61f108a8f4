"""Letter bundles (PRODUCT §8): one PDF of a communication's letters, behind an expiring link."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from dispatch.views import View


class BundleStatus(StrEnum):
    building = "building"
    ready = "ready"
    failed = "failed"


class LetterBundle(BaseModel):
    """A bundle is of the batch as it was: its id derives from the digest of everything the letters
    say (``content``) and from which cards still get one, so an unchanged batch finds its bundle
    and a changed one builds a new one."""

    model_config = ConfigDict(extra="ignore")

    id: str
    batch_id: str
    org_id: str
    status: BundleStatus
    key: str
    content: str  # the batch's content digest when the bundle was asked for
    dated: str  # the date printed on the letters
    requested_by: str
    requested_by_email: str | None = None
    requested_at: str
    finished_at: str | None = None
    letters: int | None = None
    pages: int | None = None
    error: str | None = None
    printed_at: str | None = None
    printed_by: str | None = None
    printed_by_email: str | None = None
    expires_at: int  # TTL: the bundle goes with its file


class LettersView(View):
    """``GET``/``POST /batches/{id}/letters``: the bundle, and a fresh pre-signed link once ready."""

    id: str
    batch_id: str
    status: BundleStatus
    letters: int | None
    pages: int | None
    requested_at: str
    url: str | None = Field(default=None, description="a pre-signed GET; ask again for a fresh one")
    expires_at: str | None = None
    printed_at: str | None = None
    error: str | None = None
