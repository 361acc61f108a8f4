"""The local scheduler against moto (decorator mode): schedules created through the real
EventBridge Scheduler API, as the application creates them, fire into a function by the local clock.

A small template provisioned like template.yaml (a schedule group, its dead-letter queue and role,
and a function that records what it receives); the last test checks the real template's pieces.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.clock import LocalClock
from local.lambdas import InProcessRuntime
from local.provision import Provisioner
from local.scheduler import LocalScheduler, SchedulerApi, schedule_groups
from local.template import REGION, Resolver

HANDLER = """
import json, pathlib

RECORD_TO = pathlib.Path(__file__).resolve().parent.parent / "records.jsonl"  # beside its folder

def lambda_handler(event, context):
    with open(RECORD_TO, "a") as out:
        out.write(json.dumps(event) + "\\n")
"""
INPUT = json.dumps({"schedule_id": "s1", "scheduled_time": "<aws.scheduler.scheduled-time>"})


def fragment() -> dict[str, Any]:
    return {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "test"},
            "SenderEmail": {"Type": "String", "Default": "sender@dispatch.test"},  # provisioning verifies it
        },
        "Resources": {
            "ScheduleGroup": {
                "Type": "AWS::Scheduler::ScheduleGroup",
                "Properties": {"Name": {"Fn::Sub": "batch-dispatch-${Stage}"}},
            },
            "ScheduleDeadLetterQueue": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": "batch-dispatch-test-schedule-dlq"},
            },
            "SchedulerRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"Service": "scheduler.amazonaws.com"},
                                "Action": "sts:AssumeRole",
                            }
                        ],
                    }
                },
            },
            "ScheduleFunction": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "target/",
                    "Handler": "app.lambda_handler",
                },
            },
        },
    }


class Local:
    """The fragment provisioned in moto, with a scheduler (not started: tests call fire_due)."""

    def __init__(self, root: Path) -> None:
        (root / "target").mkdir()
        (root / "target" / "app.py").write_text(HANDLER)
        self.record_to = root / "records.jsonl"
        self.resolver = Resolver(fragment())
        self.runtime = InProcessRuntime()
        Provisioner(root, self.resolver, None, self.runtime, {}, notifications=False).provision()
        self.group = self.resolver.resolve({"Ref": "ScheduleGroup"})
        self.clock = LocalClock()
        self.scheduler = LocalScheduler(
            SchedulerApi(schedule_groups(self.resolver), None), self.runtime, self.clock
        )
        self.client = boto3.client("scheduler", region_name=REGION)

    def create(self, name: str, expression: str, **request: Any) -> None:
        """As dispatch.schedules.scheduler creates them."""
        self.client.create_schedule(
            Name=name,
            GroupName=self.group,
            ScheduleExpression=expression,
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": request.pop("target_arn", self.resolver.arn("ScheduleFunction")),
                "RoleArn": self.resolver.resolve({"Fn::GetAtt": ["SchedulerRole", "Arn"]}),
                "Input": INPUT,
                "RetryPolicy": {"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 10},
                "DeadLetterConfig": {
                    "Arn": self.resolver.resolve({"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]})
                },
            },
            **request,
        )

    def scheduled_times(self) -> list[str]:
        if not self.record_to.exists():
            return []
        return [json.loads(line)["scheduled_time"] for line in self.record_to.read_text().splitlines()]

    def shutdown(self) -> None:
        self.runtime.shutdown()


@pytest.fixture
def local(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Local]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        built = Local(tmp_path)
        yield built
        built.shutdown()


def test_a_weekly_schedule_fires_three_times_in_three_weeks_of_the_local_clock(local: Local) -> None:
    # Far ahead, so the dates are fixed: 1 January 2100 is a Friday, Berlin is on winter time (UTC+1).
    local.clock.set(datetime(2100, 1, 1, tzinfo=UTC))
    local.create(
        "weekly",
        "cron(0 6 ? * WED *)",
        ScheduleExpressionTimezone="Europe/Berlin",
        StartDate=datetime(2100, 1, 2, tzinfo=UTC),
    )
    assert local.scheduler.fire_due() == 0
    local.clock.advance(timedelta(weeks=3))
    assert local.scheduler.fire_due() == 3
    assert local.scheduled_times() == ["2100-01-06T05:00:00Z", "2100-01-13T05:00:00Z", "2100-01-20T05:00:00Z"]
    assert local.scheduler.fire_due() == 0


def test_a_one_time_schedule_fires_once_then_eventbridge_deletes_it(local: Local) -> None:
    when = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    local.create("once", f"at({when:%Y-%m-%dT%H:%M:%S})", ActionAfterCompletion="DELETE")
    local.clock.advance(timedelta(days=3))
    assert local.scheduler.fire_due() == 1
    assert local.scheduled_times() == [f"{when:%Y-%m-%dT%H:%M:%S}Z"]
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        local.client.get_schedule(GroupName=local.group, Name="once")


def test_a_disabled_schedule_fires_nothing_and_re_enabled_does_not_back_fill(local: Local) -> None:
    local.create("hourly", "rate(1 hour)", State="DISABLED")
    local.clock.advance(timedelta(days=1))
    assert local.scheduler.fire_due() == 0
    described = local.client.get_schedule(GroupName=local.group, Name="hourly")
    local.client.update_schedule(
        Name="hourly",
        GroupName=local.group,
        ScheduleExpression="rate(1 hour)",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target=described["Target"],
        State="ENABLED",
    )
    assert local.scheduler.fire_due() == 1  # a rate without StartDate starts when it is enabled
    local.clock.advance(timedelta(hours=2))
    assert local.scheduler.fire_due() == 2
    assert local.scheduler.overview()[0]["state"] == "ENABLED"


def test_a_target_that_does_not_exist_sends_the_fire_to_the_dead_letter_queue(local: Local) -> None:
    missing = local.resolver.arn("ScheduleFunction") + "-gone"
    local.create("lost", "rate(5 minutes)", target_arn=missing)
    assert local.scheduler.fire_due() == 1
    sqs = boto3.client("sqs", region_name=REGION)
    [message] = sqs.receive_message(
        QueueUrl=local.resolver.queue_url("ScheduleDeadLetterQueue"), MessageAttributeNames=["All"]
    )["Messages"]
    attributes = {key: value["StringValue"] for key, value in message["MessageAttributes"].items()}
    assert attributes["ERROR_CODE"] == "ResourceNotFoundException"
    assert attributes["TARGET_ARN"] == missing
    assert json.loads(message["Body"])["scheduled_time"] == attributes["SCHEDULED_TIME"]
    assert local.scheduled_times() == []


def test_the_template_declares_the_group_role_and_dead_letter_queue_the_application_names(
    deployed: Any,  # tests/integration/conftest.py's Deployment
) -> None:
    resolver = deployed.resolver
    group = resolver.resolve({"Ref": "ScheduleGroup"})
    assert schedule_groups(resolver) == [group] == ["batch-dispatch-local"]
    assert deployed.client("scheduler").get_schedule_group(Name=group)["State"] == "ACTIVE"
    role = deployed.client("iam").get_role(RoleName=resolver.physical_name("SchedulerRole"))["Role"]
    assert role["Arn"] == resolver.resolve({"Fn::GetAtt": ["SchedulerRole", "Arn"]})
    queue = deployed.client("sqs").get_queue_attributes(
        QueueUrl=resolver.queue_url("ScheduleDeadLetterQueue"), AttributeNames=["QueueArn"]
    )
    assert queue["Attributes"]["QueueArn"] == resolver.resolve(
        {"Fn::GetAtt": ["ScheduleDeadLetterQueue", "Arn"]}
    )
    assert deployed.name("ScheduleFunction") in deployed.runtime.functions
