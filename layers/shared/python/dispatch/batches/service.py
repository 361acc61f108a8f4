"""Batch operations callers ask for over the API: create an upload, read, list, approve, reject."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

from dispatch import aws
from dispatch.auth import Caller, Role
from dispatch.batches.execution import Executions
from dispatch.batches.models import Approval, Batch, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.clock import isoformat, now_iso, utcnow
from dispatch.config import Settings
from dispatch.errors import Conflict, Forbidden, NotFound, Unprocessable
from dispatch.ids import new_id
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.models import ProcessState
from dispatch.processes.store import ProcessStore

DEFAULT_LIST = frozenset(BatchStatus) - {BatchStatus.archived}


class NewBatch(BaseModel):
    """The body of ``POST /batches``."""

    model_config = ConfigDict(extra="forbid")

    process_id: str
    file_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    auto_distribute: bool = True


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


@dataclass
class BatchService:
    settings: Settings
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    executions: Executions

    def create(self, caller: Caller, body: NewBatch) -> dict[str, Any]:
        """A batch waiting for its file, and a pre-signed POST that accepts only a file within limits."""
        caller.require(Role.sender)
        process = self.processes.get(caller.org_id, body.process_id)
        if process.state is not ProcessState.live:
            raise Conflict("only a live process accepts batches", {"process_state": process.state.value})
        moment = utcnow()
        batch_id = new_id(moment)
        key = f"uploads/{caller.org_id}/{batch_id}/source"
        batch = Batch(
            id=batch_id,
            org_id=caller.org_id,
            process_id=process.id,
            process_name=process.name,
            name=body.name or body.file_name.rsplit(".", 1)[0] or body.file_name,
            file_name=body.file_name,
            source_key=key,
            created_by=caller.email,
            created_at=isoformat(moment),
            updated_at=isoformat(moment),
            status=BatchStatus.uploading,
            auto_distribute=body.auto_distribute,
        )
        self.batches.create(batch)
        ttl = self.settings.upload_url_ttl_seconds
        post = aws.client("s3").generate_presigned_post(
            Bucket=self.settings.bucket,
            Key=key,
            Conditions=[["content-length-range", 1, self.settings.max_file_bytes]],
            ExpiresIn=ttl,
        )
        upload = {
            "method": "POST",
            "url": post["url"],
            "fields": post["fields"],
            "expires_at": isoformat(moment + timedelta(seconds=ttl)),
            "max_bytes": self.settings.max_file_bytes,
        }
        return {**batch.public(), "upload": upload}

    def get(self, caller: Caller, batch_id: str) -> Batch:
        return self.batches.get(caller.org_id, batch_id)

    def error_report(self, caller: Caller, batch_id: str) -> dict[str, Any]:
        """A pre-signed, expiring link to the row-error report; ask again for a fresh one."""
        batch = self.batches.get(caller.org_id, batch_id)
        if not batch.report_key:
            raise NotFound("this batch has no row-error report yet", {"status": batch.status.value})
        ttl = self.settings.download_url_ttl_seconds
        url = aws.client("s3").generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.settings.bucket,
                "Key": batch.report_key,
                "ResponseContentType": "text/csv; charset=utf-8",
                "ResponseContentDisposition": f'attachment; filename="{batch.id}-errors.csv"',
            },
            ExpiresIn=ttl,
        )
        return {
            "id": batch.id,
            "url": url,
            "expires_at": isoformat(utcnow() + timedelta(seconds=ttl)),
            "rows_rejected": batch.counters.rejected,
        }

    def list(
        self, caller: Caller, statuses: list[BatchStatus] | None, limit: int, cursor: str | None
    ) -> tuple[list[Batch], str | None]:
        return self.batches.list(caller.org_id, statuses or DEFAULT_LIST, limit, cursor)

    def approve(self, caller: Caller, batch_id: str) -> Batch:
        caller.require(Role.approver)
        batch = self.batches.get(caller.org_id, batch_id)
        process = self.processes.get(caller.org_id, batch.process_id)
        organisation = self.organisations.get(caller.org_id)
        four_eyes = process.four_eyes if process.four_eyes is not None else organisation.four_eyes
        if four_eyes and batch.created_by == caller.email:
            raise Forbidden("four-eyes approval: the creator of a batch cannot approve it")
        return self._decide(caller, batch, BatchStatus.approved, None)

    def reject(self, caller: Caller, batch_id: str, body: Decision) -> Batch:
        caller.require(Role.approver)
        if not body.reason:
            raise Unprocessable("a rejection needs a reason")
        batch = self.batches.get(caller.org_id, batch_id)
        return self._decide(caller, batch, BatchStatus.rejected, body.reason)

    def _decide(self, caller: Caller, batch: Batch, target: BatchStatus, reason: str | None) -> Batch:
        token = self.batches.task_token(caller.org_id, batch.id)
        approval = Approval(
            requested_at=batch.approval.requested_at,
            decided_by=caller.email,
            decided_at=now_iso(),
            reason=reason,
        )
        decided = self.batches.transition(
            caller.org_id,
            batch.id,
            target,
            sources=[BatchStatus.pending_approval],
            set_values={"approval": approval.model_dump(), "status_reason": reason},
        )
        if token is None:  # request_approval stores the token with the status, so this is a fault
            raise RuntimeError("a batch pending approval has no task token")
        self.executions.answer(token, {"decision": target.value})
        return decided
