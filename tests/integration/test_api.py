"""The API function through API Gateway-shaped events: routing, roles, scoping, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROCESS = json.loads((ROOT / "examples" / "process.json").read_text())
Claims = Callable[[str, str, str], dict[str, Any]]


@pytest.fixture
def admin(claims_for: Claims) -> dict[str, Any]:
    return claims_for("admin@org-a.test", "admin", "org-a")


def _create_live_process(deployed: Any, admin: dict[str, Any]) -> dict[str, Any]:
    status, process = deployed.api("POST", "/processes", admin, body=PROCESS)
    assert status == 201
    status, live = deployed.api("POST", f"/processes/{process['id']}/publish", admin)
    assert status == 200
    assert live["state"] == "live"
    return dict(live)


def test_health_is_public(deployed: Any) -> None:
    assert deployed.api("GET", "/health", None) == (200, {"status": "ok"})


def test_without_claims_every_route_is_unauthorized_in_the_error_shape(deployed: Any) -> None:
    status, body = deployed.api("GET", "/batches", None)
    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    assert set(body["error"]) == {"code", "message", "details"}


def test_admin_creates_a_process_and_a_sender_cannot(
    deployed: Any, admin: dict[str, Any], claims_for: Claims
) -> None:
    status, process = deployed.api("POST", "/processes", admin, body=PROCESS)
    assert status == 201
    assert process["state"] == "draft"
    assert process["org_id"] == "org-a"
    status, body = deployed.api(
        "POST", "/processes", claims_for("s@org-a.test", "sender", "org-a"), body=PROCESS
    )
    assert status == 403
    assert body["error"]["details"] == {"required_role": "admin"}


def test_an_invalid_body_is_a_400_naming_the_field(deployed: Any, admin: dict[str, Any]) -> None:
    status, body = deployed.api("POST", "/processes", admin, body={**PROCESS, "link_base_url": "not a url"})
    assert status == 400
    assert any("link_base_url" in problem["location"] for problem in body["error"]["details"]["errors"])


def test_a_process_without_templates_cannot_go_live(deployed: Any, admin: dict[str, Any]) -> None:
    status, process = deployed.api("POST", "/processes", admin, body={**PROCESS, "templates": {}})
    assert status == 201
    status, body = deployed.api("POST", f"/processes/{process['id']}/publish", admin)
    assert status == 422
    assert "template" in body["error"]["message"]


def test_a_template_that_does_not_compile_is_refused(deployed: Any, admin: dict[str, Any]) -> None:
    broken = {**PROCESS, "templates": {"sms": {"text": "{% if %}"}}}
    status, body = deployed.api("POST", "/processes", admin, body=broken)
    assert status == 422
    assert body["error"]["details"]["templates"][0].startswith("sms text")


def test_another_organisation_sees_nothing(deployed: Any, admin: dict[str, Any], claims_for: Claims) -> None:
    process = _create_live_process(deployed, admin)
    stranger = claims_for("admin@org-b.test", "admin", "org-b")
    assert deployed.api("GET", f"/processes/{process['id']}", stranger)[0] == 404
    assert deployed.api("GET", "/processes", stranger)[1]["items"] == []
    status, batch = deployed.api(
        "POST", "/batches", admin, body={"process_id": process["id"], "file_name": "a.csv"}
    )
    assert status == 201
    assert deployed.api("GET", f"/batches/{batch['id']}", stranger)[0] == 404
    assert deployed.api("GET", "/batches", stranger)[1]["items"] == []
    assert (
        deployed.api("POST", "/batches", stranger, body={"process_id": process["id"], "file_name": "a.csv"})[
            0
        ]
        == 404
    )


def test_lists_paginate_with_an_opaque_cursor(deployed: Any, admin: dict[str, Any]) -> None:
    created = {
        deployed.api("POST", "/processes", admin, body={**PROCESS, "name": f"P{n}"})[1]["id"]
        for n in range(3)
    }
    status, first = deployed.api("GET", "/processes", admin, query={"limit": "2"})
    assert status == 200
    assert len(first["items"]) == 2
    assert first["next_cursor"]
    _, second = deployed.api("GET", "/processes", admin, query={"limit": "2", "cursor": first["next_cursor"]})
    assert {p["id"] for p in first["items"] + second["items"]} == created
    assert deployed.api("GET", "/processes", admin, query={"cursor": "!!not-a-cursor"})[0] == 400
    assert deployed.api("GET", "/processes", admin, query={"limit": "1000"})[0] == 400


def test_creating_a_batch_needs_a_live_process_and_returns_a_presigned_upload(
    deployed: Any, admin: dict[str, Any], claims_for: Claims
) -> None:
    status, draft = deployed.api("POST", "/processes", admin, body=PROCESS)
    sender = claims_for("sender@org-a.test", "sender", "org-a")
    status, body = deployed.api(
        "POST", "/batches", sender, body={"process_id": draft["id"], "file_name": "r.csv"}
    )
    assert status == 409
    assert body["error"]["details"] == {"process_state": "draft"}
    live = _create_live_process(deployed, admin)
    status, batch = deployed.api(
        "POST", "/batches", sender, body={"process_id": live["id"], "file_name": "March renewals.csv"}
    )
    assert status == 201
    assert batch["status"] == "uploading"
    assert batch["name"] == "March renewals"
    assert (batch["created_by"], batch["created_by_email"]) == (
        "sub-org-a-sender@org-a.test",
        "sender@org-a.test",
    )
    assert batch["upload"]["method"] == "POST"
    assert batch["upload"]["fields"]["key"] == f"uploads/org-a/{batch['id']}/source"
    assert "policy" in batch["upload"]["fields"]


def test_a_batch_may_carry_its_own_assignment_setting(
    deployed: Any, admin: dict[str, Any], claims_for: Claims
) -> None:
    """PRODUCT §7: assignment is set on a process (or batch); the batch's own wins for its cards."""
    live = _create_live_process(deployed, admin)
    _, group = deployed.api("POST", "/groups", admin, body={"name": "Night shift"})
    sender = claims_for("sender@org-a.test", "sender", "org-a")
    own = {"type": "distribute_all", "group_id": group["id"], "initial_status": "callback"}
    body = {"process_id": live["id"], "file_name": "a.csv", "assignment": own}
    status, batch = deployed.api("POST", "/batches", sender, body=body)
    assert status == 201, batch
    stored = deployed.api("GET", f"/batches/{batch['id']}", sender)[1]["assignment"]
    assert (stored["type"], stored["group_id"], stored["initial_status"]) == (
        "distribute_all",
        group["id"],
        "callback",
    )
    plain = deployed.api("POST", "/batches", sender, body={"process_id": live["id"], "file_name": "b.csv"})
    assert plain[1]["assignment"] is None  # its process's
    unknown = {**body, "assignment": {**own, "group_id": "nope"}}
    status, refused = deployed.api("POST", "/batches", sender, body=unknown)
    assert (status, refused["error"]["details"]) == (400, {"group_id": "nope"})
    no_group = {**body, "assignment": {"type": "round_robin"}}
    assert deployed.api("POST", "/batches", sender, body=no_group)[0] == 400


def test_every_setting_of_a_process_can_be_changed_by_an_admin(
    deployed: Any, admin: dict[str, Any], claims_for: Claims
) -> None:
    process = _create_live_process(deployed, admin)
    path = f"/processes/{process['id']}"
    _, group = deployed.api("POST", "/groups", admin, body={"name": "Sales"})
    changes = {
        "name": "Renewals 2031",
        "channel_order": "sms_first",
        "approval_required": False,
        "assignment": {"type": "round_robin", "group_id": group["id"]},
        "link_base_url": "https://forms.example.com/v2",
    }
    status, changed = deployed.api("PATCH", path, admin, body=changes)
    assert status == 200, changed
    assert changed["batches_returned_to_approval"] == []
    stored = deployed.api("GET", path, admin)[1]
    assert {key: stored[key] for key in changes} == {
        **changes,
        "assignment": {**changes["assignment"], **{"initial_status": "new", "initial_activity": "assigned"}}
        | {"ring_timeout_seconds": 120},
    }
    assert (stored["templates"], stored["fields"], stored["state"]) == (
        process["templates"],
        process["fields"],
        "live",
    )
    reset = deployed.api("PATCH", path, admin, body={"approval_required": None})[1]
    assert reset["approval_required"] is None  # the organisation's policy again

    sender = claims_for("sender@org-a.test", "sender", "org-a")
    assert deployed.api("PATCH", path, sender, body={"name": "x"})[0] == 403
    assert deployed.api("PATCH", "/processes/nope", admin, body={"name": "x"})[0] == 404
    for refused in (
        {"name": None},
        {"fields": [{"name": "email"}, {"name": "EMAIL"}]},
        {"assignment": {"type": "round_robin", "group_id": "nope"}},
        {"colour": "red"},
    ):
        assert deployed.api("PATCH", path, admin, body=refused)[0] == 400, refused
    assert deployed.api("PATCH", path, admin, body={"templates": {}})[0] == 422  # live: needs a channel
    broken = {"templates": {"sms": {"text": "{% if %}"}}}
    assert deployed.api("PATCH", path, admin, body=broken)[0] == 422
    assert deployed.api("GET", path, admin)[1]["name"] == "Renewals 2031"  # the refusals changed nothing


def test_batch_list_filters_by_status(deployed: Any, admin: dict[str, Any]) -> None:
    live = _create_live_process(deployed, admin)
    deployed.api("POST", "/batches", admin, body={"process_id": live["id"], "file_name": "a.csv"})
    assert len(deployed.api("GET", "/batches", admin)[1]["items"]) == 1
    assert deployed.api("GET", "/batches", admin, query={"status": "sent"})[1]["items"] == []
    status, body = deployed.api("GET", "/batches", admin, query={"status": "nonsense"})
    assert status == 400
    assert "uploading" in body["error"]["details"]["allowed"]


def test_only_approvers_decide_and_only_pending_batches(
    deployed: Any, admin: dict[str, Any], claims_for: Claims
) -> None:
    live = _create_live_process(deployed, admin)
    _, batch = deployed.api("POST", "/batches", admin, body={"process_id": live["id"], "file_name": "a.csv"})
    sender = claims_for("sender@org-a.test", "sender", "org-a")
    approver = claims_for("approver@org-a.test", "approver", "org-a")
    assert deployed.api("POST", f"/batches/{batch['id']}/approve", sender)[0] == 403
    status, body = deployed.api("POST", f"/batches/{batch['id']}/approve", approver)
    assert status == 409
    assert body["error"]["details"]["status"] == "uploading"
    status, body = deployed.api("POST", f"/batches/{batch['id']}/reject", approver, body={})
    assert status == 422


def test_organisation_settings_are_admin_only(
    deployed: Any, admin: dict[str, Any], claims_for: Claims
) -> None:
    status, settings = deployed.api("GET", "/organisation", admin)
    assert status == 200
    assert settings["approval_required"] is True
    changed = {**{k: v for k, v in settings.items() if k != "id"}, "four_eyes": True}
    assert deployed.api("PUT", "/organisation", admin, body=changed)[1]["four_eyes"] is True
    sender = claims_for("s@org-a.test", "sender", "org-a")
    assert deployed.api("PUT", "/organisation", sender, body=changed)[0] == 403


def test_the_example_file_has_the_process_columns_and_one_row(deployed: Any, admin: dict[str, Any]) -> None:
    import base64
    import io

    from openpyxl import load_workbook

    _, process = deployed.api("POST", "/processes", admin, body=PROCESS)
    event = deployed.api_event("GET", f"/processes/{process['id']}/example-file", claims=admin)
    result = deployed.invoke("ApiFunction", event)
    assert result["statusCode"] == 200
    assert result["isBase64Encoded"] is True
    assert result["multiValueHeaders"]["Content-Type"] == ["text/csv; charset=utf-8"]
    lines = base64.b64decode(result["body"]).decode().splitlines()
    assert lines[0] == "first_name,last_name,email,phone,amount,due_date"
    assert lines[1] == "Example,Example,recipient@example.com,+12015550123,100,2026-01-31"
    assert len(lines) == 2

    event = deployed.api_event(
        "GET", f"/processes/{process['id']}/example-file", claims=admin, query={"format": "xlsx"}
    )
    result = deployed.invoke("ApiFunction", event)
    assert result["isBase64Encoded"] is True
    sheet = load_workbook(io.BytesIO(base64.b64decode(result["body"])), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("first_name", "last_name", "email", "phone", "amount", "due_date")
    assert rows[1][3] == "+12015550123"

    event = deployed.api_event(
        "GET", f"/processes/{process['id']}/example-file", claims=admin, query={"format": "pdf"}
    )
    assert deployed.invoke("ApiFunction", event)["statusCode"] == 400


def test_the_template_preview_renders_the_example_row_and_reports_errors_per_part(
    deployed: Any, admin: dict[str, Any], claims_for: Claims
) -> None:
    process = _create_live_process(deployed, admin)
    templates = {
        "email": {
            "subject": "{{ first_name }}, due {{ due_date }}",
            "text": "{{ nope }}",
            "html": "<p>{{ link }}</p>",
        },
        "sms": {"text": "Hi {{ first_name }}"},
    }
    status, shown = deployed.api("POST", f"/processes/{process['id']}/preview", admin, body=templates)
    assert status == 200
    assert shown["email"]["subject"] == "Example, due 2026-01-31"
    assert shown["email"]["html"].startswith("<p>http")
    assert shown["email"]["html"].endswith("/c/example</p>")
    assert shown["sms"] == {"text": "Hi Example"}
    assert shown["errors"] == [{"part": "email text", "message": "email text: 'nope' is undefined"}]
    sender = claims_for("s@org-a.test", "sender", "org-a")
    assert deployed.api("POST", f"/processes/{process['id']}/preview", sender, body=templates)[0] == 403
    assert deployed.api("POST", "/processes/nope/preview", admin, body=templates)[0] == 404
