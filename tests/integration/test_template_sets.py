"""A process's named template sets changed with ``PATCH /processes/{id}`` (PRODUCT §8, §4): the
named set changes and the others stay; a set that does not compile or is badly named is refused,
saying where, with nothing stored; and a change to what an approved batch's set renders sends that
batch back to approval — a change to another set does not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

Deployment = Any
CommunicationWalk = Any
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
CHANGED = "what recipients would receive changed after approval"
NOTICE = {
    "email": {"subject": "Notice for {{ first_name }}", "text": "Due {{ due_date }}: {{ link }}"},
    "letter": {"title": "Notice", "body": "<p>Dear {{ first_name }}, due <b>{{ due_date }}</b>.</p>"},
}
REMINDER = {"email": {"subject": "Reminder", "text": "{{ first_name }}: {{ link }}"}}


@pytest.fixture
def approved(
    deployed: Deployment,
    import_contacts: Callable[..., dict[str, Any]],
    letter_process: Callable[..., dict[str, Any]],
    communication: Callable[[str], CommunicationWalk],
) -> CommunicationWalk:
    """A communication by email and letter with the template set ``notice``, generated and approved
    (by policy), not yet sending."""
    import_contacts(
        "external_id,first_name,email,address_line1,city\n1,Ada,ada@example.com,1 Main St,Springfield\n"
    )
    process = letter_process()
    status, batch = deployed.api(
        "POST",
        "/communications",
        ADMIN,
        body={
            "name": "Notice",
            "process_id": process["id"],
            "filter": {"has": "email"},
            "template": "notice",
            "due_date": "2026-06-30",
            "channels": ["email", "letter"],
        },
    )
    assert status == 201, batch
    deployed.api("POST", f"/batches/{batch['id']}/generate", ADMIN)
    walk = communication(batch["id"])
    walk.generate()
    walk.step("after_generation", release=True)
    assert walk.get()["status"] == "approved"
    return walk


def _patch(deployed: Deployment, process_id: str, template_sets: dict[str, Any]) -> tuple[int, Any]:
    return tuple(
        deployed.api("PATCH", f"/processes/{process_id}", ADMIN, body={"template_sets": template_sets})
    )


def _stored_notice(deployed: Deployment, process_id: str) -> dict[str, Any]:
    """The stored set ``notice`` as it was given (the channels it has, without unset values)."""
    stored = deployed.api("GET", f"/processes/{process_id}", ADMIN)[1]["template_sets"]["notice"]
    return {
        channel: {name: value for name, value in template.items() if value is not None}
        for channel, template in stored.items()
        if template is not None
    }


def test_another_set_added_changes_nothing_approved(
    deployed: Deployment, approved: CommunicationWalk
) -> None:
    status, body = _patch(deployed, approved.stored().process_id, {"notice": NOTICE, "reminder": REMINDER})
    assert status == 200, body
    assert body["template_sets"]["reminder"]["email"]["subject"] == "Reminder"
    assert body["template_sets"]["notice"]["letter"] == NOTICE["letter"]
    assert body["batches_returned_to_approval"] == []
    assert approved.get()["status"] == "approved"


def test_a_change_to_the_sets_letter_sends_the_approved_batch_back_to_approval(
    deployed: Deployment, approved: CommunicationWalk
) -> None:
    changed = {
        **NOTICE,
        "letter": {"title": "Notice", "body": "<p>Dear {{ first_name }}, pay by {{ due_date }}.</p>"},
    }
    status, body = _patch(deployed, approved.stored().process_id, {"notice": changed, "reminder": REMINDER})
    assert status == 200, body
    assert body["batches_returned_to_approval"] == [approved.id]
    stored = deployed.api("GET", f"/processes/{approved.stored().process_id}", ADMIN)[1]
    assert stored["template_sets"]["notice"]["letter"]["body"] == changed["letter"]["body"]
    batch = approved.get()
    assert (batch["status"], batch["status_reason"]) == ("pending_approval", CHANGED)
    assert batch["approval"]["decided_by"] is None


def test_a_set_that_does_not_compile_is_refused_saying_where_and_nothing_is_stored(
    deployed: Deployment, approved: CommunicationWalk
) -> None:
    broken = {**NOTICE, "letter": {"title": "Notice", "body": "<p>Dear {{ first_name </p>"}}
    status, body = _patch(deployed, approved.stored().process_id, {"notice": broken})
    assert status == 422, body
    assert set(body["error"]["details"]["template_sets"]) == {"notice"}
    assert "letter" in str(body["error"]["details"]["template_sets"]["notice"])
    assert _stored_notice(deployed, approved.stored().process_id) == NOTICE
    assert approved.get()["status"] == "approved"


@pytest.mark.parametrize(
    ("template_sets", "where"),
    [
        ({"not a name!": REMINDER}, "not a name!"),
        ({"notice": {**NOTICE, "fax": {"text": "x"}}}, "fax"),
        ({"notice": {"letter": {"title": "No body"}}}, "body"),
    ],
)
def test_a_malformed_set_is_a_400_that_says_where(
    deployed: Deployment, approved: CommunicationWalk, template_sets: dict[str, Any], where: str
) -> None:
    status, body = _patch(deployed, approved.stored().process_id, template_sets)
    assert status == 400, body
    locations = [error["location"] for error in body["error"]["details"]["errors"]]
    assert any(location.startswith("body.template_sets") and where in location for location in locations), (
        locations
    )
    assert _stored_notice(deployed, approved.stored().process_id) == NOTICE
    assert approved.get()["status"] == "approved"


def test_removing_the_set_an_approved_batch_uses_sends_it_back_to_approval(
    deployed: Deployment, approved: CommunicationWalk
) -> None:
    """Nothing it was approved to send is left: the change is stored and answered (not a 409 after
    the fact), the batch waits for approval, and approving it says why it cannot be yet."""
    status, body = _patch(deployed, approved.stored().process_id, {"reminder": REMINDER})
    assert status == 200, body
    assert body["batches_returned_to_approval"] == [approved.id]
    assert set(body["template_sets"]) == {"reminder"}
    assert approved.get()["status"] == "pending_approval"
    approver = {**ADMIN, "sub": "sub-approver", "email": "approver@org-a.test", "cognito:groups": "approver"}
    status, refused = deployed.api("POST", f"/batches/{approved.id}/approve", approver)
    assert (status, refused["error"]["message"]) == (409, "the process has no template set 'notice'")
