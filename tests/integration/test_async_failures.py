"""An asynchronous invocation that fails every retry ends in the template's on-failure queue
(EventInvokeConfig), with its event and error, instead of being dropped."""

from __future__ import annotations

import json
from typing import Any


def test_an_event_that_fails_every_retry_is_kept_in_the_async_failure_queue(deployed: Any) -> None:
    payload = {"export_id": "x"}  # no batch_id: the export function refuses it every time
    deployed.client("lambda").invoke(
        FunctionName=deployed.name("ExportFunction"), InvocationType="Event", Payload=json.dumps(payload)
    )
    deployed.runtime.drain(timeout=30)

    attempts = [name for name, _ in deployed.runtime.durations if name == deployed.name("ExportFunction")]
    assert len(attempts) == 3  # the first attempt and MaximumRetryAttempts: 2
    url = deployed.resolver.queue_url("AsyncFailureQueue")
    [message] = deployed.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestPayload"] == payload
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["responsePayload"]["errorType"]
