"""Every state machine step is retried for any fault (statemachines/), so each is safe to run again
after it stopped at any point — here, its function dies (a crash, a timeout) right after one of its
writes, and Step Functions runs the step again: the second run finishes the work, writes nothing
twice, and a step whose batch moved on fails for good (``PermanentFailure``) instead of being
retried for minutes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dispatch.batches.execution import Executions
from dispatch.batches.store import BatchStore
from dispatch.cards.store import CardStore
from local.lambdas import FunctionError

ROWS = "first_name,email\nAda,ada@example.com\nBob,bob@example.com\nCy,cy@example.com\n"
Walk = Any
ADMIN_CLAIMS = {
    "sub": "sub-admin",
    "email": "admin@org-a.test",
    "cognito:groups": "admin",
    "custom:org_id": "org-a",
}


class Crash(BaseException):
    """The function's process dies: nothing after this point runs (a timeout, an out-of-memory exit)."""


def _die_after(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
    """``owner.name`` does its work, then the process dies — once."""
    original = getattr(owner, name)
    died: list[bool] = []

    def once(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        if not died:
            died.append(True)
            raise Crash
        return result

    monkeypatch.setattr(owner, name, once)


def _die_before(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> None:
    """The process dies as ``owner.name`` is called — once."""
    original = getattr(owner, name)
    died: list[bool] = []

    def once(*args: Any, **kwargs: Any) -> Any:
        if not died:
            died.append(True)
            raise Crash
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, once)


def test_sending_starts_when_its_step_died_between_the_status_and_the_execution(
    walk: Callable[..., Walk], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = walk(ROWS, approval_required=False)
    batch.generate()
    batch.step("after_generation")
    _die_before(monkeypatch, Executions, "start")
    with pytest.raises(Crash):
        batch.step("start_sending")
    assert batch.get()["status"] == "sending"  # the status moved; no execution sends it yet
    assert batch.runs("BatchSendingStateMachine") == []
    assert batch.step("start_sending") == {"send": True}  # Step Functions' retry
    assert batch.runs("BatchSendingStateMachine") == [f"{batch.id}-send-1"]
    assert batch.step("start_sending") == {"send": True}  # and again: still one run
    assert batch.runs("BatchSendingStateMachine") == [f"{batch.id}-send-1"]


def test_a_retried_approval_step_of_a_batch_it_approved_already_goes_on(
    walk: Callable[..., Walk], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = walk(ROWS, approval_required=False)
    batch.generate()
    _die_after(monkeypatch, BatchStore, "transition")
    with pytest.raises(Crash):
        batch.step("after_generation")
    assert batch.get()["status"] == "approved"
    assert batch.step("after_generation") == {"approval_required": False, "hold": False}
    assert batch.get()["status"] == "approved"


def test_expiry_closes_the_cards_when_its_step_died_after_expiring_the_batch(
    walk: Callable[..., Walk], monkeypatch: pytest.MonkeyPatch
) -> None:
    batch = walk(ROWS)
    batch.generate()
    batch.step("after_generation")
    batch.step("request_approval", task_token="token-1")
    _die_after(monkeypatch, BatchStore, "transition")
    with pytest.raises(Crash):
        batch.step("approval_expired")
    assert batch.get()["status"] == "expired"
    assert batch.runs("BatchCleanupStateMachine") == []  # its cards would stay ready
    batch.step("approval_expired")
    assert batch.runs("BatchCleanupStateMachine") == [f"{batch.id}-removed"]


@pytest.mark.parametrize("die", [_die_before, _die_after], ids=["before", "after"])
def test_a_chunk_whose_generation_died_around_its_counting_is_generated_once_and_whole(
    walk: Callable[..., Walk], monkeypatch: pytest.MonkeyPatch, die: Callable[..., None]
) -> None:
    batch = walk(ROWS)
    die(monkeypatch, BatchStore, "settle_chunk")  # the chunk's marker: its last write
    with pytest.raises(Crash):
        batch.deployed.invoke("GenerateFunction", batch.chunk_task(0))
    assert batch.deployed.invoke("GenerateFunction", batch.chunk_task(0)) == {"cards": 3, "errors": 0}
    assert batch.deployed.invoke("GenerateFunction", batch.chunk_task(0)) == {"cards": 3, "errors": 0}
    stored = batch.stored()
    assert stored.counters.by_status == {"ready": 3}
    assert len(list(CardStore(batch.settings).in_rows(batch.id, 0, 10**7))) == 3
    assert BatchStore(batch.settings).deliveries(batch.id) == {"email": 3}  # for the dry run's estimate


def test_a_step_whose_batch_moved_on_fails_for_good(walk: Callable[..., Walk]) -> None:
    """Retrying cannot help: the error is the one every Task's first retrier does not retry."""
    batch = walk(ROWS)
    batch.generate()
    batch.step("after_generation")
    batch.step("request_approval", task_token="token-1")
    with pytest.raises(FunctionError) as raised:
        batch.deployed.invoke("GenerateFunction", batch.chunk_task(0))
    assert raised.value.payload["errorType"] == "PermanentFailure"
    assert raised.value.payload["errorMessage"] == (
        "the batch is pending_approval; cards are generated only while generating"
    )


def test_an_approval_request_retried_after_the_batch_was_approved_does_not_fail_it(
    walk: Callable[..., Walk],
) -> None:
    """The first attempt stored its token and died; the approver answered that token (no execution
    waits on it, so the approval started sending); then Step Functions retried the request."""
    batch = walk(ROWS)
    batch.generate()
    batch.step("after_generation")
    batch.step("request_approval", task_token="token-1")
    approver = {
        "sub": "sub-appr",
        "email": "a@org-a.test",
        "cognito:groups": "approver",
        "custom:org_id": "org-a",
    }
    assert batch.deployed.api("POST", f"/batches/{batch.id}/approve", approver)[0] == 200
    decided = batch.get()["status"]
    assert decided in {"approved", "sending"}
    batch.step("request_approval", task_token="token-2")  # no error: nothing to retry or mark failed
    assert batch.get()["status"] == decided


def test_a_retried_hold_of_a_communication_holds_again_and_only_its_send_releases_it(
    deployed: Any,
    import_contacts: Callable[..., dict[str, Any]],
    letter_process: Callable[..., dict[str, Any]],
    communication: Callable[[str], Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first attempt of AfterGeneration held the batch at ``generated`` and died: the retry finds
    it ``generated`` and must hold it again, not take it on to approval and sending — only the send
    from ``generated`` (AfterSendRequest, ``release``) does that."""
    import_contacts("external_id,first_name,email,tags\n1,Ada,ada@example.com,renewal\n")
    process = letter_process()
    body = {"name": "n", "process_id": process["id"], "filter": {"tags_any": ["renewal"]}}
    created = deployed.api("POST", "/communications", ADMIN_CLAIMS, body=body)[1]
    deployed.api("POST", f"/batches/{created['id']}/generate", ADMIN_CLAIMS)
    walk = communication(created["id"])
    staged = [walk.step("stage_segment", segment=segment) for segment in range(16)]
    for chunk in walk.step("record_working_list", staged=staged)["chunks"]:
        deployed.invoke("GenerateFunction", {"batch_id": walk.id, "org_id": "org-a", "chunk": chunk})
    _die_after(monkeypatch, BatchStore, "transition")
    with pytest.raises(Crash):
        walk.step("after_generation")
    assert walk.get()["status"] == "generated"
    assert walk.step("after_generation") == {"approval_required": False, "hold": True}
    assert walk.get()["status"] == "generated"
    assert walk.step("after_generation", release=True) == {"approval_required": False, "hold": False}
    assert walk.get()["status"] == "approved"
