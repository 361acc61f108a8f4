"""What a schedule does when it fires (PRODUCT §6), once per scheduled time.

A fire is keyed by schedule id + scheduled time: the run item is put only if absent, so a repeated
fire (EventBridge retries, at-least-once delivery) starts nothing new. A fire is then skipped, and
the skip recorded, when the entry is no longer active (paused, cancelled, already run), when it
arrives later than ``schedule_max_lateness_seconds`` after its time (after downtime), or when the
previous run's batch is still on its way (runs never overlap). Otherwise it does its kind's work:

- ``send_batch``: the approved batch starts sending its ready cards;
- ``distribution``: a new batch (id derived from the schedule and the scheduled time) from the
  newest file under the saved source prefix, with the saved process and settings, created by the
  schedule's author (and carrying their standing approval, if given): the file is copied to the
  batch's upload key, whose arrival starts validation as for any upload. With a contact filter as
  its source, the batch is a communication of the contacts the filter matches at that run
  (:meth:`dispatch.communications.service.CommunicationService.scheduled`);
- ``retrieval``: returns the cards assigned to agents and not worked for ``idle_days`` days to the
  pool (:mod:`dispatch.assignment.retrieval`), at once: the run is ``completed`` with the count in
  ``cards`` (``nothing_to_do`` when none was idle). A repeated fire retrieves nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dispatch import aws
from dispatch.assignment.retrieval import Retriever
from dispatch.batches.models import Batch, BatchKind, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.batches.workflow import Workflow
from dispatch.clock import isoformat, parse_iso
from dispatch.communications.service import CommunicationService
from dispatch.config import Settings
from dispatch.errors import Conflict, DispatchError, NotFound
from dispatch.ids import digest_entropy, time_sortable_id
from dispatch.observability import logger
from dispatch.processes.models import Process, ProcessState
from dispatch.processes.store import ProcessStore
from dispatch.schedules.models import Distribution, Retrieval, Run, Schedule, SendBatch, State
from dispatch.schedules.store import ScheduleStore

# A batch in these states is still on its way: a schedule whose latest run made it is processing.
ACTIVE = frozenset(
    {
        BatchStatus.uploading,
        BatchStatus.validating,
        BatchStatus.generating,
        BatchStatus.pending_approval,
        BatchStatus.sending,
    }
)
# What a run skipped for an overlap says of the previous run's batch, by its status.
OVERLAP_REASONS = {
    BatchStatus.uploading: "still waiting for its file (uploading)",
    BatchStatus.validating: "still being validated (validating)",
    BatchStatus.generating: "still generating its cards (generating)",
    BatchStatus.pending_approval: "waiting for approval (pending_approval)",
    BatchStatus.sending: "still sending (sending)",
}
SENDABLE = [BatchStatus.approved, BatchStatus.partially_sent]
SOURCES = "sources"  # distribution files live under sources/<org>/<prefix>


@dataclass
class Runner:
    settings: Settings
    schedules: ScheduleStore
    batches: BatchStore
    processes: ProcessStore
    workflow: Workflow
    retriever: Retriever
    communications: Callable[[], CommunicationService]

    def processing(self, schedule: Schedule) -> BatchStatus | None:
        """The status of the latest run's batch while it is still on its way (None: it is not —
        there is none, or it is finished)."""
        run = schedule.active_run
        if run is None or run.batch_id is None:
            return None
        try:
            status = self.batches.get(schedule.org_id, run.batch_id).status
        except NotFound:
            return None
        return status if status in ACTIVE else None

    def fire(self, org_id: str, schedule_id: str, scheduled_time: str, now: datetime) -> Run | None:
        """One fire; None for a repeated fire of a scheduled time already handled, or an entry gone."""
        try:
            schedule = self.schedules.get(org_id, schedule_id)
        except NotFound:
            logger.warning("fire for a schedule that no longer exists", schedule_id=schedule_id)
            return None
        moment = parse_iso(scheduled_time)
        run = Run(scheduled_for=isoformat(moment), started_at=isoformat(now), outcome="started")
        if not self.schedules.record_run(schedule.id, run):
            logger.info("repeated fire ignored", schedule_id=schedule_id, scheduled_for=run.scheduled_for)
            return None
        run = self._outcome(schedule, run, moment, now)
        self.schedules.update_run(schedule.id, run)
        self._remember(org_id, schedule_id, run)
        logger.info("schedule fired", schedule_id=schedule_id, outcome=run.outcome, batch_id=run.batch_id)
        return run

    def _outcome(self, schedule: Schedule, run: Run, moment: datetime, now: datetime) -> Run:
        if schedule.state not in {State.scheduled, State.recurring}:
            return run.model_copy(
                update={"outcome": "skipped_inactive", "detail": f"the schedule is {schedule.state}"}
            )
        late = now - moment
        if late > timedelta(seconds=self.settings.schedule_max_lateness_seconds):
            return run.model_copy(
                update={
                    "outcome": "skipped_late",
                    "detail": f"the fire came {int(late.total_seconds())} s late",
                }
            )
        blocking = self.processing(schedule)
        if blocking is not None:
            previous = schedule.active_run.batch_id if schedule.active_run else None
            return run.model_copy(
                update={
                    "outcome": "skipped_overlap",
                    "detail": f"the previous run's batch {previous} is {OVERLAP_REASONS[blocking]}",
                }
            )
        try:
            return self._execute(schedule, run, moment, now)
        except DispatchError as exc:
            return run.model_copy(update={"outcome": "failed", "detail": exc.message})

    def _execute(self, schedule: Schedule, run: Run, moment: datetime, now: datetime) -> Run:
        config = schedule.config
        if isinstance(config, SendBatch):
            batch = self.batches.get(schedule.org_id, config.batch_id)
            if batch.status not in SENDABLE:
                return run.model_copy(
                    update={"outcome": "nothing_to_do", "detail": f"the batch is {batch.status}"}
                )
            self.workflow.begin_sending(batch, sources=SENDABLE)
            return run.model_copy(update={"batch_id": batch.id})
        if isinstance(config, Distribution):
            return self._distribute(schedule, config, run, moment)
        assert isinstance(config, Retrieval)
        return self._retrieve(schedule, config, run, now)

    def _retrieve(self, schedule: Schedule, config: Retrieval, run: Run, now: datetime) -> Run:
        result = self.retriever.retrieve(schedule.org_id, config.idle_days, now)
        detail = f"{result.cards} card(s) not worked for {config.idle_days} days returned to the pool"
        if result.left:
            detail += f"; {result.left} worked or reassigned meanwhile, left alone"
        return run.model_copy(
            update={
                "outcome": "completed" if result.cards else "nothing_to_do",
                "detail": detail,
                "cards": result.cards,
            }
        )

    def _distribute(self, schedule: Schedule, config: Distribution, run: Run, moment: datetime) -> Run:
        process = self.processes.get(schedule.org_id, config.process_id)
        if process.state is not ProcessState.live:
            raise Conflict("the process is not live")
        name = f"{config.batch_name or schedule.name} {moment:%Y-%m-%d %H:%M}"
        batch_id = time_sortable_id(moment, digest_entropy(schedule.id, run.scheduled_for))
        if config.contact_filter is not None:
            return self._from_contacts(schedule, config, run, batch_id=batch_id, name=name, process=process)
        prefix = source_prefix(schedule.org_id, config.source_prefix)
        newest = newest_object(self.settings.bucket, prefix)
        if newest is None:
            return run.model_copy(update={"outcome": "nothing_to_do", "detail": f"no file under {prefix}"})
        file_name = str(newest["Key"]).rsplit("/", 1)[-1]
        batch = Batch.awaiting_upload(
            batch_id=batch_id,
            org_id=schedule.org_id,
            process_id=process.id,
            process_name=process.name,
            file_name=file_name,
            name=name,
            created_by=schedule.configured_by,  # the author: four-eyes compares approvers with them
            created_by_email=schedule.configured_by_email,
            created_at=run.started_at,
            auto_distribute=config.auto_distribute,
            standing_approval=schedule.standing_approval_by if config.standing_approval else None,
            standing_approval_email=schedule.standing_approval_email if config.standing_approval else None,
            schedule_id=schedule.id,
        )
        self.batches.create(batch)  # False for a batch this run already made: the copy below is idempotent
        aws.client("s3").copy_object(
            Bucket=self.settings.bucket,
            Key=batch.source_key,
            CopySource={"Bucket": self.settings.bucket, "Key": newest["Key"]},
        )
        return run.model_copy(update={"batch_id": batch.id, "detail": f"from {newest['Key']}"})

    def _from_contacts(
        self,
        schedule: Schedule,
        config: Distribution,
        run: Run,
        *,
        batch_id: str,
        name: str,
        process: Process,
    ) -> Run:
        """The run's communication: the contacts the filter matches now (none: nothing to do)."""
        communications = self.communications()
        if not communications.contacts.count(schedule.org_id, config.contact_filter):
            return run.model_copy(
                update={"outcome": "nothing_to_do", "detail": "the filter matched no contact"}
            )
        standing = config.standing_approval
        batch = Batch(
            id=batch_id,
            org_id=schedule.org_id,
            process_id=process.id,
            process_name=process.name,
            name=name,
            file_name=name,
            source_key=f"contacts:{batch_id}",
            created_by=schedule.configured_by,  # the author: four-eyes compares approvers with them
            created_by_email=schedule.configured_by_email,
            created_at=run.started_at,
            updated_at=run.started_at,
            status=BatchStatus.open,
            auto_distribute=config.auto_distribute,
            kind=BatchKind.communication,
            template=config.template,
            due_date=config.due_date.isoformat() if config.due_date else None,
            standing_approval=schedule.standing_approval_by if standing else None,
            standing_approval_email=schedule.standing_approval_email if standing else None,
            schedule_id=schedule.id,
        )
        made = communications.scheduled(batch, config.contact_filter, config.channels)
        assert made.communication is not None
        return run.model_copy(
            update={
                "batch_id": made.id,
                "detail": f"{made.communication.matched} contact(s) matched the filter",
            }
        )

    def _remember(self, org_id: str, schedule_id: str, run: Run) -> None:
        """The entry's latest run (and the one still on its way); a one-time entry that ran is done."""
        for _ in range(5):
            schedule = self.schedules.get(org_id, schedule_id)
            changes: dict[str, Any] = {"last_run": run, "runs": schedule.runs + 1}
            if run.batch_id is not None:
                changes["active_run"] = run
            if schedule.state is State.scheduled and run.outcome not in {"skipped_inactive"}:
                changes["state"] = State.completed
            try:
                self.schedules.replace(schedule.model_copy(update=changes), schedule.version)
            except Conflict:
                continue
            return
        raise Conflict("the schedule kept changing while its run was recorded")


def source_prefix(org_id: str, prefix: str) -> str:
    return f"{SOURCES}/{org_id}/{prefix.lstrip('/')}"


def newest_object(bucket: str, prefix: str) -> dict[str, Any] | None:
    """The most recently modified object under ``prefix`` (ties: the last key), or None."""
    newest: dict[str, Any] | None = None
    for page in aws.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            if str(item["Key"]).endswith("/"):
                continue  # a "folder" placeholder
            if newest is None or (item["LastModified"], item["Key"]) > (
                newest["LastModified"],
                newest["Key"],
            ):
                newest = item
    return newest
