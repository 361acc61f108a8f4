"""EventBridge Scheduler behind one small class: one schedule per entry, in the stack's group.

The target is the schedule function; its input names the entry and carries EventBridge's own
``<aws.scheduler.scheduled-time>``, so every fire says which scheduled time it is (the run's key).
One-time schedules delete themselves after completion; a paused entry is ``DISABLED``.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.clock import parse_iso
from dispatch.config import Settings
from dispatch.schedules.models import Schedule, State

RETRY = {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10}


def fire_input(schedule: Schedule, scheduled_time: str = "<aws.scheduler.scheduled-time>") -> str:
    """The target's input: which schedule, of which organisation, for which scheduled time."""
    return json.dumps(
        {"org_id": schedule.org_id, "schedule_id": schedule.id, "scheduled_time": scheduled_time}
    )


class Scheduler:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def put(self, schedule: Schedule) -> None:
        """Create or replace the EventBridge schedule of an entry (its timing and state)."""
        timing = schedule.timing
        if timing.expression is None:
            return
        request: dict[str, Any] = {
            "Name": schedule.id,
            "GroupName": self._settings.schedule_group,
            "ScheduleExpression": timing.expression,
            "ScheduleExpressionTimezone": timing.timezone,
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "State": "DISABLED" if schedule.state is State.recurring_paused else "ENABLED",
            "Description": schedule.name[:512],
            "Target": {
                "Arn": self._settings.schedule_function_arn,
                "RoleArn": self._settings.scheduler_role_arn,
                "Input": fire_input(schedule),
                "RetryPolicy": RETRY,
                "DeadLetterConfig": {"Arn": self._settings.schedule_dead_letter_arn},
            },
        }
        if timing.mode == "once":
            request["ActionAfterCompletion"] = "DELETE"
        elif timing.start:
            request["StartDate"] = parse_iso(timing.start)
        client = aws.client("scheduler")
        try:
            client.update_schedule(**request)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            client.create_schedule(**request)

    def delete(self, schedule: Schedule) -> None:
        """Remove the entry's schedule; one already gone (a one-time schedule after its run) is fine."""
        try:
            aws.client("scheduler").delete_schedule(Name=schedule.id, GroupName=self._settings.schedule_group)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
