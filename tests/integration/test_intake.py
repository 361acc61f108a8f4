"""The validation function on S3 events: batches, staging, outcome, and idempotency."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dispatch.batches.models import BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.config import Settings
from local.lambdas import FunctionError

ROOT = Path(__file__).resolve().parents[2]
PROCESS = json.loads((ROOT / "examples" / "process.json").read_text())
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
S3Event = Callable[..., dict[str, Any]]


def _live_process(deployed: Any, **overrides: Any) -> dict[str, Any]:
    _, process = deployed.api("POST", "/processes", ADMIN, body={**PROCESS, **overrides})
    deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    return dict(process)


def _put(deployed: Any, key: str, body: bytes) -> str:
    """Write one version of ``key``; its version id (the bucket is versioned)."""
    return str(deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=body)["VersionId"])


def _drop(deployed: Any, s3_event: S3Event, key: str, body: bytes, **event: Any) -> dict[str, Any]:
    version = _put(deployed, key, body)
    return dict(
        deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(body), version, **event))
    )


def _staged_emails(deployed: Any, batch_id: str) -> list[str]:
    emails = []
    for key in _staged(deployed, batch_id):
        body = deployed.client("s3").get_object(Bucket=deployed.bucket, Key=key)["Body"].read().decode()
        emails += [json.loads(line)["email"] for line in body.splitlines()]
    return emails


def _rejected(deployed: Any) -> list[dict[str, Any]]:
    """Every object under rejected/: key, body and the reason recorded with it."""
    s3 = deployed.client("s3")
    listing = s3.list_objects_v2(Bucket=deployed.bucket, Prefix="rejected/").get("Contents", [])
    found = []
    for item in listing:
        obj = s3.get_object(Bucket=deployed.bucket, Key=item["Key"])
        found.append({"key": item["Key"], "body": obj["Body"].read(), "metadata": obj["Metadata"]})
    return found


def _versions(deployed: Any, key: str) -> list[str]:
    listing = deployed.client("s3").list_object_versions(Bucket=deployed.bucket, Prefix=key)
    return [v["VersionId"] for v in listing.get("Versions", []) if v["Key"] == key]


@pytest.fixture
def rejected_metrics(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The metrics the validation function adds (Powertools' metrics are not printed in tests)."""
    from dispatch.observability import metrics

    added: list[dict[str, Any]] = []
    original = metrics.add_metric

    def add_metric(**kwargs: Any) -> None:
        added.append(kwargs)
        original(**kwargs)

    monkeypatch.setattr(metrics, "add_metric", add_metric)
    return added


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
    assert batch["dropped_by"] == "AWS:AIDAEXAMPLE"
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
    version = _put(deployed, key, body)
    first = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(body), version))
    again = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(body), version))
    # still generating: the repeat re-issues the (named, so no-op) start of the same execution
    assert again["batches"] == first["batches"]
    assert len(_batches(deployed)) == 1
    assert len(_executions(deployed)) == 1


def test_two_quick_writes_of_one_drop_key_are_two_batches_each_with_its_own_file(
    deployed: Any, s3_event: S3Event
) -> None:
    """Both events arrive after the second write: each is validated against the version it names."""
    process = _live_process(deployed)
    key = f"drop/{process['id']}/weekly.csv"
    ada, bob = b"first_name,email\nAda,ada@example.com\n", b"first_name,email\nBob,bob@example.com\n"
    first, second = _put(deployed, key, ada), _put(deployed, key, bob)
    for version, body in ((first, ada), (second, bob)):
        deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(body), version))
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(ada), first))  # a repeat
    batches = _batches(deployed)
    assert len(batches) == 2
    assert sorted(_staged_emails(deployed, batch["id"])[0] for batch in batches) == [
        "ada@example.com",
        "bob@example.com",
    ]
    assert len(_executions(deployed)) == 2


def test_a_presigned_upload_used_twice_keeps_the_first_file_and_rejects_the_second(
    deployed: Any, s3_event: S3Event, rejected_metrics: list[dict[str, Any]]
) -> None:
    process = _live_process(deployed)
    _, batch = deployed.api(
        "POST", "/batches", ADMIN, body={"process_id": process["id"], "file_name": "x.csv"}
    )
    key = batch["upload"]["fields"]["key"]
    ada, bob = b"first_name,email\nAda,ada@example.com\n", b"first_name,email\nBob,bob@example.com\n"
    first, second = _put(deployed, key, ada), _put(deployed, key, bob)
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(ada), first))
    assert deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(bob), second)) == {
        "batches": [],
        "imports": [],
    }
    assert _staged_emails(deployed, batch["id"]) == ["ada@example.com"]
    assert deployed.api("GET", f"/batches/{batch['id']}", ADMIN)[1]["status"] == "generating"
    # the second file is moved aside with its reason; the batch's own file is the object again
    [rejected] = _rejected(deployed)
    assert rejected["key"] == f"rejected/{second}/{key}"
    assert rejected["body"] == bob
    assert "already has its file" in rejected["metadata"]["reason"]
    assert _versions(deployed, key) == [first]
    assert [m["name"] for m in rejected_metrics] == ["RejectedDrops"]
    # a repeated event for the rejected version, and one for the batch's own, change nothing
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(bob), second))
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(ada), first))
    assert len(_rejected(deployed)) == 1
    assert len(rejected_metrics) == 1
    assert len(_executions(deployed)) == 1


def test_an_upload_arriving_while_its_batch_validates_another_file_is_rejected(
    deployed: Any, s3_event: S3Event
) -> None:
    """The race of two uploads: the second event finds the batch already claimed by the first."""
    process = _live_process(deployed)
    _, batch = deployed.api(
        "POST", "/batches", ADMIN, body={"process_id": process["id"], "file_name": "x.csv"}
    )
    key = batch["upload"]["fields"]["key"]
    first = _put(deployed, key, b"first_name,email\nAda,ada@example.com\n")
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("ValidateFunction")].environment)
    BatchStore(settings).transition(
        "org-a", batch["id"], BatchStatus.validating, set_values={"source_version": first}
    )
    second = _put(deployed, key, b"first_name,email\nBob,bob@example.com\n")
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, 40, second))
    assert [item["key"] for item in _rejected(deployed)] == [f"rejected/{second}/{key}"]
    assert _versions(deployed, key) == [first]


def test_a_drop_names_who_dropped_it(deployed: Any, s3_event: S3Event) -> None:
    """``drop/<process>/users/<user id>/<file>``: the user is the batch's creator (four-eyes
    compares it with the approver's id); the S3 principal that wrote the object is recorded."""
    process = _live_process(deployed)
    body = b"first_name,email\nAda,ada@example.com\n"
    _drop(
        deployed,
        s3_event,
        f"drop/{process['id']}/users/sub-sender/mine.csv",
        body,
        principal="AWS:AIDASENDER",
    )
    _drop(deployed, s3_event, f"drop/{process['id']}/system.csv", body, principal="AWS:AROASYSTEM:etl")
    by_file = {batch["file_name"]: batch for batch in _batches(deployed)}
    assert (by_file["mine.csv"]["created_by"], by_file["mine.csv"]["dropped_by"]) == (
        "sub-sender",
        "AWS:AIDASENDER",
    )
    assert (by_file["system.csv"]["created_by"], by_file["system.csv"]["dropped_by"]) == (
        "s3-drop",
        "AWS:AROASYSTEM:etl",
    )


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


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("drop/no-such-process/x.csv", "no process"),
        ("drop/{process}/sub/x.csv", "not where files are dropped"),
        ("drop/{process}/users/sub-a/deeper/x.csv", "not where files are dropped"),
        ("drop/{process}/users//x.csv", "not where files are dropped"),
        ("drop/x.csv", "not where files are dropped"),
        ("uploads/org-a/no-such-batch/source", "no batch"),
        ("uploads/org-a/x.csv", "not an upload"),
    ],
)
def test_a_dropped_object_that_makes_no_batch_is_moved_aside_with_its_reason(
    deployed: Any, s3_event: S3Event, rejected_metrics: list[dict[str, Any]], key: str, reason: str
) -> None:
    process = _live_process(deployed)
    key = key.format(process=process["id"])
    body = b"email\na@example.com\n"
    version = _put(deployed, key, body)
    event = s3_event(deployed.bucket, key, len(body), version, principal="AWS:AIDADROPPER")
    assert deployed.invoke("ValidateFunction", event) == {"batches": [], "imports": []}
    assert _batches(deployed) == []
    assert _versions(deployed, key) == []
    [rejected] = _rejected(deployed)
    assert rejected["key"] == f"rejected/{version}/{key}"
    assert rejected["body"] == body
    assert reason in rejected["metadata"]["reason"]
    assert rejected["metadata"]["dropped-by"] == "AWS:AIDADROPPER"
    assert [(m["name"], m["value"]) for m in rejected_metrics] == [("RejectedDrops", 1)]


def test_an_object_outside_uploads_and_drop_is_counted_and_left_alone(
    deployed: Any, s3_event: S3Event, rejected_metrics: list[dict[str, Any]]
) -> None:
    """The bucket notifies only for uploads/ and drop/; anywhere else the objects are the
    application's own (staging, reports, exports, sources), which the function may not touch."""
    key = "sources/org-a/weekly/list.csv"
    version = _put(deployed, key, b"email\na@example.com\n")
    assert deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, 20, version)) == {
        "batches": [],
        "imports": [],
    }
    assert _versions(deployed, key) == [version]
    assert _rejected(deployed) == []
    assert [m["name"] for m in rejected_metrics] == ["RejectedDrops"]


def test_a_folder_placeholder_is_not_a_file(
    deployed: Any, s3_event: S3Event, rejected_metrics: list[dict[str, Any]]
) -> None:
    """The S3 console's "create folder" writes a zero-byte key ending in "/": no file, no alarm."""
    process = _live_process(deployed)
    key = f"drop/{process['id']}/users/"
    version = _put(deployed, key, b"")
    assert deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, 0, version)) == {
        "batches": [],
        "imports": [],
    }
    assert _versions(deployed, key) == [version]
    assert rejected_metrics == []


def test_an_event_without_an_object_version_is_refused_loudly(deployed: Any, s3_event: S3Event) -> None:
    """Without the version the announced file cannot be told from a later write of its key."""
    process = _live_process(deployed)
    key = f"drop/{process['id']}/x.csv"
    _put(deployed, key, b"email\na@example.com\n")
    event = s3_event(deployed.bucket, key, 20)
    del event["Records"][0]["s3"]["object"]["versionId"]
    with pytest.raises(FunctionError, match="versioning"):
        deployed.invoke("ValidateFunction", event)
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
    assert batch["status_reason"] == "validation failed (MemoryError); upload the file again (as a new batch)"
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
