"""A failed batch says why in words and can be resumed from where it stopped (PRODUCT §4 "failed …
with the reason"): generation again without a duplicate card, approval again where the batch was
never approved, sending again without re-sending a sent card."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from moto.ses.models import ses_backends

from dispatch.batches.models import BatchStatus
from dispatch.batches.store import BatchStore

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
SENDER = {**ADMIN, "sub": "sub-sender", "email": "sender@org-a.test", "cognito:groups": "sender"}
APPROVER = {**ADMIN, "sub": "sub-appr", "email": "approver@org-a.test", "cognito:groups": "approver"}
ROWS = "first_name,email\nAda,ada@example.com\nBob,bob@example.com\nCy,cy@example.com\n"
Walk = Any


@pytest.fixture
def chunk_rows() -> str:
    return "2"  # three recipients: two chunks, so a fault can stop a batch half-way


def _crash(error_type: str, message: str) -> dict[str, str]:
    """The ``$.error`` a state machine's Catch hands to MarkFailed for a function's error."""
    return {"Error": error_type, "Cause": json.dumps({"errorType": error_type, "errorMessage": message})}


def _resume(batch: Walk, caller: dict[str, Any] = SENDER) -> tuple[int, dict[str, Any]]:
    status, body = batch.deployed.api("POST", f"/batches/{batch.id}/resume", caller)
    return status, dict(body)


def _recipients() -> list[str]:
    return sorted(
        m.destinations["ToAddresses"][0] for m in ses_backends["123456789012"]["us-east-1"].sent_messages
    )


def test_a_batch_that_failed_in_generation_resumes_without_a_duplicate_card(
    walk: Callable[..., Walk],
) -> None:
    batch = walk(ROWS)
    batch.deployed.invoke("GenerateFunction", batch.chunk_task(0))
    batch.step("fail", error=_crash("KeyError", "'ada@example.com'"))
    failed = batch.get()
    assert failed["status"] == "failed"
    assert failed["status_reason"] == (
        "Generating the cards stopped: an unexpected error in the application (KeyError). "
        "Resume the batch to continue from where it stopped."
    )
    assert (failed["failure"]["stage"], failed["failure"]["resumable"]) == ("generation", True)
    assert "ada@example.com" not in json.dumps(failed)

    status, resumed = _resume(batch)
    assert (status, resumed["status"], resumed["failure"]) == (200, "generating", None)
    assert batch.runs("BatchStateMachine") == [batch.id, f"{batch.id}-resume-1"]
    assert _resume(batch)[0] == 409  # one resume per failure
    batch.generate()  # the resumed execution's Map: chunk 0 is skipped, chunk 1 generated
    cards = batch.deployed.client("dynamodb").scan(TableName=batch.deployed.name("CardsTable"))["Items"]
    assert len(cards) == 3
    assert batch.get()["counters"]["by_status"] == {"ready": 3}
    assert batch.step("after_generation") == {"approval_required": True, "hold": False}
    batch.step("request_approval", task_token="token-2")
    assert batch.get()["status"] == "pending_approval"  # never approved: a person still decides


def test_a_batch_that_failed_waiting_for_approval_asks_for_it_again(walk: Callable[..., Walk]) -> None:
    batch = walk(ROWS)
    batch.generate()
    batch.step("after_generation")
    batch.step("request_approval", task_token="token-1")
    batch.step("fail", error={"Error": "States.Runtime", "Cause": "The JSONPath '$.x' could not be found"})
    failed = batch.get()
    assert failed["failure"]["stage"] == "approval"
    assert failed["status_reason"].startswith("Waiting for approval stopped: the workflow could not use")
    assert batch.deployed.api("POST", f"/batches/{batch.id}/approve", APPROVER)[0] == 409
    assert _resume(batch)[1]["status"] == "generating"
    before = batch.deployed.client("dynamodb").scan(TableName=batch.deployed.name("CardsTable"))["Items"]
    batch.generate()  # every chunk was generated: nothing is written again
    after = batch.deployed.client("dynamodb").scan(TableName=batch.deployed.name("CardsTable"))["Items"]
    assert after == before
    batch.step("after_generation")
    batch.step("request_approval", task_token="token-2")
    assert batch.get()["status"] == "pending_approval"


def test_a_batch_that_failed_while_sending_resumes_and_never_resends_a_sent_card(
    walk: Callable[..., Walk],
) -> None:
    batch = walk(ROWS, approval_required=False)
    batch.generate()
    batch.step("after_generation")
    batch.step("start_sending")
    assert batch.send(0)["sent"] == 2
    throttled = (
        "An error occurred (ProvisionedThroughputExceededException) when calling the UpdateItem "
        "operation (reached max retries: 9): the level of configured provisioned throughput was exceeded"
    )
    batch.step("fail", error=_crash("ProvisionedThroughputExceededException", throttled))
    failed = batch.get()
    assert failed["status_reason"] == (
        "Sending stopped: AWS kept throttling the requests (ProvisionedThroughputExceededException "
        "on UpdateItem) beyond the retries. Resume the batch to continue from where it stopped."
    )
    status, resumed = _resume(batch)
    assert (status, resumed["status"]) == (200, "sending")
    assert batch.runs("BatchSendingStateMachine") == [f"{batch.id}-send-1", f"{batch.id}-send-2"]
    assert batch.send(0)["sent"] == 0
    assert batch.send(1)["sent"] == 1
    assert batch.step("finish_sending") == {"status": "sent"}
    assert _recipients() == ["ada@example.com", "bob@example.com", "cy@example.com"]


def test_only_a_failed_batch_that_got_past_validation_can_be_resumed(walk: Callable[..., Walk]) -> None:
    batch = walk(ROWS)
    status, body = _resume(batch)
    assert (status, body["error"]["details"]) == (409, {"status": "generating"})
    # Validation's own faults (and a clone's copy) fail the batch without a resumable stage.
    reason = "validation failed (OSError); upload the file again"
    BatchStore(batch.settings).transition(
        "org-a", batch.id, BatchStatus.failed, set_values={"status_reason": reason}
    )
    status, body = _resume(batch)
    assert status == 409
    assert (
        body["error"]["message"] == "this batch stopped before its cards could be made; upload the file again"
    )
    assert body["error"]["details"]["reason"] == reason
