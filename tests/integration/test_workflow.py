"""The state machine's Lambda steps, called as Step Functions would call them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from dispatch.batches.models import BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.config import Settings

ROOT = Path(__file__).resolve().parents[2]
PROCESS = json.loads((ROOT / "examples" / "process.json").read_text())
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
FILE = (
    b"first_name,email,phone\n"
    b"Ada,ada@example.com,\nAlan,,+14155550103\nGrace,grace@example.com,+14155550104\n"
)


def _validated_batch(
    deployed: Any, s3_event: Callable[..., dict[str, Any]], **process: Any
) -> dict[str, Any]:
    _, created = deployed.api("POST", "/processes", ADMIN, body={**PROCESS, **process})
    deployed.api("POST", f"/processes/{created['id']}/publish", ADMIN)
    key = f"drop/{created['id']}/file.csv"
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=FILE)
    [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(FILE)))["batches"]
    return dict(deployed.api("GET", f"/batches/{handled['batch_id']}", ADMIN)[1])


def _chunk_tasks(deployed: Any, batch: dict[str, Any]) -> list[dict[str, Any]]:
    """What the Map state passes to each iteration (from the execution's input)."""
    sfn = deployed.client("stepfunctions")
    [execution] = deployed.executions()
    payload = json.loads(sfn.describe_execution(executionArn=execution["executionArn"])["input"])
    return [
        {"batch_id": payload["batch_id"], "org_id": payload["org_id"], "chunk": c} for c in payload["chunks"]
    ]


def _step(deployed: Any, batch: dict[str, Any], action: str, **extra: Any) -> Any:
    return deployed.invoke(
        "LifecycleFunction", {"action": action, "batch_id": batch["id"], "org_id": "org-a", **extra}
    )


def _get(deployed: Any, batch: dict[str, Any]) -> dict[str, Any]:
    return dict(deployed.api("GET", f"/batches/{batch['id']}", ADMIN)[1])


def test_generation_is_counted_once_however_often_a_chunk_is_retried(deployed: Any, s3_event: Any) -> None:
    batch = _validated_batch(deployed, s3_event)
    [task] = _chunk_tasks(deployed, batch)
    assert deployed.invoke("GenerateFunction", task) == {"cards": 3, "errors": 0}
    assert deployed.invoke("GenerateFunction", task) == {"cards": 3, "errors": 0}
    counters = _get(deployed, batch)["counters"]
    assert (counters["cards"], counters["errors"]) == (3, 0)
    cards = deployed.client("dynamodb").scan(TableName=deployed.name("CardsTable"))["Items"]
    assert len(cards) == 3


def test_rows_without_a_usable_channel_for_the_process_become_error_cards(
    deployed: Any, s3_event: Any
) -> None:
    email_only = {"email": PROCESS["templates"]["email"]}
    batch = _validated_batch(deployed, s3_event, templates=email_only)
    [task] = _chunk_tasks(deployed, batch)
    assert deployed.invoke("GenerateFunction", task) == {"cards": 3, "errors": 1}


def test_a_card_dynamodb_cannot_hold_becomes_an_error_card_and_the_rest_are_generated(
    deployed: Any, s3_event: Any
) -> None:
    """Rows staged with a number DynamoDB cannot store (validation now refuses those, a chunk
    staged earlier may hold one) or with more data than a card item can hold."""
    batch = _validated_batch(deployed, s3_event)
    [task] = _chunk_tasks(deployed, batch)
    s3 = deployed.client("s3")
    key = f"staging/{batch['id']}/chunk-{task['chunk']['index']:05d}.jsonl"
    rows = [
        json.loads(line)
        for line in s3.get_object(Bucket=deployed.bucket, Key=key)["Body"].read().splitlines()
    ]
    rows[0]["values"]["policy"] = 10**50 + 1
    rows[2]["values"]["notes"] = "x" * 300_000
    s3.put_object(Bucket=deployed.bucket, Key=key, Body="\n".join(json.dumps(row) for row in rows).encode())

    assert deployed.invoke("GenerateFunction", task) == {"cards": 3, "errors": 2}
    status, listing = deployed.api("GET", f"/batches/{batch['id']}/cards", ADMIN)
    assert status == 200
    cards = {card["row"]: card for card in listing["items"]}
    ada, alan, grace = (cards[row["row"]] for row in rows)
    assert (ada["status"], ada["error"]) == (
        "error",
        "cannot be stored: policy: has 51 significant digits; at most 38 can be stored exactly",
    )
    assert grace["status"] == "error"
    assert grace["error"].startswith("cannot be stored: the row's data is ")
    assert alan["status"] == "ready"
    counters = _get(deployed, batch)["counters"]
    assert (counters["cards"], counters["errors"]) == (3, 2)
    stored = deployed.api("GET", f"/cards/{ada['id']}", ADMIN)[1]
    assert "policy" not in stored["values"]
    assert stored["values"]["first_name"] == "Ada"


def test_the_approval_policy_decides_whether_a_batch_waits(deployed: Any, s3_event: Any) -> None:
    waiting = _validated_batch(deployed, s3_event)
    assert _step(deployed, waiting, "after_generation") == {"approval_required": True, "hold": False}
    _step(deployed, waiting, "request_approval", task_token="token-1")
    assert _get(deployed, waiting)["status"] == "pending_approval"

    straight = _validated_batch(deployed, s3_event, approval_required=False)
    assert _step(deployed, straight, "after_generation") == {"approval_required": False, "hold": False}
    approved = _get(deployed, straight)
    assert approved["status"] == "approved"
    assert approved["approval"]["decided_by"] == "policy:no-approval-required"


def _uploaded_batch(
    deployed: Any, s3_event: Callable[..., dict[str, Any]], creator: dict[str, Any], **process: Any
) -> dict[str, Any]:
    """A batch created over the API by ``creator``, its file uploaded, generated and waiting for
    approval."""
    _, created = deployed.api("POST", "/processes", ADMIN, body={**PROCESS, **process})
    deployed.api("POST", f"/processes/{created['id']}/publish", ADMIN)
    _, batch = deployed.api(
        "POST", "/batches", creator, body={"process_id": created["id"], "file_name": "f.csv"}
    )
    key = batch["upload"]["fields"]["key"]
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=FILE)
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(FILE)))
    for task in _chunk_tasks(deployed, batch):
        deployed.invoke("GenerateFunction", task)
    assert _step(deployed, batch, "after_generation") == {"approval_required": True, "hold": False}
    _step(deployed, batch, "request_approval", task_token="token-1")
    return _get(deployed, batch)


def test_four_eyes_compares_user_ids_not_email_spellings(deployed: Any, s3_event: Any) -> None:
    ann = {
        "sub": "sub-ann",
        "email": "Ann@Org-A.example",
        "cognito:groups": "approver",
        "custom:org_id": "org-a",
    }
    batch = _uploaded_batch(deployed, s3_event, ann, four_eyes=True)
    # The same person, the address spelled differently (or changed since): still the creator.
    for email in ("ann@org-a.example", "ann.new@org-a.example"):
        status, body = deployed.api("POST", f"/batches/{batch['id']}/approve", {**ann, "email": email})
        assert (status, "four-eyes" in body.get("error", {}).get("message", "")) == (403, True)
    assert (batch["created_by"], batch["created_by_email"]) == ("sub-ann", "Ann@Org-A.example")
    other = {**ann, "sub": "sub-bo", "email": "bo@org-a.example"}
    status, approved = deployed.api("POST", f"/batches/{batch['id']}/approve", other)
    assert (status, approved["status"]) == (200, "approved")
    assert (approved["approval"]["decided_by"], approved["approval"]["decided_by_email"]) == (
        "sub-bo",
        "bo@org-a.example",
    )


def test_four_eyes_applies_to_any_creator_id_a_batch_carries(deployed: Any, s3_event: Any) -> None:
    """A dropped file's batch records who dropped it (an id from the S3 key or event): that user
    cannot approve it either."""
    batch = _validated_batch(deployed, s3_event, four_eyes=True)
    _step(deployed, batch, "after_generation")
    _step(deployed, batch, "request_approval", task_token="token-1")
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)
    BatchStore(settings).transition(
        "org-a",
        batch["id"],
        BatchStatus.pending_approval,
        sources=[BatchStatus.pending_approval],
        set_values={"created_by": "sub-dropper"},
    )
    dropper = {
        "sub": "sub-dropper",
        "email": "ops@org-a.example",
        "cognito:groups": "approver",
        "custom:org_id": "org-a",
    }
    assert deployed.api("POST", f"/batches/{batch['id']}/approve", dropper)[0] == 403
    assert deployed.api("POST", f"/batches/{batch['id']}/approve", ADMIN)[0] == 200


def test_sending_delivers_each_card_once_by_its_channel(deployed: Any, s3_event: Any) -> None:
    batch = _validated_batch(deployed, s3_event, approval_required=False)
    [task] = _chunk_tasks(deployed, batch)
    deployed.invoke("GenerateFunction", task)
    _step(deployed, batch, "after_generation")
    assert _step(deployed, batch, "start_sending") == {"send": True}
    assert deployed.invoke("SendFunction", task)["sent"] == 3
    again = deployed.invoke("SendFunction", task)  # a retried chunk sends nothing
    assert (again["sent"], again["failed"]) == (0, 0)
    assert _step(deployed, batch, "finish_sending") == {"status": "sent"}
    emails = ses_backends["123456789012"]["us-east-1"].sent_messages
    sms = sns_backends["123456789012"]["us-east-1"].sms_messages
    assert sorted(m.destinations["ToAddresses"][0] for m in emails) == [
        "ada@example.com",
        "grace@example.com",
    ]
    assert [phone for phone, _ in sms.values()] == ["+14155550103"]
    sent = _get(deployed, batch)
    assert sent["counters"]["sent"] == 3
    assert sent["sent_label"] == "3/3 sent"
    [text] = [text for _, text in sms.values()]
    assert "Hi Alan" in text
    assert "https://api.test/c/" in text


def test_a_repeated_event_after_validation_starts_nothing(deployed: Any, s3_event: Any) -> None:
    batch = _validated_batch(deployed, s3_event)
    _step(deployed, batch, "after_generation")
    _step(deployed, batch, "request_approval", task_token="t")
    key = f"drop/{batch['process_id']}/file.csv"
    again = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(FILE)))
    assert again == {"batches": [], "imports": []}


def test_a_system_fault_marks_the_batch_failed_without_data_in_the_reason(
    deployed: Any, s3_event: Any
) -> None:
    batch = _validated_batch(deployed, s3_event)
    cause = json.dumps({"errorType": "ValueError", "errorMessage": "ada@example.com broke it"})
    _step(deployed, batch, "fail", error={"Error": "ValueError", "Cause": cause})
    failed = _get(deployed, batch)
    assert failed["status"] == "failed"
    assert failed["status_reason"] == (
        "Generating the cards stopped: an unexpected error in the application (ValueError). "
        "Resume the batch to continue from where it stopped."
    )
    assert failed["failure"]["error"] == "ValueError"
    assert "ada@example.com" not in json.dumps(failed)
