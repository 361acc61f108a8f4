"""The local stack's SQS event sources and SES event simulator, against moto (decorator mode).

A small template provisioned like template.yaml (SES configuration set → event destination → SNS
topic → raw subscription → queue with a dead-letter queue → a function's SQS event), with a
recording function that fails the records whose body asks it to.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import ses_events
from local.client import wait_for
from local.event_sources import EventSources, SqsEventSource
from local.lambdas import InProcessRuntime
from local.provision import Provisioner
from local.ses_events import EventDestination, SesEventSimulator
from local.template import REGION, Resolver

SENDER = "sender@dispatch.test"
HANDLER = """
import json, pathlib

RECORD_TO = pathlib.Path(__file__).resolve().parent.parent / "records.jsonl"  # beside its folder

def lambda_handler(event, context):
    with open(RECORD_TO, "a") as out:
        out.write(json.dumps(event["Records"]) + "\\n")
    if any(record["body"] == "crash" for record in event["Records"]):
        raise RuntimeError("the whole batch fails")
    failed = [record["messageId"] for record in event["Records"] if record["body"].startswith("fail-")]
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
"""


def fragment(visibility_timeout: int, window: int) -> dict[str, Any]:
    queue_arn = {"Fn::GetAtt": ["Queue", "Arn"]}
    return {
        "Parameters": {
            "Stage": {"Type": "String", "Default": "test"},
            "SenderEmail": {"Type": "String", "Default": SENDER},
        },
        "Resources": {
            "ConfigurationSet": {
                "Type": "AWS::SES::ConfigurationSet",
                "Properties": {"Name": "dispatch-test"},
            },
            "EventDestination": {
                "Type": "AWS::SES::ConfigurationSetEventDestination",
                "Properties": {
                    "ConfigurationSetName": {"Ref": "ConfigurationSet"},
                    "EventDestination": {
                        "Enabled": True,
                        "MatchingEventTypes": ["send", "delivery", "bounce", "complaint"],
                        "SnsDestination": {"TopicARN": {"Ref": "Topic"}},
                    },
                },
            },
            "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TopicName": "dispatch-test-events"}},
            "Subscription": {
                "Type": "AWS::SNS::Subscription",
                "Properties": {
                    "TopicArn": {"Ref": "Topic"},
                    "Protocol": "sqs",
                    "Endpoint": queue_arn,
                    "RawMessageDelivery": True,
                },
            },
            "Queue": {  # declared before its dead-letter queue: provisioning creates that first
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "QueueName": "dispatch-test-events",
                    "VisibilityTimeout": visibility_timeout,
                    "RedrivePolicy": {
                        "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetters", "Arn"]},
                        "maxReceiveCount": 2,
                    },
                },
            },
            "DeadLetters": {
                "Type": "AWS::SQS::Queue",
                "Properties": {"QueueName": "dispatch-test-events-dlq"},
            },
            "Consumer": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "CodeUri": "consumer/",
                    "Handler": "app.lambda_handler",
                    "Events": {
                        "Queued": {
                            "Type": "SQS",
                            "Properties": {
                                "Queue": queue_arn,
                                "BatchSize": 100,
                                "MaximumBatchingWindowInSeconds": window,
                                "FunctionResponseTypes": ["ReportBatchItemFailures"],
                            },
                        }
                    },
                },
            },
        },
    }


class Local:
    """The fragment provisioned in moto, with its pollers and SES event simulator (not started)."""

    def __init__(
        self,
        root: Path,
        visibility_timeout: int,
        window: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        (root / "consumer").mkdir()
        (root / "consumer" / "app.py").write_text(HANDLER)
        self.record_to = root / "records.jsonl"
        self.resolver = Resolver(fragment(visibility_timeout, window))
        self.runtime = InProcessRuntime()
        Provisioner(root, self.resolver, None, self.runtime, {}, notifications=False).provision()
        self.sources = EventSources(self.resolver, self.runtime, None, monotonic)
        self.ses = SesEventSimulator(self.resolver, None, delay=0.05, interval=0.05)
        self.sqs = boto3.client("sqs", region_name=REGION)

    def batches(self) -> list[list[dict[str, Any]]]:
        """The records of each invocation of the consumer, in order."""
        if not self.record_to.exists():
            return []
        return [json.loads(line) for line in self.record_to.read_text().splitlines()]

    def waiting(self, logical_id: str) -> int:
        """Messages in the queue, visible or not (counted without receiving them)."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.resolver.queue_url(logical_id),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def dead_letters(self) -> list[str]:
        url = self.resolver.queue_url("DeadLetters")
        return [m["Body"] for m in self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]

    def send(self, *bodies: str) -> None:
        for body in bodies:
            self.sqs.send_message(
                QueueUrl=self.resolver.queue_url("Queue"),
                MessageBody=body,
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}},
            )


@pytest.fixture
def local_factory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., Local]]:
    """``local_factory(visibility_timeout, window=0, monotonic=time.monotonic)``: with a visibility
    timeout of 0 a batching window would receive the same message again (AWS refuses that pairing;
    the test wants it). ``monotonic`` is the clock the pollers measure the batching window by."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield lambda visibility_timeout, window=0, monotonic=time.monotonic: Local(
            tmp_path, visibility_timeout, window, monotonic
        )


def test_the_template_wires_ses_events_through_the_topic_and_queue_to_the_events_function(
    deployed: Any,  # tests/integration/conftest.py's Deployment
) -> None:
    sqs, resolver = deployed.client("sqs"), deployed.resolver
    url = resolver.resolve({"Ref": "DeliveryEventsQueue"})
    dead_letters_arn = resolver.resolve({"Fn::GetAtt": ["DeliveryEventsDeadLetterQueue", "Arn"]})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "720"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": dead_letters_arn,
        "maxReceiveCount": 5,
    }
    assert resolver.resolve({"Fn::GetAtt": ["DeliveryEventsDeadLetterQueue", "QueueName"]}) == (
        "batch-dispatch-local-delivery-events-dlq"
    )
    topic = resolver.resolve({"Ref": "SesEventsTopic"})
    [subscription] = deployed.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert subscription["Endpoint"] == attributes["QueueArn"]
    raw = deployed.client("sns").get_subscription_attributes(SubscriptionArn=subscription["SubscriptionArn"])
    assert raw["Attributes"]["RawMessageDelivery"] == "true"

    sources = EventSources(resolver, deployed.runtime, None)
    agent_queue = resolver.resolve({"Ref": "AgentQueue"})
    assert sources.sources == [
        SqsEventSource(deployed.name("EventsFunction"), attributes["QueueArn"], url, 1000, 5.0, True),
        SqsEventSource(
            deployed.name("AgentsFunction"),
            resolver.resolve({"Fn::GetAtt": ["AgentQueue", "Arn"]}),
            agent_queue,
            10,
            0.0,
            True,
        ),
    ]
    # Provisioning makes sends keep their configuration set, so a simulator made later still sees it.
    deployed.client("sesv2").send_email(
        FromEmailAddress=resolver.parameters["SenderEmail"],
        Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
        Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
        ConfigurationSetName=resolver.resolve({"Ref": "SesConfigurationSet"}),
    )
    simulator = SesEventSimulator(resolver, None)
    assert simulator.destinations == [
        EventDestination(
            "batch-dispatch-local",
            topic,
            frozenset({"delivery", "bounce", "complaint", "reject"}),
        )
    ]
    assert simulator.publish_pending() == 1  # Delivery (Send is not published), through the topic
    assert sources.drain() == 1  # the real events function: an email without a card_id is ignored
    assert sources.idle()


def test_only_the_records_a_function_reports_as_failed_come_back_then_go_to_the_dead_letter_queue(
    local_factory: Callable[..., Local],
) -> None:
    local = local_factory(0)  # a failed message is visible again at once
    local.send("ok-1", "fail-1", "ok-2")

    assert local.sources.poll_once() == 3
    assert local.waiting("Queue") == 1  # the successes were deleted
    assert local.sources.poll_once() == 1  # received a second time: maxReceiveCount
    assert local.sources.poll_once() == 0  # the next receive moves it to the dead-letter queue
    assert local.waiting("Queue") == 0
    assert local.dead_letters() == ["fail-1"]

    first, second = local.batches()
    assert sorted(record["body"] for record in first) == ["fail-1", "ok-1", "ok-2"]
    assert [(r["body"], r["attributes"]["ApproximateReceiveCount"]) for r in second] == [("fail-1", "2")]
    record = first[0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == local.resolver.arn("Queue")
    assert record["awsRegion"] == REGION
    assert record["messageAttributes"]["kind"]["stringValue"] == "test"
    assert {"messageId", "receiptHandle", "md5OfBody", "md5OfMessageAttributes"} <= record.keys()
    assert {"SentTimestamp", "ApproximateFirstReceiveTimestamp"} <= record["attributes"].keys()


def _move_sqs_time_forward(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """moto's SQS counts visibility timeouts on unix_time_millis: from now on it reads ``seconds``
    later than real time (the local runtime's queue walk reads it from moto.core.utils)."""
    import moto.core.utils
    import moto.sqs.models

    real = moto.core.utils.unix_time_millis

    def later(dt: Any = None) -> float:
        return float(real(dt)) + seconds * 1000

    monkeypatch.setattr(moto.sqs.models, "unix_time_millis", later)
    monkeypatch.setattr(moto.core.utils, "unix_time_millis", later)


def test_a_function_error_deletes_nothing_and_a_failure_waits_out_the_visibility_timeout(
    local_factory: Callable[..., Local], monkeypatch: pytest.MonkeyPatch
) -> None:
    local = local_factory(60)
    local.send("ok-1", "crash")
    assert local.sources.poll_once() == 2
    assert local.sources.poll_once() == 0  # both in flight until the timeout
    _move_sqs_time_forward(monkeypatch, seconds=61)  # not a sleep: no race with a loaded machine
    assert local.sources.drain() == 2  # both again (the second failure waits out the timeout)
    assert [len(batch) for batch in local.batches()] == [2, 2]
    assert local.waiting("Queue") == 2


def test_a_batch_gathers_receives_of_ten_up_to_the_batch_size_within_the_window(
    local_factory: Callable[..., Local],
) -> None:
    local = local_factory(1, window=1, monotonic=lambda: 0.0)  # the window never runs out
    local.send(*(f"ok-{n}" for n in range(25)))
    assert local.sources.poll_once() == 25
    assert [len(batch) for batch in local.batches()] == [25]
    assert local.waiting("Queue") == 0


def test_a_batch_stops_gathering_once_the_window_has_passed(local_factory: Callable[..., Local]) -> None:
    readings = iter([0.0, 5.0])  # the window starts, then a first receive comes back past it
    local = local_factory(1, window=1, monotonic=lambda: next(readings))
    local.send(*(f"ok-{n}" for n in range(25)))
    assert local.sources.poll_once() == 10
    assert [len(batch) for batch in local.batches()] == [10]
    assert local.waiting("Queue") == 15


def test_a_patient_batch_gathers_through_a_quiet_moment_until_the_window_closes(
    local_factory: Callable[..., Local],
) -> None:
    """Lambda's poller waits its batching window out: messages that arrive after the queue was
    momentarily empty join the batch (the events function then counts each chunk once a batch)."""
    local = local_factory(60, window=5)
    # The window opens at 0 with the first receive and closes at 5; readings under a second before
    # its end make each receive a short one (no real long poll in the test).
    readings = iter([0.0, 4.2, 4.3, 4.5, 4.9, 4.95])

    def monotonic() -> float:
        reading = next(readings, 5.0)
        if reading == 4.5:  # after an empty receive, more events come
            local.send("ok-late-1", "ok-late-2")
        return reading

    local.sources = EventSources(local.resolver, local.runtime, None, monotonic)
    local.send("ok-1", "ok-2", "ok-3")
    assert local.sources.poll_once(patient=True) == 5
    assert [sorted(record["body"] for record in batch) for batch in local.batches()] == [
        ["ok-1", "ok-2", "ok-3", "ok-late-1", "ok-late-2"]
    ]
    assert local.waiting("Queue") == 0


def test_a_batch_ends_at_the_batch_size_without_waiting_for_the_window(
    local_factory: Callable[..., Local],
) -> None:
    local = local_factory(60, window=5)
    local.sources = EventSources(local.resolver, local.runtime, None, lambda: 0.0)  # never ends
    local.send(*(f"ok-{n}" for n in range(105)))
    assert local.sources.poll_once(patient=True) == 100  # the fragment's BatchSize
    assert local.waiting("Queue") == 5


def test_a_stack_may_scale_the_batching_windows(local_factory: Callable[..., Local]) -> None:
    local = local_factory(60, window=5)
    scaled = EventSources(local.resolver, local.runtime, None, window_scale=0.1)
    assert [source.window_seconds for source in scaled.sources] == [0.5]
    assert [source.window_seconds for source in local.sources.sources] == [5.0]


def test_ses_events_reach_the_queue_by_the_simulators_fate_with_the_email_tags(
    local_factory: Callable[..., Local],
) -> None:
    local = local_factory(0)
    sesv2 = boto3.client("sesv2", region_name=REGION)
    recipients = [
        "success@simulator.amazonses.com",
        "bounce+card-2@simulator.amazonses.com",
        "complaint@simulator.amazonses.com",
        "suppressionlist@simulator.amazonses.com",
        "ada@example.com",
    ]
    for n, recipient in enumerate(recipients):
        sesv2.send_email(
            FromEmailAddress=SENDER,
            Destination={"ToAddresses": [recipient]},
            Content={"Simple": {"Subject": {"Data": f"card {n}"}, "Body": {"Text": {"Data": "hello"}}}},
            ConfigurationSetName="dispatch-test",
            EmailTags=[{"Name": "card_id", "Value": f"card-{n}"}],
        )
    sesv2.send_email(  # no configuration set: SES publishes nothing
        FromEmailAddress=SENDER,
        Destination={"ToAddresses": ["quiet@example.com"]},
        Content={"Simple": {"Subject": {"Data": "x"}, "Body": {"Text": {"Data": "x"}}}},
    )

    assert local.ses.pending() == 5
    assert local.ses.publish_pending() == 5 + 5 + 1  # a Send each, a fate each, and the complaint
    assert local.ses.publish_pending() == 0  # each email's events are published once
    assert local.sources.drain() == 11

    events = [json.loads(record["body"]) for batch in local.batches() for record in batch]
    by_recipient: dict[str, list[str]] = {}
    for event in events:
        [recipient] = event["mail"]["destination"]
        by_recipient.setdefault(recipient, []).append(event["eventType"])
        assert event["mail"]["tags"]["card_id"] == [f"card-{recipients.index(recipient)}"]
        assert event["mail"]["tags"]["ses:configuration-set"] == ["dispatch-test"]
        assert event["mail"]["source"] == SENDER
    assert by_recipient == {
        "success@simulator.amazonses.com": ["Send", "Delivery"],
        "bounce+card-2@simulator.amazonses.com": ["Send", "Bounce"],
        "complaint@simulator.amazonses.com": ["Send", "Delivery", "Complaint"],
        "suppressionlist@simulator.amazonses.com": ["Send", "Bounce"],
        "ada@example.com": ["Send", "Delivery"],
    }
    bounces = {e["mail"]["destination"][0]: e["bounce"] for e in events if e["eventType"] == "Bounce"}
    assert bounces["bounce+card-2@simulator.amazonses.com"]["bounceType"] == "Permanent"
    assert bounces["bounce+card-2@simulator.amazonses.com"]["bounceSubType"] == "General"
    assert bounces["bounce+card-2@simulator.amazonses.com"]["bouncedRecipients"][0]["status"] == "5.1.1"
    assert bounces["suppressionlist@simulator.amazonses.com"]["bounceSubType"] == "OnAccountSuppressionList"
    [complaint] = [e["complaint"] for e in events if e["eventType"] == "Complaint"]
    assert complaint["complaintFeedbackType"] == "abuse"
    assert complaint["complainedRecipients"] == [{"emailAddress": "complaint@simulator.amazonses.com"}]
    [delivery] = [e for e in events if e["eventType"] == "Delivery" and "ada" in e["mail"]["destination"][0]]
    assert delivery["delivery"]["recipients"] == ["ada@example.com"]
    assert delivery["delivery"]["smtpResponse"].startswith("250")
    assert delivery["mail"]["commonHeaders"]["subject"] == "card 4"


def test_the_simulator_does_not_skip_an_email_recorded_before_its_send_was_captured(
    local_factory: Callable[..., Local],
) -> None:
    """A pass looks only at the emails after the last one handled; moto records an email just
    before the SendEmail patch captures what its events need, so one seen in between is not
    handled, and a later pass still publishes its events."""
    local = local_factory(0)
    sesv2 = boto3.client("sesv2", region_name=REGION)
    for n in range(3):
        sesv2.send_email(
            FromEmailAddress=SENDER,
            Destination={"ToAddresses": [f"user{n}@example.com"]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
            ConfigurationSetName="dispatch-test",
        )
    sent = ses_events._sent_messages()
    captured = sent[1].local_sent_email
    del sent[1].local_sent_email  # the second email as it is between moto's record and the capture
    assert local.ses.publish_pending() == 4  # the first and third: Send and Delivery each
    assert local.ses.publish_pending() == 0  # a pass while the second is still not captured
    sent[1].local_sent_email = captured
    assert local.ses.publish_pending() == 2
    assert local.ses.publish_pending() == 0
    assert local.ses.pending() == 0


def test_in_the_background_a_sent_email_becomes_a_handled_event_on_its_own(
    local_factory: Callable[..., Local],
) -> None:
    local = local_factory(0)
    local.sources.start()
    local.ses.start()
    try:
        boto3.client("sesv2", region_name=REGION).send_email(
            FromEmailAddress=SENDER,
            Destination={"ToAddresses": ["success@simulator.amazonses.com"]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}},
            ConfigurationSetName="dispatch-test",
        )
        wait_for(lambda: len([r for batch in local.batches() for r in batch]) == 2, timeout=60, interval=0.05)
        wait_for(lambda: not local.ses.pending() and local.sources.idle(), timeout=60, interval=0.05)
    finally:
        local.ses.stop()
        local.sources.stop()
    types = sorted(json.loads(r["body"])["eventType"] for batch in local.batches() for r in batch)
    assert types == ["Delivery", "Send"]
