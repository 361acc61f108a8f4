"""SQS event sources: what Lambda's queue pollers do, for every function with an ``SQS`` event.

No moto event source mapping is created: moto would invoke the function inside ``SendMessage``,
synchronously, so a failing consumer would fail the SNS publish (or SES send) that fed the queue,
and there would be no visibility timeout, redelivery or dead-letter queue. Here a poller receives
from the queue like Lambda does, invokes the function with the real SQS event shape and deletes
only what succeeded; what failed becomes visible again after the queue's visibility timeout, and
SQS (moto honours the redrive policy) moves it to the dead-letter queue after ``maxReceiveCount``.

In the background (``start``) a poller gathers a batch as Lambda's does: from the first message
received it keeps receiving (up to 10 messages a receive) until the batch holds ``BatchSize``
messages or ``MaximumBatchingWindowInSeconds`` has passed — on a quiet queue it waits the window
out, so a lone event waits up to the window, and a stream of events makes batches of up to
``BatchSize`` rather than one per moment the queue is empty. A stack may scale the windows
(``window_scale``: the end-to-end tests' stack shortens them, as it shortens Step Functions' retry
waits). ``poll_once`` and ``drain``, synchronous, take what is on the queue now (up to
``BatchSize``, within the window): their caller decides when the time is up.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import boto3
from botocore.config import Config

from local.lambdas import FunctionError, InProcessRuntime
from local.metering import OBSERVER_AGENT
from local.template import REGION, Resolver

_log = logging.getLogger("local.event_sources")
SQS_MAX_RECEIVE = 10  # messages per ReceiveMessage call: SQS's limit
SQS_MAX_DELETE = 10  # entries per DeleteMessageBatch call
SQS_MAX_WAIT = 20  # seconds of a long poll: SQS's limit
PATIENT_POLL_SECONDS = 0.1  # between receives in a window's last second


@dataclass(frozen=True)
class SqsEventSource:
    """One ``SQS`` event of a function, resolved."""

    function: str
    queue_arn: str
    queue_url: str
    batch_size: int
    window_seconds: float
    reports_failures: bool


def sqs_event_sources(resolver: Resolver) -> list[SqsEventSource]:
    sources = []
    for logical_id, _, props in resolver.function_events("SQS"):
        if not props.get("Enabled", True):
            continue
        queue_arn = str(resolver.resolve(props["Queue"]))
        _, _, _, region, account, name = queue_arn.split(":")
        sources.append(
            SqsEventSource(
                function=resolver.physical_name(logical_id),
                queue_arn=queue_arn,
                queue_url=f"https://sqs.{region}.amazonaws.com/{account}/{name}",
                batch_size=int(props.get("BatchSize", 10)),
                window_seconds=float(props.get("MaximumBatchingWindowInSeconds", 0)),
                reports_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
            )
        )
    return sources


class EventSources:
    """The pollers of one deployment. ``start``/``stop`` run them in background threads (the local
    stack); ``poll_once`` and ``drain`` run them synchronously (integration tests, no threads)."""

    def __init__(
        self,
        resolver: Resolver,
        runtime: InProcessRuntime,
        endpoint: str | None,
        monotonic: Callable[[], float] = time.monotonic,
        window_scale: float = 1.0,
    ) -> None:
        """``monotonic`` measures the batching window (tests inject one: the window is a property of
        the gathering, not of how fast a busy machine receives); ``window_scale`` multiplies every
        source's window (1: the template's)."""
        self.sources = [
            replace(source, window_seconds=source.window_seconds * window_scale)
            for source in sqs_event_sources(resolver)
        ]
        self._monotonic = monotonic
        self._runtime = runtime
        self._sqs: Any = boto3.client("sqs", endpoint_url=endpoint, region_name=REGION)
        # ``idle`` is the local stack looking, not Lambda polling: the meter does not count it.
        self._watch: Any = boto3.client(
            "sqs", endpoint_url=endpoint, region_name=REGION, config=Config(user_agent_extra=OBSERVER_AGENT)
        )
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def poll_once(self, wait_seconds: int = 0, *, patient: bool = False) -> int:
        """One batch per event source; the number of messages handed to the functions. ``patient``:
        gathered as the background pollers do, until ``BatchSize`` or the end of the window."""
        return sum(self._poll(source, wait_seconds, patient=patient) for source in self.sources)

    def drain(self, max_batches: int = 1000) -> int:
        """Poll until no queue has a visible message; the number of messages handed over. A failed
        message comes back only after its visibility timeout, so with a timeout above zero it waits
        for a later drain; with zero it is received again at once until the redrive policy moves it
        to the dead-letter queue (``max_batches`` stops a queue without one from looping forever)."""
        handled = 0
        for _ in range(max_batches):
            received = self.poll_once()
            if not received:
                return handled
            handled += received
        raise RuntimeError(f"the event queues still had messages after {max_batches} batches")

    def idle(self) -> bool:
        """No queue holds a message, visible or in flight (being handled, or failed and waiting
        out its visibility timeout)."""
        for source in self.sources:
            counts = self._watch.get_queue_attributes(
                QueueUrl=source.queue_url,
                AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
            )["Attributes"]
            if any(int(value) for value in counts.values()):
                return False
        return True

    def start(self) -> None:
        for source in self.sources:
            thread = threading.Thread(
                target=self._run, args=(source,), daemon=True, name=f"sqs-poller-{source.function}"
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stops the pollers (each finishes its long poll, at most a second, and its batch)."""
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def _run(self, source: SqsEventSource) -> None:
        while not self._stopping.is_set():
            try:
                self._poll(source, wait_seconds=1, patient=True)
            except Exception:  # a poller outlives a hiccup of the endpoint, as Lambda's do
                if not self._stopping.is_set():
                    _log.exception("polling %s failed", source.queue_url)
                    self._stopping.wait(1)

    def _poll(self, source: SqsEventSource, wait_seconds: int, *, patient: bool = False) -> int:
        messages = list(self._gather(source, wait_seconds, patient=patient))
        if not messages or self._stopping.is_set():
            return 0  # stopping: what was gathered stays in flight, as when a poller goes away
        event = {"Records": [_record(message, source) for message in messages]}
        try:
            response = self._runtime.invoke(source.function, event)
        except FunctionError:
            return len(messages)  # logged by the runtime; the whole batch comes back after the timeout
        # Without ReportBatchItemFailures whatever the function returns means the batch succeeded.
        batch = {message["MessageId"] for message in messages}
        failed = _failed_ids(response, batch) if source.reports_failures else set()
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), SQS_MAX_DELETE):
            entries = [
                {"Id": str(n), "ReceiptHandle": message["ReceiptHandle"]}
                for n, message in enumerate(done[start : start + SQS_MAX_DELETE])
            ]
            self._sqs.delete_message_batch(QueueUrl=source.queue_url, Entries=entries)
        return len(messages)

    def _gather(
        self, source: SqsEventSource, wait_seconds: int, *, patient: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Receives up to ``BatchSize`` messages. The window opens with the first message received
        (the first receive waits up to ``wait_seconds`` for one). ``patient``: until the window
        closes, an empty receive is followed by another (Lambda's poller); otherwise the batch
        closes at the first empty receive."""
        wanted, wait, deadline = source.batch_size, wait_seconds, None
        while wanted > 0 and not self._stopping.is_set():
            if deadline is not None:
                remaining = deadline - self._monotonic()
                if remaining <= 0:
                    return
                wait = min(int(remaining), SQS_MAX_WAIT) if patient else 0
            received = self._sqs.receive_message(
                QueueUrl=source.queue_url,
                MaxNumberOfMessages=min(wanted, SQS_MAX_RECEIVE),
                WaitTimeSeconds=wait,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            yield from received
            wanted -= len(received)
            if deadline is None:
                if not received:
                    return
                deadline = self._monotonic() + source.window_seconds
            elif not received:
                if not patient:
                    return
                if wait == 0:  # less than a second of the window left: SQS waits whole seconds
                    self._stopping.wait(min(deadline - self._monotonic(), PATIENT_POLL_SECONDS))


def _failed_ids(response: Any, batch: set[str]) -> set[str]:
    """The message ids a ReportBatchItemFailures response names. As Lambda does, an identifier that
    is missing or not in the batch fails the whole batch; no response, or an empty list, is success."""
    failures = (response.get("batchItemFailures") if isinstance(response, dict) else None) or []
    ids = [item.get("itemIdentifier") if isinstance(item, dict) else None for item in failures]
    if any(not isinstance(identifier, str) or identifier not in batch for identifier in ids):
        return batch
    return {str(identifier) for identifier in ids}


def _record(message: dict[str, Any], source: SqsEventSource) -> dict[str, Any]:
    """One message as Lambda hands it over (its SQS event record)."""
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: _attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": source.queue_arn,
        "awsRegion": REGION,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute in the event's camelCase shape, binary values base64-encoded."""
    attribute: dict[str, Any] = {
        "dataType": value["DataType"],
        "stringListValues": [],
        "binaryListValues": [],
    }
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    return attribute
