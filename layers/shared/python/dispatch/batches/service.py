"""Batch operations callers ask for over the API: create an upload, read, list, approve, reject."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dispatch import aws
from dispatch.assignment.models import AssignmentConfig
from dispatch.assignment.store import AgentStore
from dispatch.auth import Caller, Role
from dispatch.batches.approval import four_eyes, is_creator
from dispatch.batches.clone import CLONABLE, Recipients
from dispatch.batches.content import content_digest
from dispatch.batches.dry_run import DryRun, DryRunView
from dispatch.batches.execution import Executions
from dispatch.batches.models import (
    Approval,
    Batch,
    BatchStatus,
    Counters,
    ErrorReport,
    NewBatchView,
    Upload,
)
from dispatch.batches.store import BatchQuery, BatchStore
from dispatch.batches.workflow import Workflow
from dispatch.cards.models import CardStatus
from dispatch.clock import isoformat, now_iso, utcnow
from dispatch.config import Settings
from dispatch.downloads import download_link
from dispatch.errors import Conflict, Forbidden, NotFound, Unprocessable
from dispatch.functions import Functions
from dispatch.ids import new_id
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.models import ProcessState
from dispatch.processes.store import ProcessStore


class NewBatch(BaseModel):
    """The body of ``POST /batches``."""

    model_config = ConfigDict(extra="forbid")

    process_id: str
    file_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    auto_distribute: bool = True
    assignment: AssignmentConfig | None = Field(
        default=None,
        description="this batch's own assignment to agents (PRODUCT §7); left out: the process's",
    )


class CloneRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recipients: Recipients = Recipients.all
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None


class Rename(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


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
    workflow: Workflow
    functions: Functions
    agents: AgentStore

    def create(self, caller: Caller, body: NewBatch) -> NewBatchView:
        """A batch waiting for its file, and a pre-signed POST that accepts only a file within limits."""
        caller.require(Role.sender)
        process = self.processes.get(caller.org_id, body.process_id)
        if process.state is not ProcessState.live:
            raise Conflict("only a live process accepts batches", {"process_state": process.state.value})
        self.agents.check_setting(caller.org_id, body.assignment)
        moment = utcnow()
        batch = Batch.awaiting_upload(
            batch_id=new_id(moment),
            org_id=caller.org_id,
            process_id=process.id,
            process_name=process.name,
            file_name=body.file_name,
            name=body.name,
            created_by=caller.user_id,
            created_by_email=caller.email,
            created_at=isoformat(moment),
            auto_distribute=body.auto_distribute,
            assignment=body.assignment,
        )
        key = batch.source_key
        self.batches.create(batch)
        ttl = self.settings.upload_url_ttl_seconds
        post = aws.client("s3").generate_presigned_post(
            Bucket=self.settings.bucket,
            Key=key,
            Conditions=[["content-length-range", 1, self.settings.max_file_bytes]],
            ExpiresIn=ttl,
        )
        upload = Upload(
            method="POST",
            url=post["url"],
            fields=post["fields"],
            expires_at=isoformat(moment + timedelta(seconds=ttl)),
            max_bytes=self.settings.max_file_bytes,
        )
        return NewBatchView.model_validate({**dict(batch.public()), "upload": upload})

    def get(self, caller: Caller, batch_id: str) -> Batch:
        return self.batches.get(caller.org_id, batch_id)

    def error_report(self, caller: Caller, batch_id: str) -> ErrorReport:
        """A pre-signed, expiring link to the row-error report; ask again for a fresh one."""
        batch = self.batches.get(caller.org_id, batch_id)
        if not batch.report_key:
            raise NotFound("this batch has no row-error report yet", {"status": batch.status.value})
        link = download_link(
            self.settings, batch.report_key, "text/csv; charset=utf-8", f"{batch.id}-errors.csv"
        )
        return ErrorReport(id=batch.id, rows_rejected=batch.counters.rejected, **dict(link))

    def list(self, caller: Caller, query: BatchQuery) -> tuple[list[Batch], str | None]:
        return self.batches.list(caller.org_id, query)

    def approve(self, caller: Caller, batch_id: str) -> Batch:
        caller.require(Role.approver)
        batch = self.batches.get(caller.org_id, batch_id)
        process = self.processes.get(caller.org_id, batch.process_id)
        organisation = self.organisations.get(caller.org_id)
        if four_eyes(process, organisation) and is_creator(batch, caller.user_id):
            raise Forbidden("four-eyes approval: the creator of a batch cannot approve it")
        return self._decide(caller, batch, BatchStatus.approved, None)

    def reject(self, caller: Caller, batch_id: str, body: Decision) -> Batch:
        """Reject with a reason: cards already sent stay sent, every unsent card becomes
        ``rejected``. Pending: the waiting execution (if any) ends. Sending: the running send stops."""
        caller.require(Role.approver)
        if not body.reason:
            raise Unprocessable("a rejection needs a reason")
        batch = self.batches.get(caller.org_id, batch_id)
        if batch.status is BatchStatus.pending_approval:
            return self._decide(caller, batch, BatchStatus.rejected, body.reason)
        rejected = self.batches.transition(
            caller.org_id,
            batch.id,
            BatchStatus.rejected,
            sources=[BatchStatus.approved, BatchStatus.sending],
            set_values={"approval": self._decision(caller, batch, body.reason), "status_reason": body.reason},
        )
        if batch.status is BatchStatus.approved:  # no sender is running to close the cards
            self.workflow.close_all(rejected, CardStatus.rejected)
        return rejected

    def dry_run(self, caller: Caller, batch_id: str, dry_runs: Callable[[], DryRun]) -> DryRunView:
        """What approving would do: row errors, a few rendered cards, and the estimated finish."""
        batch = self.batches.get(caller.org_id, batch_id)
        if batch.status not in {
            BatchStatus.generating,
            BatchStatus.generated,
            BatchStatus.pending_approval,
            BatchStatus.approved,
        }:
            raise Conflict(
                "a dry run is for a batch that has not started sending", {"status": batch.status.value}
            )
        process = self.processes.get(caller.org_id, batch.process_id).with_template_set(batch.template)
        organisation = self.organisations.get(caller.org_id)
        view = dry_runs().describe(batch, process, organisation.name or caller.org_id)
        if self.workflow.quiet_hours is None:
            return view
        return view.model_copy(update={"deferred": self.workflow.quiet_hours.preview(batch, organisation)})

    def content_changed(self, org_id: str, *, process_id: str | None = None) -> Sequence[str]:
        """After a change to a process (or, with none named, to the organisation) that may alter
        what recipients receive: the ids of the approved batches sent back to approval."""
        return self.workflow.content_changed(org_id, process_id=process_id)

    def resume(self, caller: Caller, batch_id: str) -> Batch:
        """Continue a failed batch from where it stopped (a batch never approved still needs its
        approval)."""
        caller.require(Role.sender)
        return self.workflow.resume(self.batches.get(caller.org_id, batch_id))

    def clone(self, caller: Caller, batch_id: str, body: CloneRequest) -> Batch:
        """A new batch from a finished one; the recipients are copied asynchronously."""
        caller.require(Role.sender)
        source = self.batches.get(caller.org_id, batch_id)
        if source.status not in CLONABLE:
            raise Conflict(
                "only a complete, archived, rejected or expired batch can be cloned",
                {"status": source.status.value},
            )
        moment = utcnow()
        clone = source.model_copy(
            update={
                "id": new_id(moment),
                "name": body.name or f"{source.name} (copy)",
                "source_key": f"clone:{source.id}:{body.recipients.value}",
                "created_by": caller.user_id,
                "created_by_email": caller.email,
                "created_at": isoformat(moment),
                "updated_at": isoformat(moment),
                "status": BatchStatus.validating,
                "status_reason": None,
                "counters": Counters(),
                "approval": Approval(),
                "chunks": [],
                "report_key": None,
                "send_runs": 0,
                "closed_by": None,
                "closed_by_email": None,
                "standing_approval": None,
                "standing_approval_email": None,
                "schedule_id": None,
            }
        )
        self.batches.create(clone)
        self.functions.invoke_async(
            self.settings.lifecycle_function,
            {
                "action": "clone",
                "batch_id": clone.id,
                "org_id": caller.org_id,
                "source_batch_id": source.id,
                "recipients": body.recipients.value,
            },
        )
        return clone

    def send_remaining(self, caller: Caller, batch_id: str) -> Batch:
        """Send every card still ``ready``: auto distribution was off, or sending was paused."""
        caller.require(Role.sender)
        batch = self.batches.get(caller.org_id, batch_id)
        return self.workflow.begin_sending(batch, sources=[BatchStatus.approved, BatchStatus.partially_sent])

    def retry_failed(self, caller: Caller, batch_id: str) -> Batch:
        """Send again only the cards that failed with a temporary error (throttling, outages)."""
        caller.require(Role.sender)
        batch = self.batches.get(caller.org_id, batch_id)
        if batch.status in {BatchStatus.sent, BatchStatus.partially_sent} and not batch.counters.failed:
            raise Conflict("no card of this batch has failed", {"status": batch.status.value})
        return self.workflow.begin_sending(
            batch, sources=[BatchStatus.sent, BatchStatus.partially_sent], reset_failed=True
        )

    def complete(self, caller: Caller, batch_id: str) -> Batch:
        """Close the batch: unsent cards are removed, the batch is kept for reference."""
        return self._close(caller, batch_id, BatchStatus.complete)

    def archive(self, caller: Caller, batch_id: str) -> Batch:
        """Hide the batch from the default list; unsent cards are removed."""
        return self._close(caller, batch_id, BatchStatus.archived)

    def rename(self, caller: Caller, batch_id: str, body: Rename) -> Batch:
        caller.require(Role.sender)
        batch = self.batches.get(caller.org_id, batch_id)
        if batch.status is BatchStatus.archived:
            raise Conflict("an archived batch cannot be renamed", {"status": batch.status.value})
        renamed = self.batches.rename(caller.org_id, batch_id, body.name)
        if self.workflow.content_changed(caller.org_id, batch_id=batch_id):  # recipients see the name
            return self.batches.get(caller.org_id, batch_id)
        return renamed

    def _close(self, caller: Caller, batch_id: str, target: BatchStatus) -> Batch:
        caller.require(Role.sender)
        closed = self.batches.transition(
            caller.org_id,
            batch_id,
            target,
            set_values={"closed_by": caller.user_id, "closed_by_email": caller.email},
        )
        if closed.counters.cards:
            self.workflow.close_all(closed, CardStatus.removed)
        return closed

    def _decide(self, caller: Caller, batch: Batch, target: BatchStatus, reason: str | None) -> Batch:
        """Answer a pending approval. The conditional move decides races — between approvers, and
        with the approval's timeout (whose expiry is conditional on ``pending_approval`` too). A
        rejection closes the unsent cards. An approval resumes the waiting execution; when none
        waits (the batch came back to approval after a change or a resume, or the wait timed out
        at this very moment, after this move won), this call starts sending itself."""
        token = self.batches.task_token(caller.org_id, batch.id)
        decision = self._decision(caller, batch, reason)
        if target is BatchStatus.approved:
            process = self.processes.get(caller.org_id, batch.process_id)
            organisation = self.organisations.get(caller.org_id)
            decision["content"] = content_digest(batch, process, organisation)
        decided = self.batches.transition(
            caller.org_id,
            batch.id,
            target,
            sources=[BatchStatus.pending_approval],
            set_values={"approval": decision, "status_reason": reason, "task_token": None},
        )
        if target is BatchStatus.rejected:
            self.workflow.close_all(decided, CardStatus.rejected)
        answered = token is not None and self.executions.answer(token, {"decision": target.value})
        if target is BatchStatus.approved and not answered:
            self.workflow.start_sending(caller.org_id, batch.id)
            return self.batches.get(caller.org_id, batch.id)
        return decided

    @staticmethod
    def _decision(caller: Caller, batch: Batch, reason: str | None) -> dict[str, Any]:
        return Approval(
            requested_at=batch.approval.requested_at,
            decided_by=caller.user_id,
            decided_by_email=caller.email,
            decided_at=now_iso(),
            reason=reason,
        ).model_dump()
