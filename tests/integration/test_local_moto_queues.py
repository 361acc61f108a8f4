"""The local stack's fast path for moto's SQS queues (local/moto_guard.py ``fast_queues``) changes no
result: a message is deleted by its latest or an earlier receipt handle, a second delete is
harmless, an unknown handle is refused, and the queue's counts (visible, in flight, delayed) and
what a receive hands out are what they were."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.moto_guard import fast_queues


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    fast_queues()
    with mock_aws():
        client = boto3.client("sqs", region_name="us-east-1")
        url = client.create_queue(QueueName="q", Attributes={"VisibilityTimeout": "0"})["QueueUrl"]
        yield client, url


def counts(client: Any, url: str) -> dict[str, str]:
    names = [
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed",
    ]
    return dict(client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"])


def test_a_message_is_deleted_by_any_of_its_receipt_handles_once(sqs: tuple[Any, str]) -> None:
    client, url = sqs
    for body in ("a", "b", "c"):
        client.send_message(QueueUrl=url, MessageBody=body)
    first = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    again = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]  # timeout 0
    assert sorted(m["Body"] for m in first) == sorted(m["Body"] for m in again) == ["a", "b", "c"]
    handle = {m["Body"]: m["ReceiptHandle"] for m in first}  # the earlier handles

    client.delete_message(QueueUrl=url, ReceiptHandle=handle["b"])
    client.delete_message(QueueUrl=url, ReceiptHandle=handle["b"])  # a second delete is harmless
    latest = {m["Body"]: m["ReceiptHandle"] for m in again}
    deleted = client.delete_message_batch(QueueUrl=url, Entries=[{"Id": "1", "ReceiptHandle": latest["a"]}])
    assert [entry["Id"] for entry in deleted["Successful"]] == ["1"]

    left = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in left] == ["c"]
    with pytest.raises(ClientError) as refused:
        client.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")
    assert refused.value.response["Error"]["Code"] == "ReceiptHandleIsInvalid"


def test_counts_and_receives_see_visible_in_flight_and_delayed_messages(sqs: tuple[Any, str]) -> None:
    client, url = sqs
    client.send_message(QueueUrl=url, MessageBody="visible")
    client.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=900)
    client.send_message(QueueUrl=url, MessageBody="in flight")
    assert counts(client, url) == {
        "ApproximateNumberOfMessages": "2",
        "ApproximateNumberOfMessagesNotVisible": "0",
        "ApproximateNumberOfMessagesDelayed": "1",
    }
    [taken] = client.receive_message(QueueUrl=url, MaxNumberOfMessages=1, VisibilityTimeout=900)["Messages"]
    assert taken["Body"] == "visible"
    assert counts(client, url) == {
        "ApproximateNumberOfMessages": "1",
        "ApproximateNumberOfMessagesNotVisible": "1",
        "ApproximateNumberOfMessagesDelayed": "1",
    }
    received = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in received] == ["in flight"]  # not the delayed one, nor the one taken
