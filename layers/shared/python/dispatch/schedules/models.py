"""Scheduled distributions and retrievals (PRODUCT §6): what runs, and when.

A schedule is one entry of the "Upcoming" list. Its ``state`` is stored; the status shown adds
``processing`` while the batch of its latest run is still on its way (see ``Schedule.status``).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from dispatch.batches.models import Channel
from dispatch.processes.models import TemplateSetName
from dispatch.views import View

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


class Kind(StrEnum):
    send_batch = "send_batch"
    distribution = "distribution"
    retrieval = "retrieval"


class State(StrEnum):
    scheduled = "scheduled"  # one-time, not yet run
    recurring = "recurring"
    recurring_paused = "recurring_paused"
    completed = "completed"  # one-time, has run
    cancelled = "cancelled"


UPCOMING = frozenset({"scheduled", "recurring", "recurring_paused", "processing"})


class SendBatch(View):
    """Send an approved batch (its ready cards) at the scheduled time."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[Kind.send_batch] = Kind.send_batch
    batch_id: str


class Distribution(View):
    """Each run builds a new batch from the newest file under ``sources/<org>/<source_prefix>`` —
    or, with a ``contact_filter``, a communication of the contacts the filter matches at that run
    (PRODUCT §8: "distribute tagged accounts after an event"; ``template``, ``channels`` and
    ``due_date`` as for ``POST /communications``) — with the saved process and settings; its
    creator is the schedule's author (who last set this configuration). ``standing_approval``: the
    author, who must hold the approver role, approves every run's batch in advance — refused
    under four-eyes, where the approver of a batch must be someone other than its creator (see
    :mod:`dispatch.batches.approval`)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[Kind.distribution] = Kind.distribution
    process_id: str
    source_prefix: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""
    batch_name: Name | None = None
    auto_distribute: bool = True
    standing_approval: bool = False
    contact_filter: dict[str, Any] | None = None
    template: TemplateSetName | None = None
    channels: list[Channel] | None = Field(default=None, min_length=1, max_length=3)
    due_date: date | None = None

    @model_validator(mode="after")
    def _safe_prefix(self) -> Self:
        if ".." in self.source_prefix.split("/") or self.source_prefix.startswith("/"):
            raise ValueError("source_prefix must be a relative path without '..'")
        if self.contact_filter is not None and self.source_prefix:
            raise ValueError(
                "a distribution's source is files (source_prefix) or contacts (contact_filter), not both"
            )
        if self.contact_filter is None and (self.template or self.channels or self.due_date):
            raise ValueError("template, channels and due_date are for a contact_filter source")
        if self.channels is not None and len(set(self.channels)) != len(self.channels):
            raise ValueError("each channel once")
        return self


class Retrieval(View):
    """Return cards assigned to agents and not worked for ``idle_days`` days to the pool."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal[Kind.retrieval] = Kind.retrieval
    idle_days: int = Field(ge=1, le=365)


Config = Annotated[SendBatch | Distribution | Retrieval, Field(discriminator="kind")]


class Frequency(StrEnum):
    hourly = "hourly"
    daily = "daily"
    weekly = "weekly"
    monthly = "monthly"
    cron = "cron"


class When(View):
    """``immediate`` (default), ``once`` at ``start_at``, or ``recurring`` from ``start_at``.

    ``start_at`` is a wall-clock time (no offset) in ``timezone`` (default: the organisation's).
    Weekly runs on ``weekdays`` (default: the start's weekday); monthly on ``day_of_month`` 1-28 or
    ``"last"`` (default: the start's day, if ≤ 28); ``cron`` is an EventBridge cron expression's six
    fields, e.g. ``"0 6 ? * MON-FRI *"``.
    """

    model_config = ConfigDict(extra="forbid")

    mode: Literal["immediate", "once", "recurring"] = "immediate"
    start_at: str | None = None
    timezone: str | None = None
    frequency: Frequency | None = None
    weekdays: list[Literal["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"]] | None = None
    day_of_month: Annotated[int, Field(ge=1, le=31)] | Literal["last"] | None = None
    cron: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class ScheduleInput(BaseModel):
    """The body of ``POST /schedules``: a name and a configuration (and the timing: immediate by
    default), or ``template_id``, a saved template whose name, configuration and timing are used
    where the body gives none."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    config: Config | None = None
    when: When | None = None
    template_id: str | None = None

    @model_validator(mode="after")
    def _given_or_from_a_template(self) -> Self:
        if self.template_id is None and (self.name is None or self.config is None):
            raise ValueError("give a name and a config, or a template_id")
        return self


class ScheduleEdit(BaseModel):
    """The body of ``PATCH /schedules/{id}``: any of name, configuration and timing."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    config: Config | None = None
    when: When | None = None


class Cancel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    save_as_template: bool = False
    template_name: Name | None = None


class Timing(View):
    """``when``, resolved: the EventBridge Scheduler expression, its timezone and first instant."""

    mode: Literal["immediate", "once", "recurring"]
    expression: str | None = None
    timezone: str
    start: str | None = None  # ISO-8601 UTC of the first possible fire
    description: str


class Run(View):
    """One fire of a schedule, keyed by its scheduled time (a repeated fire finds it). ``started``:
    its batch is on its way; ``completed``: the run did its work itself (a retrieval)."""

    scheduled_for: str
    started_at: str
    outcome: Literal[
        "started",
        "completed",
        "skipped_late",
        "skipped_overlap",
        "skipped_inactive",
        "nothing_to_do",
        "failed",
    ]
    detail: str = ""
    batch_id: str | None = None
    cards: int | None = None  # a retrieval: how many cards went back to the pool


class Schedule(View):
    """People are recorded by user id, with the email beside for display: ``created_by`` made the
    entry; ``configured_by`` last set its configuration and is the author (the creator) of the
    batches its runs build; ``standing_approval_by`` approved those batches in advance."""

    id: str
    org_id: str
    name: str
    config: Config
    when: When
    timing: Timing
    state: State
    created_by: str
    created_by_email: str | None = None
    configured_by: str
    configured_by_email: str | None = None
    created_at: str
    updated_at: str
    version: int = 1
    standing_approval_by: str | None = None  # the approver who approved every run's batch in advance
    standing_approval_email: str | None = None
    active_run: Run | None = None  # the latest run whose batch may still be on its way
    last_run: Run | None = None
    runs: int = 0
    template_id: str | None = None  # the saved template it was made from


class ScheduleTemplate(View):
    """A cancelled schedule's configuration, saved for later use."""

    id: str
    org_id: str
    name: str
    config: Config
    when: When
    saved_by: str
    saved_by_email: str | None = None
    saved_at: str


class ScheduleView(Schedule):
    """A schedule as the API shows it: ``status`` adds ``processing`` to the state while its run's
    batch is on its way; ``next_fire`` is the next fire time (UTC) of an upcoming one."""

    version: int = Field(default=1, exclude=True)
    status: str
    next_fire: str | None
    processing: bool = Field(description="the latest run's batch is still on its way (even if paused)")


class ScheduleDetail(ScheduleView):
    recent_runs: list[Run]


class CancelledSchedule(ScheduleView):
    template: ScheduleTemplate | None = Field(default=None, description="when saved as a template")


class FireTime(BaseModel):
    utc: str
    local: str = Field(description="in the schedule's timezone, with its offset")


class SourceFile(BaseModel):
    key: str
    bytes: int
    modified: str


class ValidationCounts(BaseModel):
    outcome: str
    reason: str | None
    rows: int
    accepted: int
    rejected: int


class WouldSend(View):
    action: Literal["send_batch"] = "send_batch"
    batch_id: str
    batch_status: str
    cards: int


class WouldDistribute(View):
    action: Literal["distribution"] = "distribution"
    source: SourceFile | None
    approval: str | None = None
    rows: ValidationCounts | None = None
    note: str | None = None


class WouldRetrieve(View):
    action: Literal["retrieval"] = "retrieval"
    idle_days: int
    idle_before: str
    cards: int


class SchedulePreview(BaseModel):
    """The next fire times, and what a run would do if it fired now."""

    id: str
    status: str
    timing: Timing
    next_fires: list[FireTime]
    would: Annotated[WouldSend | WouldDistribute | WouldRetrieve, Field(discriminator="action")]
