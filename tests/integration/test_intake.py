"""The validation function on S3 events: batches, staging, outcome, and idempotency."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROCESS = json.loads((ROOT / "examples" / "process.json").read_text())
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
S3Event = Callable[..., dict[str, Any]]


def _live_process(deployed: Any, **overrides: Any) -> dict[str, Any]:
    _, process = deployed.api("POST", "/processes", ADMIN, body={**PROCESS, **overrides})
    deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    return dict(process)


def _drop(deployed: Any, s3_event: S3Event, key: str, body: bytes, sequencer: str = "00A1") -> dict[str, Any]:
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=body)
    return dict(deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(body), sequencer)))


def _batches(deployed: Any) -> list[dict[str, Any]]:
    return list(deployed.api("GET", "/batches", ADMIN)[1]["items"])


def _staged(deployed: Any, batch_id: str) -> list[str]:
    listing = deployed.client("s3").list_objects_v2(Bucket=deployed.bucket, Prefix=f"staging/{batch_id}/")
    return [obj["Key"] for obj in listing.get("Contents", [])]


def _executions(deployed: Any) -> list[dict[str, Any]]:
    return list(deployed.executions())


def test_a_dropped_file_becomes_a_validated_batch_and_starts_the_lifecycle(
    deployed: Any, s3_event: S3Event
) -> None:
    process = _live_process(deployed)
    body = (ROOT / "examples" / "recipients.csv").read_bytes()
    result = _drop(deployed, s3_event, f"drop/{process['id']}/March renewals.csv", body)
    [handled] = result["batches"]
    assert handled["status"] == "generating"
    [batch] = _batches(deployed)
    assert batch["name"] == "March renewals"
    assert batch["file_name"] == "March renewals.csv"
    assert batch["created_by"] == "s3-drop"
    assert batch["counters"] | {} == {
        **batch["counters"],
        "rows": 7,
        "accepted": 4,
        "rejected": 3,
    }
    assert _staged(deployed, batch["id"]) == [f"staging/{batch['id']}/chunk-00000.jsonl"]
    [execution] = _executions(deployed)
    assert execution["name"] == batch["id"]
    report = deployed.client("s3").get_object(Bucket=deployed.bucket, Key=f"reports/{batch['id']}/errors.csv")
    lines = report["Body"].read().decode().splitlines()
    assert lines[0] == "row,column,code,message,value"
    assert {line.split(",")[2] for line in lines[1:]} >= {"missing_required:first_name", "no_channel"}


@pytest.mark.parametrize("example", ["recipients.csv", "recipients.xlsx"])
def test_the_example_files_validate_alike(deployed: Any, s3_event: S3Event, example: str) -> None:
    process = _live_process(deployed)
    _drop(deployed, s3_event, f"drop/{process['id']}/{example}", (ROOT / "examples" / example).read_bytes())
    [batch] = _batches(deployed)
    assert batch["format"] == example.rsplit(".", 1)[1]
    counters = batch["counters"]
    assert (counters["rows"], counters["accepted"], counters["rejected"]) == (7, 4, 3)


def test_a_repeated_s3_event_creates_nothing_new(deployed: Any, s3_event: S3Event) -> None:
    process = _live_process(deployed)
    key = f"drop/{process['id']}/list.csv"
    body = b"first_name,email\nAda,ada@example.com\n"
    first = _drop(deployed, s3_event, key, body, sequencer="00B7")
    again = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(body), "00B7"))
    # still generating: the repeat re-issues the (named, so no-op) start of the same execution
    assert again["batches"] == first["batches"]
    assert len(_batches(deployed)) == 1
    assert len(_executions(deployed)) == 1


def test_a_new_write_of_the_same_key_is_a_new_batch(deployed: Any, s3_event: S3Event) -> None:
    process = _live_process(deployed)
    key = f"drop/{process['id']}/weekly.csv"
    _drop(deployed, s3_event, key, b"first_name,email\nAda,ada@example.com\n", sequencer="00C1")
    _drop(deployed, s3_event, key, b"first_name,email\nBob,bob@example.com\n", sequencer="00C2")
    assert len(_batches(deployed)) == 2


def test_a_file_without_a_channel_column_is_invalid_and_leaves_nothing_staged(
    deployed: Any, s3_event: S3Event
) -> None:
    process = _live_process(deployed)
    _drop(deployed, s3_event, f"drop/{process['id']}/names.csv", b"first_name,last_name\nAda,Lovelace\n")
    [batch] = _batches(deployed)
    assert batch["status"] == "invalid"
    assert batch["status_reason"] == "no email or phone column"
    assert _staged(deployed, batch["id"]) == []
    assert _executions(deployed) == []


def test_a_file_for_another_process_names_the_unknown_columns(deployed: Any, s3_event: S3Event) -> None:
    process = _live_process(deployed)
    _drop(deployed, s3_event, f"drop/{process['id']}/x.csv", b"email,policy_number\na@example.com,1\n")
    [batch] = _batches(deployed)
    assert batch["status"] == "invalid"
    assert "policy_number" in batch["status_reason"]


def test_a_drop_for_an_unknown_process_is_ignored(deployed: Any, s3_event: S3Event) -> None:
    assert _drop(deployed, s3_event, "drop/no-such-process/x.csv", b"email\na@example.com\n") == {
        "batches": []
    }
    assert _batches(deployed) == []


def test_a_drop_for_a_draft_process_fails_with_the_reason(deployed: Any, s3_event: S3Event) -> None:
    _, draft = deployed.api("POST", "/processes", ADMIN, body=PROCESS)
    _drop(deployed, s3_event, f"drop/{draft['id']}/x.csv", b"first_name,email\nAda,a@example.com\n")
    [batch] = _batches(deployed)
    assert batch["status"] == "failed"
    assert batch["status_reason"] == "the process is not live"


def test_an_uploaded_file_validates_the_batch_created_over_the_api(deployed: Any, s3_event: S3Event) -> None:
    process = _live_process(deployed)
    _, batch = deployed.api(
        "POST",
        "/batches",
        ADMIN,
        body={"process_id": process["id"], "file_name": "x.csv", "auto_distribute": True},
    )
    key = batch["upload"]["fields"]["key"]
    _drop(deployed, s3_event, key, b"first_name,phone\nAda,+14155550101\n")
    updated = deployed.api("GET", f"/batches/{batch['id']}", ADMIN)[1]
    assert updated["status"] == "generating"
    assert updated["auto_distribute"] is False
    assert "no email column" in updated["auto_distribute_reason"]


@pytest.mark.parametrize("chunk_rows", ["100"])
def test_large_files_are_staged_in_chunks(deployed: Any, s3_event: S3Event, chunk_rows: str) -> None:
    process = _live_process(deployed)
    rows = "".join(f"P{n},p{n}@example.com\n" for n in range(250))
    _drop(deployed, s3_event, f"drop/{process['id']}/big.csv", ("first_name,email\n" + rows).encode())
    [batch] = _batches(deployed)
    assert len(_staged(deployed, batch["id"])) == 3
    assert batch["counters"]["accepted"] == 250


def test_a_fault_during_validation_fails_the_batch_and_leaves_nothing_staged(
    deployed: Any, s3_event: S3Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dispatch.batches import intake

    def explode(*args: Any, **kwargs: Any) -> None:
        raise MemoryError("simulated")

    process = _live_process(deployed)
    monkeypatch.setattr(intake, "validate_file", explode)
    _drop(deployed, s3_event, f"drop/{process['id']}/x.csv", b"first_name,email\nAda,a@example.com\n")
    [batch] = _batches(deployed)
    assert batch["status"] == "failed"
    assert batch["status_reason"] == "validation failed (MemoryError); upload the file again"
    assert _staged(deployed, batch["id"]) == []


def test_the_row_error_report_is_a_presigned_download(deployed: Any, s3_event: S3Event) -> None:
    import urllib.parse

    process = _live_process(deployed)
    _drop(
        deployed, s3_event, f"drop/{process['id']}/r.csv", (ROOT / "examples" / "recipients.csv").read_bytes()
    )
    [batch] = _batches(deployed)
    status, report = deployed.api("GET", f"/batches/{batch['id']}/errors", ADMIN)
    assert status == 200
    assert report["rows_rejected"] == 3
    url = urllib.parse.urlparse(report["url"])
    assert url.path.endswith(f"/reports/{batch['id']}/errors.csv")
    assert "X-Amz-Expires=900" in url.query or "Expires=" in url.query
    body = deployed.client("s3").get_object(Bucket=deployed.bucket, Key=f"reports/{batch['id']}/errors.csv")
    rows = body["Body"].read().decode().splitlines()
    assert len(rows) == 1 + 3 + 1  # the header, three rejected rows, one row warning (an unusable email)


def test_a_batch_without_a_report_yet_is_a_404(deployed: Any) -> None:
    process = _live_process(deployed)
    _, batch = deployed.api(
        "POST", "/batches", ADMIN, body={"process_id": process["id"], "file_name": "a.csv"}
    )
    status, body = deployed.api("GET", f"/batches/{batch['id']}/errors", ADMIN)
    assert status == 404
    assert body["error"]["details"] == {"status": "uploading"}
