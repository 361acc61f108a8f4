"""Fault injection in the running local stack, at the AWS SDK boundary of its functions (issue 13).

The functions reach AWS through the cached boto3 clients of ``dispatch.aws``; :class:`FaultInjector`
registers botocore event handlers on exactly those clients, so a fault is what the function's
own call returns or does, wherever in the code it is made:

- ``before-call`` on SES v2 ``SendEmail`` and SNS ``Publish`` of the send function: throttling
  (429) or a 5xx answer in place of the call — what the function sees once the SDK's own retries
  are spent (the injected answer stands for the last of them, so they are not run);
- ``after-call`` on a ``SendEmail``/``Publish`` the provider accepted: the function's process
  dies right there (``Runtime.ExitError``) — the message is out, nothing after it runs;
- ``before-call`` on any DynamoDB operation of a state machine step (generate, send, lifecycle):
  ``ProvisionedThroughputExceededException`` or ``ThrottlingException`` surfacing from the call
  (after the SDK's retries), or the invocation running out of time there: the runtime ends it as
  Lambda would and Step Functions gets ``Sandbox.Timedout`` (:class:`local.lambdas.Aborted`).

A death (timeout, crash) is a ``BaseException`` in the function: its ``except Exception`` clean-ups
do not run, as they would not in a process that is gone.

:class:`FaultRun` drives batches with email and SMS rows through the stack's API and S3 — drop,
validation, generation, approval, sending — with an injector on, and :class:`Tally` counts what
came of it against the emulated providers' records of accepted messages (``python -m bench faults``
and ``tests/e2e/test_fault_tolerance.py``).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse

from dispatch import aws
from local import tokens
from local.client import ApiClient
from local.lambdas import Aborted
from local.stack import STATE_DIR, LocalStack
from local.template import ACCOUNT_ID, REGION

ROOT = Path(__file__).resolve().parent.parent
STEP_FUNCTIONS = ("GenerateFunction", "SendFunction", "LifecycleFunction")  # what the state machines run
FINAL = frozenset({"sent", "partially_sent", "failed", "invalid", "rejected", "expired"})
REACHED = frozenset({"sent", "delivered", "bounced"})
UNRESOLVED = frozenset({"sending", "unconfirmed"})
# A US phone number per SMS row: a valid area code, then seven digits counted up from a random start.
AREA_CODES = ("212", "312", "415", "617", "646", "718", "917")


@dataclass(frozen=True)
class FaultPlan:
    """The chance that one call meets each fault (a fault is drawn per call, in this order)."""

    ses_throttling: float = 0.20
    ses_5xx: float = 0.05
    ses_crash_after_acceptance: float = 0.003
    sns_throttling: float = 0.20
    sns_crash_after_acceptance: float = 0.003
    dynamodb_throughput: float = 0.01
    function_timeout: float = 0.002
    # Each kind's first chance is taken for sure: a short run meets every kind of fault, whatever
    # the draws (the bounded run in make test); the rest are drawn.
    every_kind: bool = False


KINDS = {
    "ses_throttling": "SES throttling (TooManyRequestsException, 429)",
    "ses_5xx": "SES 5xx (InternalFailure, 500)",
    "ses_crash_after_acceptance": "crash after SES accepted (Runtime.ExitError)",
    "sns_throttling": "SNS throttling (Throttled, 429)",
    "sns_crash_after_acceptance": "crash after SNS accepted (Runtime.ExitError)",
    "dynamodb_throughput": "DynamoDB throughput beyond the SDK's retries",
    "function_timeout": "function timeout (Sandbox.Timedout)",
}


class FaultInjector:
    """Draws and injects faults in the calls of the running functions; ``counts`` by kind."""

    def __init__(self, stack: LocalStack, plan: FaultPlan, seed: int) -> None:
        self.plan = plan
        self.counts: Counter[str] = Counter()
        self.enabled = False
        self._runtime = stack.runtime
        self._steps = {stack.function_name(logical_id) for logical_id in STEP_FUNCTIONS}
        self._sender = stack.function_name("SendFunction")
        self._random = random.Random(seed)  # noqa: S311 - fault draws, not security
        self._lock = threading.Lock()
        self._clients: list[Any] = []
        self._handlers = [
            ("before-call.sesv2.SendEmail", self._before_email),
            ("after-call.sesv2.SendEmail", self._after_email),
            ("before-call.sns.Publish", self._before_sms),
            ("after-call.sns.Publish", self._after_sms),
            ("before-call.dynamodb", self._before_dynamodb),
        ]

    @contextmanager
    def installed(self) -> Iterator[FaultInjector]:
        """Hooks on the functions' clients (created here if they are not yet) for the duration."""
        clients = [
            aws.client("sesv2"),
            aws.client("sns"),
            aws.client("dynamodb"),
            aws.dynamodb_resource().meta.client,
        ]
        for client in clients:
            for event, handler in self._handlers:
                client.meta.events.register(event, handler)
        try:
            yield self
        finally:
            self.enabled = False
            for client in clients:
                for event, handler in self._handlers:
                    client.meta.events.unregister(event, handler)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def _draw(self, *kinds: str) -> str | None:
        """One of ``kinds`` by its chance in the plan, or None; counted."""
        if not self.enabled:
            return None
        with self._lock:
            if self.plan.every_kind:
                for kind in kinds:
                    if not self.counts[kind]:
                        self.counts[kind] += 1
                        return kind
            roll = self._random.random()
            for kind in kinds:
                chance = float(getattr(self.plan, kind))
                if roll < chance:
                    self.counts[kind] += 1
                    return kind
                roll -= chance
        return None

    def _in_sender(self) -> bool:
        return self._runtime.current == self._sender

    def _before_email(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not self._in_sender():
            return None
        kind = self._draw("ses_throttling", "ses_5xx")
        if kind == "ses_throttling":
            return _answer(429, "TooManyRequestsException", "Maximum sending rate exceeded.")
        if kind == "ses_5xx":
            return _answer(500, "InternalFailure", "The request processing has failed.")
        return None

    def _after_email(self, http_response: AWSResponse, **_: Any) -> None:
        if self._in_sender() and http_response.status_code < 300 and self._draw("ses_crash_after_acceptance"):
            raise Aborted("Runtime.ExitError", "Runtime exited with error: signal: killed")

    def _before_sms(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if self._in_sender() and self._draw("sns_throttling"):
            return _answer(429, "Throttled", "Rate exceeded")
        return None

    def _after_sms(self, http_response: AWSResponse, **_: Any) -> None:
        if self._in_sender() and http_response.status_code < 300 and self._draw("sns_crash_after_acceptance"):
            raise Aborted("Runtime.ExitError", "Runtime exited with error: signal: killed")

    def _before_dynamodb(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if self._runtime.current not in self._steps:
            return None
        kind = self._draw("dynamodb_throughput", "function_timeout")
        if kind == "function_timeout":
            function = self._runtime.current
            raise Aborted("Sandbox.Timedout", f"{function}: Task timed out (at {model.name})")
        if kind == "dynamodb_throughput":
            code = self._random.choice(["ProvisionedThroughputExceededException", "ThrottlingException"])
            return _answer(400, code, "Rate of requests exceeds the allowed throughput.")
        return None


def _answer(status: int, code: str, message: str) -> tuple[AWSResponse, dict[str, Any]]:
    """An error answer as botocore parses it, with the SDK's retries spent."""
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": {}, "RetryAttempts": 4},
    }
    return AWSResponse("https://fault.local/", status, {}, None), parsed


@dataclass
class Tally:
    """What came of a fault run. ``ok``: no recipient messaged twice, no card lost or left ready,
    no card unsent for a reason (none is injected), counters equal to the cards, every batch
    ``sent``, and at least ``min_faults`` faults."""

    faults: Counter[str]
    min_faults: int
    batches: int
    recipients: int
    channels: Counter[str]
    messaged_twice: list[str]
    left_ready: int
    lost: int  # recorded as reached a provider, though no provider has a message for it
    missing: int  # rows with no card
    not_sent: Counter[str]  # failed, suppressed, error, … (a refusal was never injected)
    unconfirmed_accepted: int
    unconfirmed_not_accepted: int
    not_sent_batches: dict[str, str]
    counter_mismatches: dict[str, tuple[dict[str, int], dict[str, int]]]
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            sum(self.faults.values()) >= self.min_faults
            and not self.messaged_twice
            and self.left_ready == self.lost == self.missing == 0
            and not self.not_sent
            and not self.not_sent_batches
            and not self.counter_mismatches
        )

    def lines(self) -> list[str]:
        total = sum(self.faults.values())
        lines = [f"faults injected: {total:,} (at least {self.min_faults:,} wanted)"]
        lines += [f"  {KINDS[kind]:<52} {self.faults.get(kind, 0):>6,}" for kind in KINDS]
        email, sms = self.channels.get("email", 0), self.channels.get("sms", 0)
        lines += [
            f"batches: {self.batches}, recipients: {self.recipients:,} ({email:,} email, {sms:,} SMS), "
            f"{self.seconds:.0f} s",
            f"recipients messaged twice: {len(self.messaged_twice)}"
            + (f" ({', '.join(self.messaged_twice[:5])}…)" if self.messaged_twice else ""),
            f"cards lost or left ready: {self.left_ready + self.lost + self.missing} "
            f"(left ready {self.left_ready}, recorded as sent without a message {self.lost}, "
            f"rows without a card {self.missing})",
            f"cards not sent for a known reason: {sum(self.not_sent.values())}"
            + (f" {dict(self.not_sent)}" if self.not_sent else ""),
            f"cards unconfirmed (their sender died around the provider call): "
            f"{self.unconfirmed_accepted + self.unconfirmed_not_accepted} — the provider took "
            f"{self.unconfirmed_accepted}, {self.unconfirmed_not_accepted} never reached it",
            "batches not sent: "
            + (
                "none"
                if not self.not_sent_batches
                else "; ".join(f"{b}: {why}" for b, why in self.not_sent_batches.items())
            ),
            f"counters equal to cards: {str(not self.counter_mismatches).lower()}"
            + (f" {self.counter_mismatches}" if self.counter_mismatches else ""),
            "result: " + ("ok" if self.ok else "FAILED"),
        ]
        return lines


@dataclass
class FaultRun:
    """``batches`` batches of ``rows`` recipients each (``sms_share`` of them SMS-only) through the
    running stack with faults injected by ``plan``; ``tally()`` after ``run()``."""

    stack: LocalStack
    org: str
    batches: int
    rows: int
    plan: FaultPlan
    sms_share: float = 0.3
    seed: int = 13
    min_faults: int = 1
    timeout: float = 1800.0
    log: Callable[[str], None] = lambda line: None
    _tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    _recipients: dict[str, str] = field(default_factory=dict)  # address → channel
    _batch_ids: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)  # provider message ids from before the run
    _started: float = 0.0

    def run(self) -> Tally:
        self._started = time.monotonic()
        self._seen = {message_id for message_id, _ in _accepted_messages()}
        admin = self._client("admin")
        approver = self._client("approver")
        # The run texts US numbers on the real clock: with quiet hours on (the default), a run during
        # the recipients' night would leave its SMS cards waiting and its batches unsent. What it
        # measures is fault tolerance, so its organisation sends at any hour.
        admin.request("PUT", "/organisation", {"sms_quiet_hours": None})
        process = admin.post("/processes", _process())
        admin.post(f"/processes/{process['id']}/publish")
        injector = FaultInjector(self.stack, self.plan, self.seed)
        with injector.installed():
            injector.enabled = True
            self._drop(process["id"])
            self._approve_as_they_come(admin, approver)
            injector.enabled = False
        self.log("settling: delivery events, queues")
        self.stack.settle(timeout=600)
        return self._tally(admin, injector.counts)

    def _client(self, role: str) -> ApiClient:
        user = f"{role}@{self.org}.test"
        token = tokens.issue(STATE_DIR, user=user, role=role, org=self.org)
        # Invocations are serialised: a request waits while send functions ride out injected
        # throttling, minutes on a busy machine; the run's own deadline is the bound.
        return ApiClient(self.stack.api_url, token, timeout=self.timeout)

    def _drop(self, process_id: str) -> None:
        s3 = boto3.client("s3", endpoint_url=self.stack.aws_endpoint, region_name=REGION)
        draw = random.Random(self.seed)  # noqa: S311 - test data
        phone = draw.randrange(2_000_000, 9_000_000)
        for number in range(self.batches):
            lines = ["first_name,email,phone"]
            for row in range(self.rows):
                if draw.random() < self.sms_share:
                    phone += 1
                    address = f"+1{AREA_CODES[number % len(AREA_CODES)]}{phone}"
                    lines.append(f"R{row},,{address}")
                    self._recipients[address] = "sms"
                else:
                    address = f"r{row}-b{number}-{self._tag}@example.com"
                    lines.append(f"R{row},{address},")
                    self._recipients[address] = "email"
            key = f"drop/{process_id}/faults-{self._tag}-{number}.csv"
            s3.put_object(Bucket=self.stack.bucket, Key=key, Body="\n".join(lines).encode())
        self.log(f"dropped {self.batches} files of {self.rows} rows")

    def _approve_as_they_come(self, admin: ApiClient, approver: ApiClient) -> None:
        approved: set[str] = set()
        deadline = time.monotonic() + self.timeout
        while True:
            items = admin.get("/batches?limit=100")["items"]
            mine = [item for item in items if item["process_name"] == "Fault run"]
            self._batch_ids = [item["id"] for item in mine]
            for item in mine:
                if item["status"] == "pending_approval" and item["id"] not in approved:
                    approver.post(f"/batches/{item['id']}/approve")
                    approved.add(item["id"])
            final = [item for item in mine if item["status"] in FINAL]
            if len(mine) == self.batches and len(final) == self.batches:
                self.log(f"every batch finished: {Counter(item['status'] for item in final)}")
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"batches unfinished: {Counter(item['status'] for item in mine)}")
            time.sleep(1.0)

    def _tally(self, admin: ApiClient, faults: Counter[str]) -> Tally:
        messages: Counter[str] = Counter(
            recipient for message_id, recipient in _accepted_messages() if message_id not in self._seen
        )
        cards = boto3.resource("dynamodb", endpoint_url=self.stack.aws_endpoint, region_name=REGION).Table(
            self.stack.function_name("CardsTable")
        )
        tally = Tally(
            faults=Counter(faults),
            min_faults=self.min_faults,
            batches=len(self._batch_ids),
            recipients=len(self._recipients),
            channels=Counter(self._recipients.values()),
            messaged_twice=sorted(r for r in self._recipients if messages[r] > 1),
            left_ready=0,
            lost=0,
            missing=0,
            not_sent=Counter(),
            unconfirmed_accepted=0,
            unconfirmed_not_accepted=0,
            not_sent_batches={},
            counter_mismatches={},
            seconds=time.monotonic() - self._started,
        )
        for batch_id in self._batch_ids:
            batch = admin.get(f"/batches/{batch_id}")
            if batch["status"] != "sent":
                tally.not_sent_batches[batch_id] = f"{batch['status']}: {batch.get('status_reason')}"
            statuses: Counter[str] = Counter()
            for item in _items(cards, batch_id):
                status = str(item["status"])
                statuses[status] += 1
                recipient = str(item.get("email") or item.get("phone"))
                accepted = messages[recipient] > 0
                if status == "ready":
                    tally.left_ready += 1
                elif status in REACHED and not accepted:
                    tally.lost += 1
                elif status in UNRESOLVED:
                    if accepted:
                        tally.unconfirmed_accepted += 1
                    else:
                        tally.unconfirmed_not_accepted += 1
                elif status not in REACHED:
                    tally.not_sent[status] += 1
            tally.missing += max(0, self.rows - sum(statuses.values()))
            counted = {name: count for name, count in batch["counters"]["by_status"].items() if count}
            if counted != dict(statuses):
                tally.counter_mismatches[batch_id] = (counted, dict(statuses))
        tally.missing += max(0, self.batches - len(self._batch_ids)) * self.rows
        return tally


def _process() -> dict[str, Any]:
    import json

    body = json.loads((ROOT / "examples" / "process.json").read_text())
    return {**body, "name": "Fault run"}


def _items(table: Any, batch_id: str) -> Iterator[dict[str, Any]]:
    query: dict[str, Any] = {
        "KeyConditionExpression": "batch_id = :b",
        "ExpressionAttributeValues": {":b": batch_id},
        "ConsistentRead": True,
    }
    while True:
        page = table.query(**query)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _accepted_messages() -> list[tuple[str, str]]:
    """(message id, recipient) of every email and SMS the emulated providers accepted."""
    from moto.ses.models import ses_backends
    from moto.sns.models import sns_backends

    found = [
        (message.id, recipient)
        for message in ses_backends[ACCOUNT_ID][REGION].sent_messages
        for recipient in getattr(message, "destinations", {}).get("ToAddresses", [])
    ]
    found += [
        (message_id, phone)
        for message_id, (phone, _) in sns_backends[ACCOUNT_ID][REGION].sms_messages.items()
    ]
    return found
