"""S3 drops on the local stack: the bucket is versioned from template.yaml and the emulated S3's
events name the version they announce and who wrote it, so each event is validated against its
own file; objects that make no batch are moved to rejected/ with their reason."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3

from local.client import ApiClient, wait_for
from local.stack import LocalStack

ADA = b"first_name,email\nAda,ada@example.com\n"
BOB = b"first_name,email\nBob,bob@example.com\n"


def _s3(stack: LocalStack, access_key: str = "local") -> Any:
    return boto3.client(
        "s3",
        endpoint_url=stack.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id=access_key,
        aws_secret_access_key="local",
    )


def _emails(client: ApiClient, batch_id: str) -> list[str]:
    return [card["email"] for card in client.get(f"/batches/{batch_id}/cards")["items"]]


def _rejected(stack: LocalStack, key: str) -> dict[str, Any]:
    """The one object moved aside from ``key``: its rejected/ key, body and metadata."""

    def moved() -> Any:
        listing = _s3(stack).list_objects_v2(Bucket=stack.bucket, Prefix="rejected/").get("Contents", [])
        return [item["Key"] for item in listing if item["Key"].endswith("/" + key)]

    [found] = wait_for(moved, timeout=60)
    obj = _s3(stack).get_object(Bucket=stack.bucket, Key=found)
    return {"key": found, "body": obj["Body"].read(), "metadata": obj["Metadata"]}


def test_two_quick_drops_of_one_key_are_two_batches_each_with_its_own_recipients(
    stack: LocalStack, admin: ApiClient, live_process: dict[str, Any]
) -> None:
    s3 = _s3(stack, access_key="dropper-key")
    assert s3.get_bucket_versioning(Bucket=stack.bucket)["Status"] == "Enabled"
    key = f"drop/{live_process['id']}/users/sub-dropper/weekly.csv"
    with stack.runtime.held():  # both writes land before either event is handled
        first = s3.put_object(Bucket=stack.bucket, Key=key, Body=ADA)["VersionId"]
        second = s3.put_object(Bucket=stack.bucket, Key=key, Body=BOB)["VersionId"]
    assert first != second

    def both_waiting() -> Any:
        items = admin.get("/batches")["items"]
        return len(items) == 2 and all(item["status"] == "pending_approval" for item in items) and items

    batches = wait_for(both_waiting, timeout=60)
    assert sorted(email for batch in batches for email in _emails(admin, batch["id"])) == [
        "ada@example.com",
        "bob@example.com",
    ]
    assert {(batch["created_by"], batch["dropped_by"]) for batch in batches} == {
        ("sub-dropper", "AWS:dropper-key")
    }


def test_a_presigned_upload_used_twice_leaves_the_batch_its_first_file(
    stack: LocalStack,
    admin: ApiClient,
    live_process: dict[str, Any],
    post_form: Callable[[dict[str, Any], bytes], int],
) -> None:
    created = admin.post("/batches", {"process_id": live_process["id"], "file_name": "list.csv"})
    upload = created["upload"]
    assert post_form(upload, ADA) in {200, 204}
    wait_for(lambda: admin.get(f"/batches/{created['id']}")["status"] == "pending_approval", timeout=60)
    assert post_form(upload, BOB) in {200, 204}

    rejected = _rejected(stack, upload["fields"]["key"])
    assert rejected["body"] == BOB
    assert "already has its file" in rejected["metadata"]["reason"]
    assert rejected["metadata"]["dropped-by"].startswith("AWS:")
    assert _s3(stack).get_object(Bucket=stack.bucket, Key=upload["fields"]["key"])["Body"].read() == ADA
    assert _emails(admin, created["id"]) == ["ada@example.com"]


def test_a_drop_for_an_unknown_process_is_moved_aside_with_its_reason(stack: LocalStack) -> None:
    key = "drop/no-such-process/list.csv"
    version = _s3(stack).put_object(Bucket=stack.bucket, Key=key, Body=ADA)["VersionId"]
    rejected = _rejected(stack, key)
    assert rejected["key"] == f"rejected/{version}/{key}"
    assert rejected["metadata"]["reason"] == "no process with the id this key names"
    listing = _s3(stack).list_object_versions(Bucket=stack.bucket, Prefix=key)
    assert [v for v in listing.get("Versions", []) if v["Key"] == key] == []
