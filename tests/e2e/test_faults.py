"""Faults injected into the local stack's email provider while a batch goes through the real state
machines: a throttling storm and a burst of 5xx; a sender killed again and again. Every recipient
still gets exactly one message."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from moto.core.exceptions import JsonRESTError
from moto.sesv2.models import SESV2Backend

from dispatch import aws
from local.client import ApiClient, wait_for
from local.lambdas import Aborted
from local.stack import LocalStack

RECIPIENTS = 20


class Throttled(JsonRESTError):
    code = 429

    def __init__(self) -> None:
        super().__init__("TooManyRequestsException", "Maximum sending rate exceeded.")


class Unavailable(JsonRESTError):
    code = 500

    def __init__(self) -> None:
        super().__init__("InternalFailure", "The service is unavailable.")


@pytest.fixture
def flaky_provider(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first ten SendEmail calls are throttled, the next three fail with a 5xx."""
    calls = itertools.count(1)
    lock = threading.Lock()
    original = SESV2Backend.send_email
    faults: list[str] = []

    def send_email(self: SESV2Backend, *args: Any, **kwargs: Any) -> Any:
        with lock:
            call = next(calls)
        if call <= 10:
            faults.append("throttled")
            raise Throttled
        if call <= 13:
            faults.append("5xx")
            raise Unavailable
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SESV2Backend, "send_email", send_email)
    return faults


def _drop_and_approve(
    stack: LocalStack, admin: ApiClient, approver: ApiClient, process_id: str, org: str, recipients: int
) -> dict[str, Any]:
    """A batch of ``recipients`` emails dropped, approved, and followed until it stops sending."""
    rows = "".join(f"P{n},p{n}-{org}@example.com\n" for n in range(recipients))
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.put_object(Bucket=stack.bucket, Key=f"drop/{process_id}/faults.csv", Body=f"first_name,email\n{rows}")
    batch = wait_for(lambda: next(iter(admin.get("/batches")["items"]), None), timeout=60)
    wait_for(lambda: admin.get(f"/batches/{batch['id']}")["status"] == "pending_approval", timeout=60)
    approver.post(f"/batches/{batch['id']}/approve")
    return dict(
        wait_for(
            lambda: (
                (b := admin.get(f"/batches/{batch['id']}"))["status"] in {"sent", "partially_sent", "failed"}
                and b
            ),
            timeout=300,
        )
    )


def test_a_chunk_whose_sender_is_killed_on_every_attempt_is_sent_while_each_attempt_gets_further(
    stack: LocalStack,
    admin: ApiClient,
    live_process: dict[str, Any],
    client_for: Callable[..., ApiClient],
    org: str,
) -> None:
    """The send task dies right after every second message SES takes: 45 cards need over 20
    attempts, more than Step Functions' 16 (one and 15 retries). Each attempt moves cards on, so
    the chunk gets another round of retries instead of failing the batch with most of it sent."""
    recipients = 45
    sender = stack.function_name("SendFunction")
    accepted = itertools.count(1)
    kills: list[int] = []

    def die_after_every_second(http_response: Any, **_: Any) -> None:
        if stack.runtime.current == sender and http_response.status_code < 300 and next(accepted) % 2 == 0:
            kills.append(1)
            raise Aborted("Runtime.ExitError", "Runtime exited with error: signal: killed")

    ses = aws.client("sesv2")
    ses.meta.events.register("after-call.sesv2.SendEmail", die_after_every_second)
    try:
        approver = client_for(f"approver@{org}.test", "approver", org)
        done = _drop_and_approve(stack, admin, approver, live_process["id"], org, recipients)
    finally:
        ses.meta.events.unregister("after-call.sesv2.SendEmail", die_after_every_second)
    assert done["status"] == "sent", done.get("status_reason")
    assert len(kills) > 16  # more deaths than one round of retries could ride out
    stack.settle()  # SES's delivery events settle the cards whose sender died after acceptance
    mine = [m["recipient"] for m in stack.outbox().messages() if m["batch_id"] == done["id"]]
    assert len(mine) == len(set(mine))  # nobody twice
    # Every message SES took is a delivered card. A card the dying sender had claimed but not yet
    # handed to SES (its call was queued behind the one that killed it; more of them on a busy
    # machine) stays sending, for the sweep to flag unconfirmed and an approver to resend.
    never_reached = recipients - len(mine)
    settled = admin.get(f"/batches/{done['id']}")["counters"]["by_status"]
    assert settled == {"delivered": len(mine), **({"sending": never_reached} if never_reached else {})}


def test_a_throttling_storm_and_a_5xx_burst_send_every_card_once(
    stack: LocalStack,
    admin: ApiClient,
    live_process: dict[str, Any],
    client_for: Callable[..., ApiClient],
    org: str,
    flaky_provider: list[str],
) -> None:
    approver = client_for(f"approver@{org}.test", "approver", org)
    done = _drop_and_approve(stack, admin, approver, live_process["id"], org, RECIPIENTS)
    assert done["status"] == "sent", done.get("status_reason")  # the reason names a failed step's error
    assert Counter(flaky_provider) == {"throttled": 10, "5xx": 3}
    stack.settle()  # the (simulated) SES delivery events, then nothing in flight
    settled = admin.get(f"/batches/{done['id']}")["counters"]
    assert (settled["by_status"], settled["sent"]) == ({"delivered": RECIPIENTS}, RECIPIENTS)
    mine = [m["recipient"] for m in stack.outbox().messages() if m["batch_id"] == done["id"]]
    assert sorted(mine) == sorted(f"p{n}-{org}@example.com" for n in range(RECIPIENTS))
