"""Only what was approved is sent (PRODUCT §4): a change to anything recipients receive — the batch's
name, the organisation's name and sender, the process's templates — after approval needs a new approval,
whichever route makes it and whatever the batch is doing (approved, sending, sent)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from moto.ses.models import ses_backends

from dispatch.batches.store import BatchStore

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
APPROVER = {
    "sub": "sub-appr",
    "email": "approver@org-a.test",
    "cognito:groups": "approver",
    "custom:org_id": "org-a",
}
CHANGED = "what recipients would receive changed after approval"
ROWS = "first_name,email\nAda,ada@example.com\nBob,bob@example.com\n"
TEMPLATES = {
    "email": {
        "subject": "{{ batch_name }} from {{ organisation }}",
        "text": "Hi {{ first_name }}: {{ link }}",
    }
}
Walk = Any


@pytest.fixture
def approved(walk: Callable[..., Walk]) -> Walk:
    """Two email cards, approved by policy (auto distribution on), not yet sending."""
    batch = walk(ROWS, approval_required=False, templates=TEMPLATES)
    batch.generate()
    batch.step("after_generation")
    assert batch.get()["status"] == "approved"
    return batch


def _subjects() -> list[str]:
    return [message.subject for message in ses_backends["123456789012"]["us-east-1"].sent_messages]


def _rename(batch: Walk, name: str) -> dict[str, Any]:
    status, body = batch.deployed.api("PATCH", f"/batches/{batch.id}", ADMIN, body={"name": name})
    assert status == 200
    return dict(body)


def test_renaming_an_approved_batch_needs_a_new_approval(approved: Walk) -> None:
    assert _rename(approved, "list")["status"] == "approved"  # the same name: nothing changed
    renamed = _rename(approved, "Renewals")
    assert (renamed["status"], renamed["status_reason"]) == ("pending_approval", CHANGED)
    assert renamed["approval"]["decided_by"] is None
    status, body = approved.deployed.api("POST", f"/batches/{approved.id}/approve", APPROVER)
    assert (status, body["status"]) == (200, "sending")  # nothing waits on a token: the API starts it
    assert approved.runs("BatchSendingStateMachine") == [f"{approved.id}-send-1"]
    assert approved.send(0)["sent"] == 2
    assert _subjects() == ["Renewals from org-a", "Renewals from org-a"]


def test_renaming_a_sending_batch_stops_it_until_approved_again(approved: Walk) -> None:
    approved.step("start_sending")
    assert _rename(approved, "Renewals")["status"] == "pending_approval"
    assert approved.send(0) == {"sent": 0, "failed": 0, "skipped": True}
    assert _subjects() == []
    approved.deployed.api("POST", f"/batches/{approved.id}/approve", APPROVER)
    assert approved.runs("BatchSendingStateMachine") == [f"{approved.id}-send-1", f"{approved.id}-send-2"]
    assert approved.send(0)["sent"] == 2
    assert _subjects() == ["Renewals from org-a", "Renewals from org-a"]


def test_a_change_that_raced_the_reset_is_caught_by_the_sender(approved: Walk) -> None:
    """The batch renamed without the reset (as if the reset read the batch before it became
    sending): the sender itself compares what it would render with what was approved."""
    approved.step("start_sending")
    BatchStore(approved.settings).rename("org-a", approved.id, "Unapproved name")
    assert approved.send(0) == {"sent": 0, "failed": 0, "skipped": True}
    assert _subjects() == []
    back = approved.get()
    assert (back["status"], back["status_reason"]) == ("pending_approval", CHANGED)


def test_a_sent_batch_renamed_is_approved_again_before_a_resend(approved: Walk) -> None:
    approved.step("start_sending")
    approved.send(0)
    approved.step("finish_sending")
    assert _rename(approved, "Renewals")["status"] == "sent"  # nothing is on its way
    [card, _] = approved.deployed.api("GET", f"/batches/{approved.id}/cards", ADMIN)[1]["items"]
    path = f"/cards/{card['id']}/distribute"
    status, body = approved.deployed.api("POST", path, ADMIN, body={"address": "ada@example.com"})
    assert (status, body["error"]["details"]) == (409, {"status": "pending_approval"})
    assert _subjects() == ["list from org-a", "list from org-a"]
    approved.deployed.api("POST", f"/batches/{approved.id}/approve", APPROVER)
    assert approved.deployed.api("POST", path, ADMIN, body={"address": "ada@example.com"})[0] == 200
    assert _subjects()[-1] == "Renewals from org-a"


def test_a_new_organisation_name_sends_approved_batches_back_to_approval(approved: Walk) -> None:
    settings = {"name": "Acme Insurance"}
    assert approved.deployed.api("PUT", "/organisation", ADMIN, body=settings)[0] == 200
    assert approved.get()["status"] == "pending_approval"
    approved.deployed.api("POST", f"/batches/{approved.id}/approve", APPROVER)
    assert (
        approved.deployed.api("PUT", "/organisation", ADMIN, body={**settings, "timezone": "UTC"})[0] == 200
    )
    assert approved.get()["status"] == "sending"  # the same name: what was approved still holds
    approved.send(0)
    assert _subjects() == ["list from Acme Insurance", "list from Acme Insurance"]


def test_a_new_sender_address_sends_approved_batches_back_to_approval(approved: Walk) -> None:
    """The From address is part of what recipients receive: a new ``sender_email`` needs a new
    approval, and the emails then go from the approved sender."""
    approved.deployed.client("sesv2").create_email_identity(EmailIdentity="news@acme.example")
    settings = approved.deployed.api("GET", "/organisation", ADMIN)[1]
    settings = {key: settings[key] for key in ("name", "timezone", "default_phone_region")}
    assert approved.deployed.api("PUT", "/organisation", ADMIN, body=settings)[0] == 200
    assert approved.get()["status"] == "approved"  # nothing that recipients see changed
    settings["sender_email"] = "news@acme.example"
    assert approved.deployed.api("PUT", "/organisation", ADMIN, body=settings)[0] == 200
    assert approved.get()["status"] == "pending_approval"
    assert approved.deployed.api("POST", f"/batches/{approved.id}/approve", APPROVER)[0] == 200
    approved.send(0)
    sent = ses_backends["123456789012"]["us-east-1"].sent_messages
    assert [message.source for message in sent] == ["news@acme.example", "news@acme.example"]


def test_a_change_between_the_approval_and_the_start_of_sending_is_not_a_fault(approved: Walk) -> None:
    """The state machine's StartSending finds the batch's content changed since its approval: the
    batch waits for a new approval (not ``failed``, not sending)."""
    BatchStore(approved.settings).rename("org-a", approved.id, "Unapproved name")
    assert approved.step("start_sending") == {"send": False}
    assert approved.get()["status"] == "pending_approval"
    assert approved.runs("BatchSendingStateMachine") == []


def test_the_run_stopped_by_a_change_does_not_finish_or_fail_the_next_one(approved: Walk) -> None:
    """The first run's last steps (its MarkFailed, its FinishSending) end neither the batch waiting
    for a new approval nor, after that approval, the batch a second run owns."""
    approved.step("start_sending")
    _rename(approved, "Renewals")
    first, second = f"{approved.id}-send-1", f"{approved.id}-send-2"
    approved.step("fail", run=first, error={"Error": "States.TaskFailed", "Cause": "x"})
    assert approved.get()["status"] == "pending_approval"  # a person decides next, not a fault
    approved.deployed.api("POST", f"/batches/{approved.id}/approve", APPROVER)
    assert approved.step("finish_sending", run=first) == {"status": "sending"}
    approved.step("fail", run=first, error={"Error": "States.TaskFailed", "Cause": "x"})
    assert approved.get()["status"] == "sending"
    approved.send(0)
    assert approved.step("finish_sending", run=second) == {"status": "sent"}


def test_a_process_change_returns_batches_to_approval_only_when_it_changes_what_they_send(
    approved: Walk,
) -> None:
    """PATCH /processes/{id}: the templates, fields or link base (what recipients receive) send
    approved batches back to approval, as PUT .../templates does; other settings do not."""
    path = f"/processes/{approved.process_id}"
    quiet = {"name": "Renamed process", "channel_order": "both", "four_eyes": False}
    status, body = approved.deployed.api("PATCH", path, ADMIN, body=quiet)
    assert (status, body["batches_returned_to_approval"]) == (200, [])
    assert approved.get()["status"] == "approved"
    link = {"link_base_url": "https://forms.example.com/elsewhere"}
    status, body = approved.deployed.api("PATCH", path, ADMIN, body=link)
    assert (status, body["batches_returned_to_approval"]) == (200, [approved.id])
    batch = approved.get()
    assert (batch["status"], batch["status_reason"]) == ("pending_approval", CHANGED)
