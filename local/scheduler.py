"""EventBridge Scheduler, fired locally: moto stores schedules but never runs them; this does.

Each pass lists the schedules of the template's schedule groups and, for every ``ENABLED`` one,
invokes its target function (asynchronously, as EventBridge invokes Lambda) once per scheduled time
that is due by the local clock (:mod:`local.clock`), in order, with the target's ``Input`` and its
``<aws.scheduler.…>`` placeholders filled in. The fire times come from
:mod:`dispatch.schedules.expressions`, the module the application previews with.

What EventBridge does and this keeps:

- A schedule fires from its creation or last update on (by the local clock): past times are not
  back-filled, for a new schedule whose ``StartDate`` is in the past, an updated one, or one
  re-enabled after being ``DISABLED`` (which fires nothing). Each scheduled time fires once.
- A rate schedule without ``StartDate`` starts at its creation (or update).
- ``ActionAfterCompletion: DELETE`` deletes the schedule once it has fired for the last time (an
  ``at()`` after its one fire; a recurring one past its ``EndDate``).
- A target that cannot be invoked (no such function, an ``Input`` that is not JSON) is an
  invocation failure: the event goes to the schedule's dead-letter queue with EventBridge's error
  attributes (not retried: both are errors EventBridge does not retry). A function that raises is
  not: Lambda accepted the asynchronous invocation, so as in AWS the failure is the function's own
  (the runtime logs it and, as it does for every asynchronous invocation, drops the event).

The template's own periodic schedules (SAM ``ScheduleV2`` events, such as the sweep's
``rate(5 minutes)``) fire the same way, except that a clock jump fires one of them once, at the
last time due: they are catch-up housekeeping, and a week's jump would otherwise run the sweep
2,016 times. A clock jump fires everything else due in one pass: what the fired functions change
takes effect from the end of the jump. ``fire_due`` is the synchronous pass for tests; the local
stack also runs it in a background thread, which looks every ``interval`` seconds whether a pass
is needed — the next fire time reached, the clock moved, or a schedule changed (``wake``: the stack
calls it on every write to the Scheduler API, :func:`watch_schedule_writes`) — and otherwise
sleeps: listing the schedules five times a second cost a benchmark 2,000 API calls per 1,000 cards.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from dispatch.schedules.expressions import InvalidExpression, fire_times
from local.clock import LocalClock
from local.metering import OBSERVER_AGENT
from local.template import REGION, Resolver

_log = logging.getLogger("local.scheduler")
_JUST_BEFORE = timedelta(microseconds=1)  # ``fire_times`` is strictly after: a fire at the anchor counts


@dataclass(frozen=True)
class ScheduleDefinition:
    """One EventBridge schedule, as GetSchedule describes it."""

    group: str
    name: str
    arn: str
    expression: str
    timezone: str
    state: str
    start: datetime | None
    end: datetime | None
    action_after_completion: str | None
    target_arn: str
    input: str | None
    dead_letter_arn: str | None
    modified: datetime  # real time of its creation or last update
    coalesce: bool = False  # a template's periodic schedule: a clock jump fires it once


def template_schedules(resolver: Resolver, created: datetime) -> list[ScheduleDefinition]:
    """The ``ScheduleV2`` events of the template's functions, as SAM would create them."""
    return [
        ScheduleDefinition(
            group="default",
            name=f"{logical_id}-{event_id}",
            arn=f"arn:aws:scheduler:{REGION}:{resolver.arn(logical_id).split(':')[4]}:schedule/default/"
            f"{logical_id}-{event_id}",
            expression=str(props["ScheduleExpression"]),
            timezone=str(props.get("ScheduleExpressionTimezone", "UTC")),
            state=str(props.get("State", "ENABLED")),
            start=None,
            end=None,
            action_after_completion=None,
            target_arn=resolver.arn(logical_id),
            input=str(props["Input"]) if "Input" in props else None,
            dead_letter_arn=None,
            modified=created,
            coalesce=True,
        )
        for logical_id, event_id, props in resolver.function_events("ScheduleV2")
    ]


class ScheduleSource(Protocol):
    """Where the schedules live (moto through boto3; a fake in unit tests)."""

    def schedules(self) -> list[ScheduleDefinition]: ...

    def delete(self, schedule: ScheduleDefinition) -> None: ...

    def dead_letter(self, queue_arn: str, body: str, attributes: dict[str, str]) -> None: ...


class Runtime(Protocol):
    """What runs the targets: :class:`local.lambdas.InProcessRuntime`."""

    @property
    def functions(self) -> Mapping[str, object]: ...

    def invoke_async(self, name: str, event: Any) -> None: ...

    def drain(self, timeout: float = 60.0) -> None: ...


def schedule_groups(resolver: Resolver) -> list[str]:
    """The names of the schedule groups template.yaml declares."""
    return [
        resolver.physical_name(logical_id)
        for logical_id, spec in resolver.resources.items()
        if spec["Type"] == "AWS::Scheduler::ScheduleGroup"
    ]


class SchedulerApi:
    """The schedules of some groups, through the EventBridge Scheduler API (moto's)."""

    def __init__(
        self, groups: list[str], endpoint: str | None, periodic: list[ScheduleDefinition] | None = None
    ) -> None:
        self._groups = groups
        self._periodic = periodic or []
        # EventBridge Scheduler's own listing and deleting: no request of the application's, and AWS
        # bills none of it, so the meter (local.metering) does not count it. Its dead letters it does.
        self._scheduler: Any = boto3.client(
            "scheduler",
            endpoint_url=endpoint,
            region_name=REGION,
            config=Config(user_agent_extra=OBSERVER_AGENT),
        )
        self._sqs: Any = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION)

    def schedules(self) -> list[ScheduleDefinition]:
        found = []
        for group in self._groups:
            for page in self._scheduler.get_paginator("list_schedules").paginate(GroupName=group):
                for summary in page["Schedules"]:
                    try:
                        described = self._scheduler.get_schedule(GroupName=group, Name=summary["Name"])
                    except ClientError as exc:  # deleted since the listing
                        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                            raise
                        continue
                    found.append(_definition(described))
        return found + self._periodic

    def delete(self, schedule: ScheduleDefinition) -> None:
        try:
            self._scheduler.delete_schedule(GroupName=schedule.group, Name=schedule.name)
        except ClientError as exc:  # the application deleted it first
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise

    def dead_letter(self, queue_arn: str, body: str, attributes: dict[str, str]) -> None:
        _, _, _, region, account, name = queue_arn.split(":")
        self._sqs.send_message(
            QueueUrl=f"https://sqs.{region}.amazonaws.com/{account}/{name}",
            MessageBody=body,
            MessageAttributes={
                key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()
            },
        )


def _definition(described: dict[str, Any]) -> ScheduleDefinition:
    target = described["Target"]
    return ScheduleDefinition(
        group=described["GroupName"],
        name=described["Name"],
        arn=described["Arn"],
        expression=described["ScheduleExpression"],
        timezone=described.get("ScheduleExpressionTimezone") or "UTC",
        state=described.get("State") or "ENABLED",
        start=_utc(described.get("StartDate")),
        end=_utc(described.get("EndDate")),
        action_after_completion=described.get("ActionAfterCompletion"),
        target_arn=target["Arn"],
        input=target.get("Input"),
        dead_letter_arn=(target.get("DeadLetterConfig") or {}).get("Arn"),
        modified=_utc(described.get("LastModificationDate")) or datetime.now(UTC),
    )


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


@dataclass
class _Tracked:
    """What the scheduler knows of a schedule beyond its definition."""

    definition: ScheduleDefinition
    anchor: datetime  # local time of its creation or last update: nothing before it fires
    last_fired: datetime | None = None
    finished: bool = False  # no fire time is left (or the expression cannot be evaluated)

    def fire_times(self, after: datetime | None = None) -> Iterator[datetime]:
        """Its fire times after the last one fired (or its anchor), and after ``after`` if given."""
        schedule = self.definition
        since = self.last_fired or self.anchor - _JUST_BEFORE
        return fire_times(
            schedule.expression,
            schedule.timezone,
            after=max(since, after) if after is not None else since,
            start=schedule.start or self.anchor,  # a rate without StartDate starts at creation
            end=schedule.end,
        )


class LocalScheduler:
    def __init__(
        self, source: ScheduleSource, runtime: Runtime, clock: LocalClock, interval: float = 0.2
    ) -> None:
        self._source = source
        self._runtime = runtime
        self._clock = clock
        self._interval = interval
        self._tracked: dict[tuple[str, str], _Tracked] = {}
        self._lock = threading.Lock()  # one pass at a time: the background thread's or a test's
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._changed = threading.Event()  # a schedule was written since the last pass
        self._changed.set()  # nothing is known before the first pass
        self._next_fire: datetime | None = None  # by the local clock, as of the last pass
        self._offset = clock.offset  # the clock's offset at the last pass: a jump needs a pass

    def fire_due(self, *, wait: bool = True, timeout: float = 60.0) -> int:
        """Invokes every schedule's targets due by the local clock and not yet fired; how many of
        the application's schedules this pass fired (the template's periodic ones are not
        counted). With ``wait``, returns once those invocations (and any queued before them, such
        as the background pass's) have run: ``clock.advance(…)`` then ``fire_due()``."""
        with self._lock:
            fired = self._pass()
        if wait:
            self._runtime.drain(timeout)
        return fired

    def advance(self, delta: timedelta, *, timeout: float = 60.0) -> int:
        """Moves the clock forward by ``delta`` and fires what became due, waiting for those runs;
        how many fired (all of them: no background pass can take some in between)."""
        with self._lock:
            self._clock.advance(delta)
            fired = self._pass()
        self._runtime.drain(timeout)
        return fired

    def overview(self) -> list[dict[str, Any]]:
        """Every schedule with its next fire by the local clock (None: disabled, or none left)."""
        now = self._clock.now()
        with self._lock:
            rows = []
            for tracked in self._observe():
                schedule = tracked.definition
                upcoming = None
                if schedule.state == "ENABLED" and not tracked.finished:
                    with suppress(InvalidExpression):
                        upcoming = next(tracked.fire_times(after=now), None)
                rows.append(
                    {
                        "group": schedule.group,
                        "name": schedule.name,
                        "state": schedule.state,
                        "expression": schedule.expression,
                        "timezone": schedule.timezone,
                        "next_fire": _scheduled_time(upcoming) if upcoming else None,
                    }
                )
        return sorted(rows, key=lambda row: (row["group"], row["name"]))

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="local-scheduler")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def wake(self) -> None:
        """A schedule was created, updated or deleted: the background thread passes at its next look."""
        self._changed.set()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            if not self.pass_needed():
                continue
            try:
                self.fire_due(wait=False)
            except Exception:  # the scheduler outlives a hiccup of the endpoint
                self._changed.set()  # look again next time
                _log.exception("firing the due schedules failed")

    def pass_needed(self) -> bool:
        """A schedule changed, the clock jumped, or the next fire time has come."""
        if self._changed.is_set() or self._clock.offset != self._offset:
            return True
        return self._next_fire is not None and self._next_fire <= self._clock.now()

    def _observe(self) -> list[_Tracked]:
        """The current schedules, tracked: a new or changed definition is (re)anchored at the local
        time of its creation or update, so nothing before that fires."""
        current = {}
        for schedule in self._source.schedules():
            key = (schedule.group, schedule.name)
            tracked = self._tracked.get(key)
            if tracked is None or tracked.definition != schedule:
                tracked = _Tracked(schedule, anchor=self._clock.local(schedule.modified))
            current[key] = tracked
        self._tracked = current
        return list(current.values())

    def _pass(self) -> int:
        self._changed.clear()  # a write from now on asks for another pass
        self._offset = self._clock.offset
        now = self._clock.now()
        fired = 0
        for tracked in self._observe():
            if tracked.definition.state != "ENABLED" or tracked.finished:
                continue
            try:
                times = tracked.fire_times()
                due: list[datetime] = []
                for moment in times:
                    if moment > now:
                        break
                    due.append(moment)
                else:
                    tracked.finished = True
                for moment in due[-1:] if tracked.definition.coalesce else due:
                    self._fire(tracked.definition, moment)
                    tracked.last_fired = moment
                    fired += not tracked.definition.coalesce  # housekeeping is not counted
                if due:
                    tracked.last_fired = due[-1]
            except InvalidExpression as exc:  # moto stores what EventBridge would have refused
                _log.warning("schedule %s cannot fire: %s", tracked.definition.arn, exc)
                tracked.finished = True
                continue
            schedule = tracked.definition
            if tracked.finished and tracked.last_fired and schedule.action_after_completion == "DELETE":
                self._source.delete(schedule)
                del self._tracked[(schedule.group, schedule.name)]
        self._next_fire = self._upcoming(now)
        return fired

    def _upcoming(self, now: datetime) -> datetime | None:
        """The earliest fire time after ``now`` of the schedules tracked (None: none is left)."""
        upcoming = None
        for tracked in self._tracked.values():
            if tracked.definition.state != "ENABLED" or tracked.finished:
                continue
            with suppress(InvalidExpression):
                moment = next(tracked.fire_times(after=now), None)
                if moment is not None and (upcoming is None or moment < upcoming):
                    upcoming = moment
        return upcoming

    def _fire(self, schedule: ScheduleDefinition, moment: datetime) -> None:
        execution = str(uuid.uuid4())
        context = {
            "<aws.scheduler.schedule-arn>": schedule.arn,
            "<aws.scheduler.scheduled-time>": _scheduled_time(moment),
            "<aws.scheduler.execution-id>": execution,
            "<aws.scheduler.attempt-number>": "1",
        }
        body = schedule.input if schedule.input is not None else "{}"
        for placeholder, value in context.items():
            body = body.replace(placeholder, value)
        function = _function_name(schedule.target_arn)
        if function not in self._runtime.functions:
            self._failed(schedule, body, context, "ResourceNotFoundException", "no such local function")
            return
        try:
            event = json.loads(body)
        except json.JSONDecodeError:
            self._failed(schedule, body, context, "InvalidRequestContentException", "the input is not JSON")
            return
        self._runtime.invoke_async(function, event)

    def _failed(
        self, schedule: ScheduleDefinition, body: str, context: dict[str, str], code: str, why: str
    ) -> None:
        _log.warning("schedule %s could not invoke %s: %s", schedule.arn, schedule.target_arn, why)
        if schedule.dead_letter_arn is None:
            return
        attributes = {
            "ERROR_CODE": code,
            "ERROR_MESSAGE": why,
            "EXECUTION_ID": context["<aws.scheduler.execution-id>"],
            "SCHEDULE_ARN": schedule.arn,
            "SCHEDULED_TIME": context["<aws.scheduler.scheduled-time>"],
            "TARGET_ARN": schedule.target_arn,
        }
        self._source.dead_letter(schedule.dead_letter_arn, body, attributes)


def _function_name(arn: str) -> str:
    """The function a Lambda target's ARN names (``arn:aws:lambda:…:function:NAME[:qualifier]``);
    empty for another kind of target, which the local scheduler cannot invoke."""
    parts = arn.split(":")
    return parts[6] if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function" else ""


def _scheduled_time(moment: datetime) -> str:
    """As EventBridge writes ``<aws.scheduler.scheduled-time>``: ISO-8601 UTC to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def watch_schedule_writes(on_write: Callable[[], None]) -> Callable[[], None]:
    """Call ``on_write`` after every request to this process's moto servers that writes to the
    EventBridge Scheduler API (any method but GET, signed for ``scheduler``); returns the undo."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.__call__

    def watched(app: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            return original(app, environ, start_response)
        finally:
            if environ.get("REQUEST_METHOD") != "GET" and "/scheduler/aws4_request" in environ.get(
                "HTTP_AUTHORIZATION", ""
            ):
                on_write()

    setattr(DomainDispatcherApplication, "__call__", watched)  # noqa: B010 - a patch, undone by the caller
    return lambda: setattr(DomainDispatcherApplication, "__call__", original)
