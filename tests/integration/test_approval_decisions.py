"""Approval decisions: a rejection closes every unsent card on every path, and an approval racing
the approval timeout ends cleanly one way or the other — injected deterministically at the two
points where the race is decided (Step Functions answering the task token, and the expiry step)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from moto.stepfunctions.models import StepFunctionBackend
from moto.stepfunctions.parser.api import TaskTimedOut

APPROVER = {
    "sub": "sub-appr",
    "email": "approver@org-a.test",
    "cognito:groups": "approver",
    "custom:org_id": "org-a",
}
ROWS = "first_name,email\nAda,ada@example.com\nBob,bob@example.com\n"
Walk = Any


@pytest.fixture
def pending(walk: Callable[..., Walk]) -> Walk:
    """Two email cards generated, the batch waiting for approval on a task token."""
    batch = walk(ROWS)
    batch.generate()
    assert batch.step("after_generation") == {"approval_required": True, "hold": False}
    batch.step("request_approval", task_token="token-1")
    assert batch.get()["status"] == "pending_approval"
    return batch


@pytest.fixture
def timed_out_wait() -> Iterator[list[Callable[[], None]]]:
    """Step Functions answers the task token with TaskTimedOut: the wait timed out just after the
    decision's conditional move. Callables appended to the list run first — what else happens in
    that instant (the expiry step of the timed-out execution)."""
    meanwhile: list[Callable[[], None]] = []
    original = StepFunctionBackend.send_task_success

    def timed_out(self: StepFunctionBackend, task_token: str, outcome: str) -> None:
        for event in meanwhile:
            event()
        raise TaskTimedOut()

    StepFunctionBackend.send_task_success = timed_out  # type: ignore[method-assign]
    try:
        yield meanwhile
    finally:
        StepFunctionBackend.send_task_success = original  # type: ignore[method-assign]


def _close_chunks(batch: Walk, target: str) -> None:
    """What the cleanup state machine's Map runs for each chunk."""
    for chunk in batch.chunks():
        batch.step("close_chunk", chunk=chunk, target=target)


def test_rejecting_a_pending_batch_rejects_every_unsent_card(pending: Walk) -> None:
    status, rejected = pending.deployed.api(
        "POST", f"/batches/{pending.id}/reject", APPROVER, body={"reason": "wrong list"}
    )
    assert (status, rejected["status"]) == (200, "rejected")
    assert pending.runs("BatchCleanupStateMachine") == [f"{pending.id}-rejected"]
    _close_chunks(pending, "rejected")
    assert pending.get()["counters"]["by_status"] == {"rejected": 2}


def test_an_expired_batch_removes_its_unsent_cards(pending: Walk) -> None:
    pending.step("approval_expired")
    expired = pending.get()
    assert (expired["status"], expired["status_reason"]) == ("expired", "approval timed out")
    assert pending.runs("BatchCleanupStateMachine") == [f"{pending.id}-removed"]
    _close_chunks(pending, "removed")
    assert pending.get()["counters"]["by_status"] == {"removed": 2}


def test_an_approval_as_the_wait_times_out_wins_and_sends(
    pending: Walk, timed_out_wait: list[Callable[[], None]]
) -> None:
    """Approval first: its move wins, the execution has timed out, so the API starts sending; the
    timed-out execution's expiry step then finds the batch sending and starts nothing."""
    status, approved = pending.deployed.api("POST", f"/batches/{pending.id}/approve", APPROVER)
    assert (status, approved["status"]) == (200, "sending")
    assert pending.runs("BatchSendingStateMachine") == [f"{pending.id}-send-1"]
    pending.step("approval_expired")  # the execution's catch of States.Timeout
    assert pending.get()["status"] == "sending"
    assert pending.runs("BatchSendingStateMachine") == [f"{pending.id}-send-1"]
    assert pending.send(0)["sent"] == 2


def test_an_expiry_step_between_the_approval_and_its_answer_starts_sending_once(
    pending: Walk, timed_out_wait: list[Callable[[], None]]
) -> None:
    """The expiry step runs after the approval's move but before the API learns the wait timed out:
    expiry loses the conditional move and starts sending; the API finds it started."""
    timed_out_wait.append(lambda: pending.step("approval_expired"))
    status, approved = pending.deployed.api("POST", f"/batches/{pending.id}/approve", APPROVER)
    assert (status, approved["status"]) == (200, "sending")
    assert pending.runs("BatchSendingStateMachine") == [f"{pending.id}-send-1"]
    assert pending.get()["approval"]["decided_by"] == APPROVER["sub"]


def test_an_expiry_before_the_approval_wins_and_the_late_approval_is_refused(pending: Walk) -> None:
    pending.step("approval_expired")
    status, body = pending.deployed.api("POST", f"/batches/{pending.id}/approve", APPROVER)
    assert (status, body["error"]["details"]["status"]) == (409, "expired")
    assert pending.get()["status"] == "expired"
    assert pending.runs("BatchSendingStateMachine") == []


def test_a_rejection_as_the_wait_times_out_stands_and_closes_the_cards(
    pending: Walk, timed_out_wait: list[Callable[[], None]]
) -> None:
    status, rejected = pending.deployed.api(
        "POST", f"/batches/{pending.id}/reject", APPROVER, body={"reason": "not now"}
    )
    assert (status, rejected["status"]) == (200, "rejected")
    pending.step("approval_expired")
    assert pending.get()["status"] == "rejected"
    assert pending.runs("BatchCleanupStateMachine") == [f"{pending.id}-rejected"]
    assert pending.runs("BatchSendingStateMachine") == []
