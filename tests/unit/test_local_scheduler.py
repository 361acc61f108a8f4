"""The local clock and the local scheduler's bookkeeping, with fake schedules and a fake runtime.

Real time is frozen (``Real``) so that only the local clock moves: what fires is decided by the
clock alone, as in the local stack where a test advances it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from local.clock import LocalClock, parse_duration
from local.scheduler import LocalScheduler, ScheduleDefinition, template_schedules
from local.stack import LOCAL_PARAMETERS, ROOT
from local.template import Resolver, load

FUNCTION = "batch-dispatch-test-ScheduleFunction"
FUNCTION_ARN = f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:schedule-dlq"
INPUT = json.dumps(
    {
        "schedule_id": "s1",
        "scheduled_time": "<aws.scheduler.scheduled-time>",
        "execution": "<aws.scheduler.execution-id>",
        "attempt": "<aws.scheduler.attempt-number>",
    }
)
MONDAY = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # real time, frozen; a Monday


@dataclass
class Real:
    """Real time, moved by a test (as between the application's updates), and by a millisecond at
    each reading of the local clock: so a clock advance comes after the update before it, as it
    does in real time."""

    now: datetime = MONDAY

    def read(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@dataclass
class FakeSchedules:
    by_name: dict[str, ScheduleDefinition] = field(default_factory=dict)
    deleted: list[str] = field(default_factory=list)
    dead_letters: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def put(self, real: Real, name: str, expression: str, **changes: Any) -> ScheduleDefinition:
        """Create or update, as the application does through the API: modified is real now."""
        schedule = ScheduleDefinition(
            group="batch-dispatch-test",
            name=name,
            arn=f"arn:aws:scheduler:us-east-1:123456789012:schedule/batch-dispatch-test/{name}",
            expression=expression,
            timezone="UTC",
            state="ENABLED",
            start=None,
            end=None,
            action_after_completion=None,
            target_arn=FUNCTION_ARN,
            input=INPUT,
            dead_letter_arn=DLQ_ARN,
            modified=real.now,
        )
        self.by_name[name] = replace(schedule, **changes)
        return self.by_name[name]

    def schedules(self) -> list[ScheduleDefinition]:
        return list(self.by_name.values())

    def delete(self, schedule: ScheduleDefinition) -> None:
        self.deleted.append(schedule.name)
        del self.by_name[schedule.name]

    def dead_letter(self, queue_arn: str, body: str, attributes: dict[str, str]) -> None:
        self.dead_letters.append((queue_arn, body, attributes))


@dataclass
class FakeRuntime:
    functions: dict[str, object] = field(default_factory=lambda: {FUNCTION: object()})
    invoked: list[tuple[str, Any]] = field(default_factory=list)
    drained: int = 0

    def invoke_async(self, name: str, event: Any) -> None:
        self.invoked.append((name, event))

    def drain(self, timeout: float = 60.0) -> None:
        self.drained += 1

    def scheduled_times(self) -> list[str]:
        return [event["scheduled_time"] for _, event in self.invoked]


@dataclass
class World:
    real: Real
    clock: LocalClock
    schedules: FakeSchedules
    runtime: FakeRuntime
    scheduler: LocalScheduler


@pytest.fixture
def world() -> World:
    real = Real()
    clock = LocalClock(real=real.read)
    schedules, runtime = FakeSchedules(), FakeRuntime()
    return World(real, clock, schedules, runtime, LocalScheduler(schedules, runtime, clock))


# --- the clock ------------------------------------------------------------------------------------


def test_the_clock_is_real_time_plus_an_offset_that_only_moves_forward() -> None:
    real = Real()
    clock = LocalClock(real=lambda: real.now)
    assert clock.now() == MONDAY
    assert clock.advance(timedelta(days=7)) == MONDAY + timedelta(days=7)
    real.now += timedelta(seconds=5)
    assert clock.now() == MONDAY + timedelta(days=7, seconds=5)
    assert clock.set(MONDAY + timedelta(days=8)) == MONDAY + timedelta(days=8)
    assert clock.offset == timedelta(days=8) - timedelta(seconds=5)
    with pytest.raises(ValueError, match="never goes backwards"):
        clock.set(MONDAY)
    with pytest.raises(ValueError, match="never goes backwards"):
        clock.advance(timedelta(seconds=-1))


def test_a_real_instant_maps_through_the_offset_in_effect_then() -> None:
    real = Real()
    clock = LocalClock(real=lambda: real.now)
    before = real.now - timedelta(seconds=1)
    clock.advance(timedelta(days=1))
    real.now += timedelta(seconds=10)
    clock.advance(timedelta(days=1))
    assert clock.local(before) == before
    assert clock.local(MONDAY + timedelta(seconds=5)) == MONDAY + timedelta(days=1, seconds=5)
    assert clock.local(real.now) == real.now + timedelta(days=2)


def test_the_real_clock_is_the_default() -> None:
    now = datetime.now(UTC)
    assert abs(LocalClock().now() - now) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("7d", timedelta(days=7)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90m", timedelta(minutes=90)),
        ("2w", timedelta(weeks=2)),
        ("30s", timedelta(seconds=30)),
    ],
)
def test_durations(text: str, delta: timedelta) -> None:
    assert parse_duration(text) == delta


@pytest.mark.parametrize("text", ["", "7", "7x", "d", "1d 2h", "-1d"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


# --- the scheduler --------------------------------------------------------------------------------


def test_three_weeks_on_a_weekly_cron_fire_three_times_with_their_scheduled_times(world: World) -> None:
    world.schedules.put(world.real, "weekly", "cron(0 6 ? * WED *)")
    assert world.scheduler.fire_due() == 0
    world.clock.advance(timedelta(weeks=3))
    assert world.scheduler.fire_due() == 3
    assert world.runtime.scheduled_times() == [
        "2026-06-03T06:00:00Z",
        "2026-06-10T06:00:00Z",
        "2026-06-17T06:00:00Z",
    ]
    name, event = world.runtime.invoked[0]
    assert name == FUNCTION
    assert event["attempt"] == "1"
    assert len({event["execution"] for _, event in world.runtime.invoked}) == 3  # a uuid each
    assert world.runtime.drained == 2  # fire_due waits for what it invoked


def test_advance_moves_the_clock_and_fires_what_became_due(world: World) -> None:
    world.schedules.put(world.real, "daily", "cron(0 6 * * ? *)")
    assert world.scheduler.advance(timedelta(days=2)) == 2
    assert world.clock.offset == timedelta(days=2)
    assert world.runtime.drained == 1


def test_each_scheduled_time_fires_once(world: World) -> None:
    world.schedules.put(world.real, "hourly", "rate(1 hour)")
    assert world.scheduler.fire_due() == 1  # a rate without StartDate starts at its creation
    world.clock.advance(timedelta(minutes=90))
    assert world.scheduler.fire_due() == 1
    assert world.scheduler.fire_due() == 0
    assert world.runtime.scheduled_times() == ["2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z"]


def test_a_schedule_created_after_the_clock_moved_fires_from_then_on(world: World) -> None:
    world.clock.advance(timedelta(days=10))
    world.real.now += timedelta(seconds=1)
    world.schedules.put(world.real, "daily", "cron(0 6 * * ? *)")
    world.clock.advance(timedelta(days=1))
    assert world.scheduler.fire_due() == 1
    assert world.runtime.scheduled_times() == ["2026-06-12T06:00:00Z"]


def test_a_start_date_in_the_past_does_not_back_fill(world: World) -> None:
    world.schedules.put(world.real, "rate", "rate(1 hour)", start=MONDAY - timedelta(hours=5, minutes=30))
    world.clock.advance(timedelta(hours=1))
    assert world.scheduler.fire_due() == 1
    assert world.runtime.scheduled_times() == ["2026-06-01T09:30:00Z"]


def test_a_future_start_date_is_the_first_fire_of_a_rate(world: World) -> None:
    world.schedules.put(world.real, "rate", "rate(2 days)", start=MONDAY + timedelta(days=1))
    world.clock.advance(timedelta(days=4))
    assert world.scheduler.fire_due() == 2
    assert world.runtime.scheduled_times() == ["2026-06-02T09:00:00Z", "2026-06-04T09:00:00Z"]


def test_an_end_date_stops_a_recurring_schedule(world: World) -> None:
    world.schedules.put(world.real, "daily", "cron(0 6 * * ? *)", end=MONDAY + timedelta(days=2))
    world.clock.advance(timedelta(days=5))
    assert world.scheduler.fire_due() == 2
    assert world.schedules.deleted == []  # its action after completion is NONE


def test_a_one_time_schedule_fires_once_and_deletes_itself(world: World) -> None:
    world.schedules.put(world.real, "once", "at(2026-06-02T08:30:00)", action_after_completion="DELETE")
    world.clock.advance(timedelta(hours=12))
    assert world.scheduler.fire_due() == 0
    assert world.schedules.deleted == []
    world.clock.advance(timedelta(days=1))
    assert world.scheduler.fire_due() == 1
    assert world.schedules.deleted == ["once"]
    assert world.runtime.scheduled_times() == ["2026-06-02T08:30:00Z"]
    world.clock.advance(timedelta(days=1))
    assert world.scheduler.fire_due() == 0


def test_a_one_time_schedule_in_a_timezone_fires_at_its_wall_clock_time(world: World) -> None:
    world.schedules.put(world.real, "once", "at(2026-06-02T08:30:00)", timezone="America/New_York")
    world.clock.advance(timedelta(days=2))
    assert world.scheduler.fire_due() == 1
    assert world.runtime.scheduled_times() == ["2026-06-02T12:30:00Z"]
    assert world.scheduler.fire_due() == 0  # kept (no DELETE), never fires again
    assert world.schedules.deleted == []


def test_a_recurring_schedule_deletes_itself_after_its_last_fire(world: World) -> None:
    end = MONDAY + timedelta(days=2)
    world.schedules.put(world.real, "daily", "cron(0 6 * * ? *)", end=end, action_after_completion="DELETE")
    world.clock.advance(timedelta(days=1))
    assert world.scheduler.fire_due() == 1
    assert world.schedules.deleted == []  # its last fire is still to come
    world.clock.advance(timedelta(days=1))
    assert world.scheduler.fire_due() == 1
    assert world.schedules.deleted == ["daily"]


def test_a_disabled_schedule_fires_nothing_and_re_enabled_fires_from_then_on(world: World) -> None:
    world.schedules.put(world.real, "daily", "cron(0 6 * * ? *)", state="DISABLED")
    world.clock.advance(timedelta(days=3))
    assert world.scheduler.fire_due() == 0
    world.real.now += timedelta(seconds=1)
    world.schedules.put(world.real, "daily", "cron(0 6 * * ? *)")  # re-enabled: now 2026-06-04T09:00
    assert world.scheduler.fire_due() == 0  # the three missed mornings are not back-filled
    world.clock.advance(timedelta(days=1))
    assert world.scheduler.fire_due() == 1
    assert world.runtime.scheduled_times() == ["2026-06-05T06:00:00Z"]


def test_an_update_recomputes_from_the_update_without_back_filling(world: World) -> None:
    world.schedules.put(world.real, "daily", "cron(0 6 * * ? *)")
    world.clock.advance(timedelta(days=2))
    assert world.scheduler.fire_due() == 2
    world.real.now += timedelta(seconds=1)
    world.schedules.put(world.real, "daily", "cron(0 8 * * ? *)")  # at local 2026-06-03T09:00:01
    world.clock.advance(timedelta(days=1))
    assert world.scheduler.fire_due() == 1
    assert world.runtime.scheduled_times() == [
        "2026-06-02T06:00:00Z",
        "2026-06-03T06:00:00Z",
        "2026-06-04T08:00:00Z",  # not 2026-06-03T08:00, before the update
    ]


def test_a_deleted_schedule_stops_firing(world: World) -> None:
    schedule = world.schedules.put(world.real, "daily", "cron(0 6 * * ? *)")
    world.schedules.delete(schedule)
    world.clock.advance(timedelta(days=2))
    assert world.scheduler.fire_due() == 0


def test_a_target_that_cannot_be_invoked_goes_to_the_dead_letter_queue(world: World) -> None:
    missing = FUNCTION_ARN.replace(FUNCTION, "nope")
    world.schedules.put(world.real, "lost", "cron(0 6 * * ? *)", target_arn=missing)
    world.schedules.put(
        world.real, "garbled", "cron(0 6 * * ? *)", input="{not json <aws.scheduler.attempt-number>"
    )
    world.schedules.put(world.real, "quiet", "cron(0 6 * * ? *)", target_arn=missing, dead_letter_arn=None)
    world.clock.advance(timedelta(days=1))
    world.scheduler.fire_due()
    assert world.runtime.invoked == []
    by_code = {
        attributes["ERROR_CODE"]: (body, attributes) for _, body, attributes in world.schedules.dead_letters
    }
    assert set(by_code) == {"ResourceNotFoundException", "InvalidRequestContentException"}
    body, attributes = by_code["ResourceNotFoundException"]
    assert json.loads(body)["scheduled_time"] == "2026-06-02T06:00:00Z"
    assert attributes["SCHEDULED_TIME"] == "2026-06-02T06:00:00Z"
    assert attributes["TARGET_ARN"] == missing
    assert attributes["SCHEDULE_ARN"].endswith("/lost")
    assert by_code["InvalidRequestContentException"][0] == "{not json 1"


def test_an_expression_eventbridge_would_refuse_never_fires(world: World) -> None:
    world.schedules.put(world.real, "broken", "cron(0 6 * * * *)")
    world.clock.advance(timedelta(days=2))
    assert world.scheduler.fire_due() == 0
    assert world.scheduler.overview()[0]["next_fire"] is None


def test_the_overview_shows_the_next_fire_by_the_local_clock(world: World) -> None:
    world.schedules.put(world.real, "weekly", "cron(0 6 ? * WED *)", timezone="Europe/Berlin")
    world.schedules.put(world.real, "paused", "rate(1 hour)", state="DISABLED")
    world.clock.advance(timedelta(days=3))
    assert world.scheduler.overview() == [
        {
            "group": "batch-dispatch-test",
            "name": "paused",
            "state": "DISABLED",
            "expression": "rate(1 hour)",
            "timezone": "UTC",
            "next_fire": None,
        },
        {
            "group": "batch-dispatch-test",
            "name": "weekly",
            "state": "ENABLED",
            "expression": "cron(0 6 ? * WED *)",
            "timezone": "Europe/Berlin",
            "next_fire": "2026-06-10T04:00:00Z",  # the 3rd is due: the next pass fires it
        },
    ]


def test_a_periodic_schedule_of_the_template_fires_once_per_jump_at_the_last_time_due(world: World) -> None:
    world.schedules.put(world.real, "sweep", "rate(5 minutes)", coalesce=True)
    assert world.scheduler.fire_due() == 0  # housekeeping: fired, not counted
    assert world.runtime.scheduled_times() == ["2026-06-01T09:00:00Z"]  # at its creation
    world.clock.advance(timedelta(days=7))
    world.scheduler.fire_due()
    assert world.runtime.scheduled_times()[1:] == ["2026-06-08T09:00:00Z"]  # once, not 2,016 sweeps
    world.clock.advance(timedelta(minutes=5))
    world.scheduler.fire_due()
    assert world.runtime.scheduled_times()[2:] == ["2026-06-08T09:05:00Z"]


def test_the_templates_periodic_schedules_are_its_functions_schedule_v2_events() -> None:
    resolver = Resolver(load(ROOT / "template.yaml"), LOCAL_PARAMETERS)
    [sweep] = template_schedules(resolver, MONDAY)
    assert (sweep.name, sweep.expression, sweep.coalesce) == (
        "SweepFunction-EveryFiveMinutes",
        "rate(5 minutes)",
        True,
    )
    assert sweep.target_arn == resolver.arn("SweepFunction")
    assert json.loads(sweep.input or "") == {"scheduled_time": "<aws.scheduler.scheduled-time>"}


def test_the_background_pass_waits_for_the_next_fire_a_clock_jump_or_a_schedule_write(world: World) -> None:
    """Between fire times the background thread does not list the schedules (it did five times a
    second): a pass is needed when the next fire time comes, the clock jumps, or a schedule is
    written (``wake``)."""
    assert world.scheduler.pass_needed()  # nothing is known before the first pass
    world.schedules.put(world.real, "s1", "rate(5 minutes)")
    world.scheduler.fire_due()
    assert not world.scheduler.pass_needed()
    world.real.now += timedelta(minutes=4)
    assert not world.scheduler.pass_needed()
    world.real.now += timedelta(minutes=1)
    assert world.scheduler.pass_needed()  # the next fire time has come
    world.scheduler.fire_due()
    assert world.runtime.scheduled_times() == ["2026-06-01T09:00:00Z", "2026-06-01T09:05:00Z"]
    assert not world.scheduler.pass_needed()
    world.clock.advance(timedelta(seconds=1))
    assert world.scheduler.pass_needed()  # a jump, however small
    world.scheduler.fire_due()
    assert not world.scheduler.pass_needed()
    world.scheduler.wake()
    assert world.scheduler.pass_needed()  # the application wrote a schedule
    world.scheduler.fire_due()
    assert not world.scheduler.pass_needed()
    world.schedules.delete(world.schedules.by_name["s1"])
    world.scheduler.fire_due()
    world.real.now += timedelta(days=1)
    assert not world.scheduler.pass_needed()  # nothing left to fire
