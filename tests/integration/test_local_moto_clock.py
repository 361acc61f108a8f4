"""SQS message delays on the local clock (local/moto_clock.py): a ring_all round's timeout — a
message delayed by the round's timeout — is released when the local clock passes it, whether real
time did or not; visibility timeouts stay on real time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import boto3
import pytest
from moto import mock_aws

from local.clock import LocalClock
from local.moto_clock import sqs_delays_follow


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[object, str]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        yield sqs, sqs.create_queue(QueueName="agents")["QueueUrl"]
    sqs_delays_follow(LocalClock().now)  # the patch is process-wide: back to a clock with no offset


def _received(sqs: object, url: str) -> list[str]:
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)  # type: ignore[attr-defined]
    return [message["Body"] for message in messages.get("Messages", [])]


def test_a_delayed_message_is_released_by_the_local_clock(queue: tuple[object, str]) -> None:
    sqs, url = queue
    clock = LocalClock()
    sqs_delays_follow(clock.now)
    sqs.send_message(QueueUrl=url, MessageBody="round 1 lapsed", DelaySeconds=300)  # type: ignore[attr-defined]
    assert _received(sqs, url) == []
    clock.advance(timedelta(seconds=299))
    assert _received(sqs, url) == []
    clock.advance(timedelta(seconds=2))
    assert _received(sqs, url) == ["round 1 lapsed"]
    clock.advance(timedelta(hours=1))  # received and not deleted: hidden by real time, not the jump
    assert _received(sqs, url) == []
