"""Schedules over the API (PRODUCT §6): create, read, list "Upcoming", edit, pause, resume,
cancel (optionally saving a template), and preview what the next run would do.

Rules: a one-time entry can be edited or cancelled until it runs, and turned into a recurring
one; a recurring entry can be edited at any time unless its latest run is still processing;
paused entries stay in Upcoming, cancelled ones leave it; a cancelled entry cannot be resumed.
Every refusal is a 400 (bad input) or 409 (wrong state) and changes nothing: the entry is written
only after its timing is valid, with a condition on the version that was read.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from dispatch import aws
from dispatch.assignment.retrieval import idle_before
from dispatch.auth import Caller, Role
from dispatch.batches.approval import four_eyes
from dispatch.batches.models import BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.clock import isoformat
from dispatch.errors import Conflict, InvalidRequest
from dispatch.ids import new_id
from dispatch.ingest.models import Limits
from dispatch.ingest.validator import validate_file
from dispatch.organisations.models import OrganisationSettings
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.models import Process, ProcessState
from dispatch.processes.store import ProcessStore
from dispatch.schedules import timing as timings
from dispatch.schedules.models import (
    UPCOMING,
    Cancel,
    CancelledSchedule,
    Config,
    Distribution,
    FireTime,
    Retrieval,
    Schedule,
    ScheduleDetail,
    ScheduleEdit,
    ScheduleInput,
    SchedulePreview,
    ScheduleTemplate,
    ScheduleView,
    SendBatch,
    SourceFile,
    State,
    Timing,
    ValidationCounts,
    When,
    WouldDistribute,
    WouldRetrieve,
    WouldSend,
)
from dispatch.schedules.runs import Runner, newest_object, source_prefix
from dispatch.schedules.scheduler import Scheduler
from dispatch.schedules.store import ScheduleStore

PREVIEW_FILE_BYTES = 20 * 1024 * 1024  # larger source files are described, not validated, by a preview


@dataclass
class ScheduleService:
    schedules: ScheduleStore
    scheduler: Scheduler
    runner: Runner
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore

    def create(self, caller: Caller, body: ScheduleInput, now: datetime) -> ScheduleView:
        """A new entry — from a saved template (``template_id``: its name, configuration and
        timing, each of which the body may replace) or from the body alone."""
        caller.require(Role.admin)
        template = self.schedules.template(caller.org_id, body.template_id) if body.template_id else None
        name = body.name or (template.name if template else None)
        config = body.config or (template.config if template else None)
        when = body.when or (template.when if template else When())
        if name is None or config is None:  # ScheduleInput has them when it names no template
            raise InvalidRequest("give a name and a config, or a template_id")
        self._check_config(caller, config)
        timing = self._timing(caller, when, now)
        moment = isoformat(now)
        schedule = Schedule(
            id=new_id(now),
            org_id=caller.org_id,
            name=name,
            config=config,
            when=when,
            timing=timing,
            state=_state(when),
            created_by=caller.user_id,
            created_by_email=caller.email,
            created_at=moment,
            updated_at=moment,
            template_id=body.template_id,
            **_authored(caller, config),
        )
        self.schedules.create(schedule)
        if timing.mode == "immediate":
            self.runner.fire(caller.org_id, schedule.id, moment, now)
        else:
            self._arm(schedule)
        return self.view(self.schedules.get(caller.org_id, schedule.id), now)

    def get(self, caller: Caller, schedule_id: str, now: datetime) -> ScheduleDetail:
        schedule = self.schedules.get(caller.org_id, schedule_id)
        return ScheduleDetail.model_validate(
            {**dict(self.view(schedule, now)), "recent_runs": self.schedules.runs(schedule.id, 10)}
        )

    def listing(
        self, caller: Caller, upcoming_only: bool, limit: int, cursor: str | None, now: datetime
    ) -> tuple[list[ScheduleView], str | None]:
        """A page of the organisation's schedules, oldest first; "Upcoming" only the entries whose
        status is upcoming, in full pages (``limit`` entries unless it is the last)."""

        def upcoming(schedule: Schedule) -> bool:
            return self._status(schedule) in UPCOMING

        keep = upcoming if upcoming_only else None
        items, next_cursor = self.schedules.page(caller.org_id, upcoming_only, limit, cursor, keep=keep)
        return [self.view(item, now) for item in items], next_cursor

    def edit(self, caller: Caller, schedule_id: str, body: ScheduleEdit, now: datetime) -> ScheduleView:
        caller.require(Role.admin)
        schedule = self.schedules.get(caller.org_id, schedule_id)
        self._require_editable(schedule)
        changes: dict[str, Any] = {"updated_at": isoformat(now)}
        if body.name is not None:
            changes["name"] = body.name
        if body.config is not None:
            if body.config.kind != schedule.config.kind:
                raise InvalidRequest("the kind of a schedule cannot change; create another one")
            self._check_config(caller, body.config)
            changes["config"] = body.config
            changes.update(_authored(caller, body.config))
        if body.when is not None:
            if body.when.mode == "immediate":
                raise InvalidRequest("a scheduled entry cannot become immediate; cancel it and create one")
            if schedule.state is State.recurring and body.when.mode == "once":
                raise InvalidRequest("a recurring schedule cannot become one-time; cancel it and create one")
            changes["when"] = body.when
            changes["timing"] = self._timing(caller, body.when, now)
            if schedule.state is State.scheduled and body.when.mode == "recurring":
                changes["state"] = State.recurring
        saved = self.schedules.replace(schedule.model_copy(update=changes), schedule.version)
        self._arm(saved)
        return self.view(saved, now)

    def pause(self, caller: Caller, schedule_id: str, now: datetime) -> ScheduleView:
        return self._move(caller, schedule_id, {State.recurring}, State.recurring_paused, now)

    def resume(self, caller: Caller, schedule_id: str, now: datetime) -> ScheduleView:
        return self._move(caller, schedule_id, {State.recurring_paused}, State.recurring, now)

    def cancel(self, caller: Caller, schedule_id: str, body: Cancel, now: datetime) -> CancelledSchedule:
        """A one-time entry until it runs; a recurring one (paused or not) at any time. Its run in
        progress, if any, goes on; nothing fires again."""
        caller.require(Role.admin)
        schedule = self.schedules.get(caller.org_id, schedule_id)
        if schedule.state not in {State.scheduled, State.recurring, State.recurring_paused}:
            raise Conflict(
                f"the schedule is {schedule.state}; only an upcoming one can be cancelled",
                _state_details(schedule),
            )
        saved = self.schedules.replace(
            schedule.model_copy(update={"state": State.cancelled, "updated_at": isoformat(now)}),
            schedule.version,
        )
        self.scheduler.delete(saved)
        view = CancelledSchedule.model_validate(dict(self.view(saved, now)))
        if body.save_as_template:
            template = ScheduleTemplate(
                id=new_id(now),
                org_id=caller.org_id,
                name=body.template_name or saved.name,
                config=saved.config,
                when=saved.when,
                saved_by=caller.user_id,
                saved_by_email=caller.email,
                saved_at=isoformat(now),
            )
            self.schedules.save_template(template)
            view.template = template
        return view

    def templates(self, caller: Caller) -> list[ScheduleTemplate]:
        return list(self.schedules.templates(caller.org_id))

    def delete_template(self, caller: Caller, template_id: str) -> None:
        """A saved template is removed; schedules made from it keep their own copy."""
        caller.require(Role.admin)
        self.schedules.delete_template(caller.org_id, template_id)

    def preview(self, caller: Caller, schedule_id: str, count: int, now: datetime) -> SchedulePreview:
        """The next ``count`` fire times, and what a run would do if it fired now."""
        schedule = self.schedules.get(caller.org_id, schedule_id)
        zone = ZoneInfo(schedule.timing.timezone)
        fires = (
            [] if schedule.state is State.recurring_paused else timings.upcoming(schedule.timing, now, count)
        )
        return SchedulePreview(
            id=schedule.id,
            status=self._status(schedule),
            timing=schedule.timing,
            next_fires=[
                FireTime(utc=isoformat(moment), local=moment.astimezone(zone).strftime("%Y-%m-%dT%H:%M:%S%z"))
                for moment in fires
            ],
            would=self._would(schedule, now),
        )

    def view(self, schedule: Schedule, now: datetime) -> ScheduleView:
        processing = self.runner.processing(schedule) is not None
        status = _status(schedule, processing)
        upcoming = (
            []
            if schedule.state is State.recurring_paused
            else list(timings.upcoming(schedule.timing, now, 1))
        )
        next_fire = isoformat(upcoming[0]) if upcoming and status in UPCOMING else None
        return ScheduleView.model_validate(
            {**dict(schedule), "status": status, "next_fire": next_fire, "processing": processing}
        )

    def _status(self, schedule: Schedule) -> str:
        return _status(schedule, self.runner.processing(schedule) is not None)

    def _move(
        self, caller: Caller, schedule_id: str, sources: set[State], target: State, now: datetime
    ) -> ScheduleView:
        caller.require(Role.admin)
        schedule = self.schedules.get(caller.org_id, schedule_id)
        if schedule.state not in sources:
            raise Conflict(
                f"the schedule is {schedule.state}; this needs it to be {' or '.join(sorted(sources))}",
                _state_details(schedule),
            )
        resuming = target is State.recurring
        if resuming and not timings.upcoming(schedule.timing, now, 1):
            raise Conflict("the schedule has no fire time left; edit its timing first")
        saved = self.schedules.replace(
            schedule.model_copy(update={"state": target, "updated_at": isoformat(now)}), schedule.version
        )
        self._arm(saved)
        return self.view(saved, now)

    def _require_editable(self, schedule: Schedule) -> None:
        if schedule.state not in {State.scheduled, State.recurring, State.recurring_paused}:
            raise Conflict(
                f"the schedule is {schedule.state} and can no longer be changed", _state_details(schedule)
            )
        if schedule.state is not State.scheduled and self.runner.processing(schedule) is not None:
            raise Conflict(
                "the schedule is processing a run; change it when the run is done", {"status": "processing"}
            )

    def _arm(self, schedule: Schedule) -> None:
        """The EventBridge schedule follows the entry (created, replaced, disabled)."""
        self.scheduler.put(schedule)

    def _timing(self, caller: Caller, when: When, now: datetime) -> Timing:
        organisation = self.organisations.get(caller.org_id)
        return timings.resolve(when, organisation.timezone, now)

    def _check_config(self, caller: Caller, config: Config) -> None:
        if isinstance(config, SendBatch):
            batch = self.batches.get(caller.org_id, config.batch_id)
            if batch.status not in {BatchStatus.approved, BatchStatus.partially_sent}:
                raise Conflict(
                    "only an approved batch can be scheduled to send", {"status": batch.status.value}
                )
        elif isinstance(config, Distribution):
            process = self.processes.get(caller.org_id, config.process_id)
            if process.state is not ProcessState.live:
                raise Conflict("a distribution needs a live process", {"process_state": process.state.value})
            if config.standing_approval and four_eyes(process, self.organisations.get(caller.org_id)):
                raise Conflict(
                    "four-eyes approval is on for this process: the author of a schedule cannot approve "
                    "its batches in advance; leave standing_approval off and another approver approves "
                    "each run's batch",
                    {"four_eyes": True},
                )
            if config.contact_filter is not None:
                self.runner.communications().check_source(
                    caller, process.id, config.contact_filter, config.template, config.channels
                )
        else:
            assert isinstance(config, Retrieval)

    def _would(self, schedule: Schedule, now: datetime) -> WouldSend | WouldDistribute | WouldRetrieve:
        """What a run would do now, counted, without doing it."""
        config = schedule.config
        if isinstance(config, SendBatch):
            batch = self.batches.get(schedule.org_id, config.batch_id)
            ready = batch.counters.by_status.get("ready", 0)
            sendable = batch.status in {BatchStatus.approved, BatchStatus.partially_sent}
            return WouldSend(
                batch_id=batch.id, batch_status=batch.status.value, cards=ready if sendable else 0
            )
        if isinstance(config, Distribution):
            return self._would_distribute(schedule, config)
        assert isinstance(config, Retrieval)
        return WouldRetrieve(
            idle_days=config.idle_days,
            idle_before=idle_before(now, config.idle_days),
            cards=self.runner.retriever.count(schedule.org_id, config.idle_days, now),
        )

    def _would_distribute(self, schedule: Schedule, config: Distribution) -> WouldDistribute:
        if config.contact_filter is not None:
            matched = self.runner.communications().contacts.count(schedule.org_id, config.contact_filter)
            return WouldDistribute(source=None, note=f"{matched} contact(s) match the filter now")
        prefix = source_prefix(schedule.org_id, config.source_prefix)
        newest = newest_object(self.runner.settings.bucket, prefix)
        if newest is None:
            return WouldDistribute(source=None, note=f"no file under {prefix}: nothing to do")
        process = self.processes.get(schedule.org_id, config.process_id)
        organisation = self.organisations.get(schedule.org_id)
        approval = "as the process requires"
        if config.standing_approval:  # four-eyes, switched on since it was saved, overrides it
            approval = (
                "four-eyes: an approver other than the schedule's author"
                if four_eyes(process, organisation)
                else "standing approval"
            )
        would = WouldDistribute(
            source=SourceFile(
                key=str(newest["Key"]), bytes=int(newest["Size"]), modified=isoformat(newest["LastModified"])
            ),
            approval=approval,
        )
        if newest["Size"] > PREVIEW_FILE_BYTES:
            would.note = "the file is too large to validate in a preview; a run will"
            return would
        would.rows = _validate_counts(self.runner.settings.bucket, str(newest["Key"]), process, organisation)
        return would


def _status(schedule: Schedule, processing: bool) -> str:
    """The state, or ``processing`` while the latest run's batch is on its way — except for a
    paused entry, which shows that it is paused (its ``processing`` says the rest)."""
    if processing and schedule.state is not State.recurring_paused:
        return "processing"
    return schedule.state.value


def _state(when: When) -> State:
    """Immediate runs are one-time runs fired at once: they complete as they run."""
    return State.recurring if when.mode == "recurring" else State.scheduled


def _authored(caller: Caller, config: Config) -> dict[str, Any]:
    """Who set the configuration (the author of the batches its runs build) and, for a standing
    approval, who gave it: the caller, who must then be able to approve."""
    standing = isinstance(config, Distribution) and config.standing_approval
    if standing:
        caller.require(Role.approver)
    return {
        "configured_by": caller.user_id,
        "configured_by_email": caller.email,
        "standing_approval_by": caller.user_id if standing else None,
        "standing_approval_email": caller.email if standing else None,
    }


def _state_details(schedule: Schedule) -> dict[str, Any]:
    return {"state": schedule.state.value}


def _validate_counts(
    bucket: str, key: str, process: Process, organisation: OrganisationSettings
) -> ValidationCounts:
    """Validate the source file as a run would, keeping only the counts."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "source"
        aws.client("s3").download_file(bucket, key, str(path))
        result = validate_file(
            path,
            process.fields,
            region=organisation.default_phone_region,
            limits=Limits(max_bytes=PREVIEW_FILE_BYTES),
            on_accepted=lambda row: None,
            on_issue=lambda issue: None,
        )
    return ValidationCounts(
        outcome=result.outcome,
        reason=result.reason,
        rows=result.rows.data,
        accepted=result.rows.accepted,
        rejected=result.rows.rejected,
    )
