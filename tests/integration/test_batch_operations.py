"""Batch operations over the API: listing, renaming, closing, sending the rest, retrying, rejecting."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PROCESS = json.loads((ROOT / "examples" / "process.json").read_text())
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
APPROVER = {
    "sub": "sub-appr",
    "email": "approver@org-a.test",
    "cognito:groups": "approver",
    "custom:org_id": "org-a",
}
S3Event = Callable[..., dict[str, Any]]


def _batch(deployed: Any, s3_event: S3Event, body: str, name: str = "list", **process: Any) -> dict[str, Any]:
    _, created = deployed.api("POST", "/processes", ADMIN, body={**PROCESS, **process})
    deployed.api("POST", f"/processes/{created['id']}/publish", ADMIN)
    key = f"drop/{created['id']}/{name}.csv"
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=body.encode())
    [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(body)))["batches"]
    return dict(deployed.api("GET", f"/batches/{handled['batch_id']}", ADMIN)[1])


def _through_generation(deployed: Any, batch: dict[str, Any]) -> None:
    sfn = deployed.client("stepfunctions")
    [execution] = [e for e in deployed.executions() if e["name"] == batch["id"]]
    payload = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    step = {"batch_id": batch["id"], "org_id": "org-a"}
    for chunk in payload["chunks"]:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk})
    deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})


def _status(deployed: Any, batch: dict[str, Any]) -> str:
    return str(deployed.api("GET", f"/batches/{batch['id']}", ADMIN)[1]["status"])


def test_list_searches_names_and_sorts_by_name_or_time(deployed: Any, s3_event: S3Event) -> None:
    _, process = deployed.api("POST", "/processes", ADMIN, body=PROCESS)
    deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    for name in ("March renewals", "april reminders", "Renewals (retry)"):
        body = {"process_id": process["id"], "file_name": "f.csv", "name": name}
        assert deployed.api("POST", "/batches", ADMIN, body=body)[0] == 201
        time.sleep(0.002)  # ids sort by their millisecond
    names = lambda query: [b["name"] for b in deployed.api("GET", "/batches", ADMIN, query=query)[1]["items"]]  # noqa: E731
    assert names({}) == ["Renewals (retry)", "april reminders", "March renewals"]  # newest first
    assert names({"sort": "name"}) == ["april reminders", "March renewals", "Renewals (retry)"]
    assert names({"sort": "name", "order": "desc"}) == [
        "Renewals (retry)",
        "March renewals",
        "april reminders",
    ]
    assert names({"q": "RENEWAL"}) == ["Renewals (retry)", "March renewals"]
    first = deployed.api("GET", "/batches", ADMIN, query={"sort": "name", "limit": "2"})[1]
    rest = deployed.api("GET", "/batches", ADMIN, query={"sort": "name", "cursor": first["next_cursor"]})[1]
    assert [b["name"] for b in first["items"] + rest["items"]] == names({"sort": "name"})


def test_rename_changes_the_name_and_its_sort_place(deployed: Any, s3_event: S3Event) -> None:
    batch = _batch(deployed, s3_event, "first_name,email\nAda,ada@example.com\n")
    status, renamed = deployed.api("PATCH", f"/batches/{batch['id']}", ADMIN, body={"name": "Zeta"})
    assert status == 200
    assert renamed["name"] == "Zeta"
    assert [b["name"] for b in deployed.api("GET", "/batches", ADMIN, query={"q": "zet"})[1]["items"]] == [
        "Zeta"
    ]


def test_without_auto_distribution_cards_wait_until_send_remaining(deployed: Any, s3_event: S3Event) -> None:
    batch = _batch(deployed, s3_event, "first_name,phone\nAda,+14155550101\n", approval_required=False)
    assert batch["auto_distribute"] is False
    _through_generation(deployed, batch)
    step = {"batch_id": batch["id"], "org_id": "org-a"}
    assert deployed.invoke("LifecycleFunction", {**step, "action": "start_sending"}) == {"send": False}
    assert _status(deployed, batch) == "approved"
    status, sending = deployed.api("POST", f"/batches/{batch['id']}/send-remaining", ADMIN)
    assert status == 200
    assert sending["status"] == "sending"
    [run] = deployed.executions("BatchSendingStateMachine")
    assert run["name"] == f"{batch['id']}-send-1"
    assert deployed.api("POST", f"/batches/{batch['id']}/send-remaining", ADMIN)[0] == 409


def test_rejecting_an_approved_batch_closes_its_unsent_cards(deployed: Any, s3_event: S3Event) -> None:
    batch = _batch(deployed, s3_event, "first_name,phone\nAda,+14155550101\n", approval_required=False)
    _through_generation(deployed, batch)
    status, rejected = deployed.api(
        "POST", f"/batches/{batch['id']}/reject", APPROVER, body={"reason": "wrong list"}
    )
    assert status == 200
    assert rejected["status"] == "rejected"
    [cleanup] = deployed.executions("BatchCleanupStateMachine")
    assert cleanup["name"] == f"{batch['id']}-rejected"
    sfn = deployed.client("stepfunctions")
    chunks = json.loads(sfn.describe_execution(executionArn=cleanup["executionArn"])["input"])["chunks"]
    step = {"batch_id": batch["id"], "org_id": "org-a", "target": "rejected"}
    assert deployed.invoke("LifecycleFunction", {**step, "action": "close_chunk", "chunk": chunks[0]}) == {
        "closed": 1
    }
    counters = deployed.api("GET", f"/batches/{batch['id']}", ADMIN)[1]["counters"]
    assert counters["by_status"] == {"rejected": 1}


def test_complete_and_archive_follow_the_lifecycle(deployed: Any, s3_event: S3Event) -> None:
    batch = _batch(deployed, s3_event, "first_name,phone\nAda,+14155550101\n", approval_required=False)
    status, body = deployed.api("POST", f"/batches/{batch['id']}/complete", ADMIN)
    assert status == 409
    assert body["error"]["details"] == {"status": "generating", "requested": "complete"}
    _through_generation(deployed, batch)  # approved, auto distribution off (no email column)
    status, archived = deployed.api("POST", f"/batches/{batch['id']}/archive", ADMIN)
    assert status == 200
    assert archived["status"] == "archived"
    [cleanup] = deployed.executions("BatchCleanupStateMachine")
    assert cleanup["name"] == f"{batch['id']}-removed"
    assert deployed.api("POST", f"/batches/{batch['id']}/complete", ADMIN)[1]["error"]["details"] == {
        "status": "archived",
        "requested": "complete",
    }
    assert (archived["closed_by"], archived["closed_by_email"]) == ("sub-admin", "admin@org-a.test")
    assert deployed.api("GET", "/batches", ADMIN)[1]["items"] == []  # archived is hidden by default
    assert len(deployed.api("GET", "/batches", ADMIN, query={"status": "archived"})[1]["items"]) == 1
    assert deployed.api("PATCH", f"/batches/{batch['id']}", ADMIN, body={"name": "x"})[0] == 409


def test_retry_failed_resends_only_through_a_new_run(deployed: Any, s3_event: S3Event) -> None:
    batch = _batch(deployed, s3_event, "first_name,email\nAda,ada@example.com\n", approval_required=False)
    _through_generation(deployed, batch)
    step = {"batch_id": batch["id"], "org_id": "org-a"}
    deployed.invoke("LifecycleFunction", {**step, "action": "start_sending"})
    assert deployed.api("POST", f"/batches/{batch['id']}/retry-failed", ADMIN)[0] == 409  # still sending
    sfn = deployed.client("stepfunctions")
    [run] = deployed.executions("BatchSendingStateMachine")
    chunks = json.loads(sfn.describe_execution(executionArn=run["executionArn"])["input"])["chunks"]
    deployed.invoke("SendFunction", {**step, "chunk": chunks[0]})
    deployed.invoke("LifecycleFunction", {**step, "action": "finish_sending"})
    assert _status(deployed, batch) == "sent"
    status, body = deployed.api("POST", f"/batches/{batch['id']}/retry-failed", ADMIN)
    assert status == 409
    assert body["error"]["message"] == "no card of this batch has failed"


def test_a_dry_run_shows_errors_rendered_cards_and_the_finish_estimate(
    deployed: Any, s3_event: S3Event
) -> None:
    body = (ROOT / "examples" / "recipients.csv").read_text()
    batch = _batch(deployed, s3_event, body)
    _through_generation(deployed, batch)
    status, dry = deployed.api("GET", f"/batches/{batch['id']}/dry-run", ADMIN)
    assert status == 200
    assert dry["row_errors"]["total"] == 3
    assert [error["code"] for error in dry["row_errors"]["shown"]][:1] == ["missing_required:first_name"]
    assert [sample["row"] for sample in dry["samples"]] == [2, 3, 4]
    first = dry["samples"][0]["email"]
    assert first["to"] == "ada@example.com"
    assert first["subject"] == "Ada, your renewal is ready"
    api = "https://abc123.execute-api.us-east-1.amazonaws.com/dev"  # as the request reached the API
    assert f"{api}/c/{batch['id']}-0000002." in first["text"]
    assert dry["samples"][2]["sms"]["text"].startswith(f"Hi Alan, your renewal is ready: {api}/c/")
    estimate = dry["estimate"]
    assert estimate["messages"] == {"email": 3, "sms": 1}
    assert estimate["seconds"] == round(3 * 1.05 / 14, 1)
    assert _status(deployed, batch) == "generating"  # nothing changed (approval not yet requested)


def test_changing_templates_after_approval_needs_a_new_approval(deployed: Any, s3_event: S3Event) -> None:
    batch = _batch(deployed, s3_event, "first_name,phone\nAda,+14155550101\n", approval_required=False)
    _through_generation(deployed, batch)
    assert _status(deployed, batch) == "approved"
    templates = {**PROCESS["templates"], "sms": {"text": "New wording, {{ first_name }}: {{ link }}"}}
    status, body = deployed.api("PUT", f"/processes/{batch['process_id']}/templates", ADMIN, body=templates)
    assert status == 200
    assert body["batches_returned_to_approval"] == [batch["id"]]
    back = deployed.api("GET", f"/batches/{batch['id']}", ADMIN)[1]
    assert back["status"] == "pending_approval"
    assert back["status_reason"] == "what recipients would receive changed after approval"
    status, approved = deployed.api("POST", f"/batches/{batch['id']}/approve", APPROVER)
    assert status == 200
    assert approved["status"] == "approved"  # auto distribution is off: nothing starts sending
    broken = {"sms": {"text": "{% if %}"}}
    assert deployed.api("PUT", f"/processes/{batch['process_id']}/templates", ADMIN, body=broken)[0] == 422


def test_a_finished_batch_is_cloned_with_the_recipients_asked_for(deployed: Any, s3_event: S3Event) -> None:
    body = "first_name,email\nAda,ada@example.com\nBob,bob@example.com\nCy,cy@example.com\n"
    source = _batch(deployed, s3_event, body, approval_required=False)
    _through_generation(deployed, source)
    step = {"batch_id": source["id"], "org_id": "org-a"}
    deployed.invoke("LifecycleFunction", {**step, "action": "start_sending"})
    [run] = deployed.executions("BatchSendingStateMachine")
    sfn = deployed.client("stepfunctions")
    chunks = json.loads(sfn.describe_execution(executionArn=run["executionArn"])["input"])["chunks"]
    suppressed = {"pk": "ORG#org-a", "sk": "SUPPRESSED#bob@example.com"}
    deployed.client("dynamodb").put_item(
        TableName=deployed.name("MainTable"), Item={k: {"S": v} for k, v in suppressed.items()}
    )
    deployed.invoke("SendFunction", {**step, "chunk": chunks[0]})
    deployed.invoke("LifecycleFunction", {**step, "action": "finish_sending"})
    assert deployed.api("POST", f"/batches/{source['id']}/clone", ADMIN, body={})[0] == 409  # not finished
    deployed.api("POST", f"/batches/{source['id']}/complete", ADMIN)

    status, clone = deployed.api(
        "POST",
        f"/batches/{source['id']}/clone",
        ADMIN,
        body={"recipients": "not_reached", "name": "Second try"},
    )
    assert status == 202
    assert (clone["status"], clone["name"], clone["process_id"]) == (
        "validating",
        "Second try",
        source["process_id"],
    )
    deployed.runtime.drain()
    copied = deployed.api("GET", f"/batches/{clone['id']}", ADMIN)[1]
    assert copied["status"] == "invalid"  # Ada and Cy were reached, Bob is suppressed: no one is left
    assert copied["status_reason"] == "no recipient of the source batch is not_reached"

    status, clone = deployed.api("POST", f"/batches/{source['id']}/clone", ADMIN, body={"recipients": "all"})
    deployed.runtime.drain()
    copied = deployed.api("GET", f"/batches/{clone['id']}", ADMIN)[1]
    assert copied["status"] == "generating"
    assert copied["counters"]["accepted"] == 2  # the suppressed recipient is not copied
    assert [e["name"] for e in deployed.executions() if e["name"] == clone["id"]] == [clone["id"]]


def test_an_operation_from_the_wrong_status_is_a_409_even_when_the_graph_allows_the_move(
    deployed: Any, s3_event: S3Event
) -> None:
    batch = _batch(deployed, s3_event, "first_name,phone\nAda,+14155550101\n", approval_required=False)
    _through_generation(deployed, batch)  # approved; approved → sending is in the graph
    status, body = deployed.api("POST", f"/batches/{batch['id']}/retry-failed", ADMIN)
    assert status == 409
    assert body["error"]["details"] == {"status": "approved", "requested": "sending"}
