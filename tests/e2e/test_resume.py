"""A fault that outlasts the state machines' retries stops a batch; the batch says why in words,
and a resume continues from where it stopped: approval again for a batch never approved, and never
a second message to anyone. The fault is a DynamoDB throughput error beyond the SDK's retries,
raised by a step of this test's organisation only (the stack is shared by the session) on every
attempt until the batch has failed (the session's stack scales the retry waits down)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dispatch.batches.workflow import Workflow
from local.client import ApiClient, wait_for
from local.stack import LocalStack

RECIPIENTS = 6
THROTTLED = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "Rate exceeded"}}
FINISHED = {"sent", "partially_sent", "failed"}


class Fault:
    """``Workflow.<step>`` raises for ``org`` on every attempt (past all retries) until healed;
    ``failed`` lists the batches it hit."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, step: str, org: str) -> None:
        self.failed: list[str] = []
        self.healed = False
        original = getattr(Workflow, step)

        def flaky(workflow: Workflow, org_id: str, batch_id: str, *args: Any, **kwargs: Any) -> Any:
            if org_id == org and not self.healed:
                if batch_id not in self.failed:
                    self.failed.append(batch_id)
                raise ClientError(THROTTLED, "UpdateItem")
            return original(workflow, org_id, batch_id, *args, **kwargs)

        monkeypatch.setattr(Workflow, step, flaky)

    def heal(self) -> None:
        self.healed = True


def _drop(stack: LocalStack, process: dict[str, Any], org: str) -> None:
    rows = "".join(f"P{n},p{n}-{org}@example.com\n" for n in range(RECIPIENTS))
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.put_object(
        Bucket=stack.bucket, Key=f"drop/{process['id']}/resume.csv", Body=f"first_name,email\n{rows}"
    )


def _status(client: ApiClient, *wanted: str) -> dict[str, Any]:
    def reached() -> Any:
        items = client.get("/batches")["items"]
        return items[0] if items and items[0]["status"] in wanted else None

    return dict(wait_for(reached, timeout=60))


def _recipients(stack: LocalStack, batch_id: str) -> list[str]:
    return sorted(m["recipient"] for m in stack.outbox().messages() if m["batch_id"] == batch_id)


def test_a_batch_stopped_while_sending_resumes_without_a_second_message(
    stack: LocalStack,
    admin: ApiClient,
    live_process: dict[str, Any],
    client_for: Callable[..., ApiClient],
    org: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fault = Fault(monkeypatch, "finish_sending", org)  # every card sent, then the fault
    _drop(stack, live_process, org)
    batch = _status(admin, "pending_approval")
    client_for(f"approver@{org}.test", "approver", org).post(f"/batches/{batch['id']}/approve")
    stopped = _status(admin, *FINISHED)
    fault.heal()
    assert fault.failed == [batch["id"]]
    assert stopped["status"] == "failed"
    assert stopped["status_reason"] == (
        "Sending stopped: AWS kept throttling the requests (ProvisionedThroughputExceededException "
        "on UpdateItem) beyond the retries. Resume the batch to continue from where it stopped."
    )
    resumed = client_for(f"sender@{org}.test", "sender", org).post(f"/batches/{batch['id']}/resume")
    assert resumed["status"] == "sending"
    done = _status(admin, *FINISHED)
    assert (done["status"], done["counters"]["sent"]) == ("sent", RECIPIENTS)
    stack.settle()
    assert _recipients(stack, batch["id"]) == sorted(f"p{n}-{org}@example.com" for n in range(RECIPIENTS))


def test_a_chunk_whose_round_of_retries_moved_nothing_stops_the_batch_with_its_cause(
    stack: LocalStack,
    admin: ApiClient,
    live_process: dict[str, Any],
    client_for: Callable[..., ApiClient],
    org: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A chunk gets another round of retries only while the last one moved cards on: a send task
    that fails on every attempt before sending anything is given up after one round, and the
    batch says why (the chunk's last fault, through the Map) — then resumes and is sent."""
    fault = Fault(monkeypatch, "send", org)
    _drop(stack, live_process, org)
    batch = _status(admin, "pending_approval")
    client_for(f"approver@{org}.test", "approver", org).post(f"/batches/{batch['id']}/approve")
    stopped = _status(admin, *FINISHED)
    fault.heal()
    assert stopped["status"] == "failed"
    assert stopped["status_reason"] == (
        "Sending stopped: AWS kept throttling the requests (ProvisionedThroughputExceededException "
        "on UpdateItem) beyond the retries. Resume the batch to continue from where it stopped."
    )
    assert stopped["counters"]["by_status"] == {"ready": RECIPIENTS}
    client_for(f"sender@{org}.test", "sender", org).post(f"/batches/{batch['id']}/resume")
    done = _status(admin, *FINISHED)
    assert (done["status"], done["counters"]["sent"]) == ("sent", RECIPIENTS)


def test_a_batch_stopped_before_approval_resumes_into_approval(
    stack: LocalStack,
    admin: ApiClient,
    live_process: dict[str, Any],
    client_for: Callable[..., ApiClient],
    org: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fault = Fault(monkeypatch, "after_generation", org)
    _drop(stack, live_process, org)
    stopped = _status(admin, "failed", "pending_approval")
    fault.heal()
    assert stopped["status_reason"].startswith("Generating the cards stopped: AWS kept throttling")
    assert stopped["failure"]["stage"] == "generation"
    client_for(f"sender@{org}.test", "sender", org).post(f"/batches/{stopped['id']}/resume")
    pending = _status(admin, "pending_approval", "failed", "sending", "sent")
    assert (pending["status"], pending["counters"]["cards"]) == ("pending_approval", RECIPIENTS)
    client_for(f"approver@{org}.test", "approver", org).post(f"/batches/{stopped['id']}/approve")
    done = _status(admin, *FINISHED)
    assert done["status"] == "sent"
    stack.settle()
    assert len(_recipients(stack, stopped["id"])) == RECIPIENTS
