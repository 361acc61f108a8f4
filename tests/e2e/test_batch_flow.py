"""A batch end to end on the local stack: S3 → validation → generation → approval → delivery."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.client import ApiClient, ApiError, wait_for
from local.stack import LocalStack, free_port

ROOT = Path(__file__).resolve().parents[2]
RECIPIENTS = ROOT / "examples" / "recipients.csv"


def _status(client: ApiClient, batch_id: str, *wanted: str) -> Any:
    return wait_for(lambda: (b := client.get(f"/batches/{batch_id}"))["status"] in wanted and b, timeout=60)


def _only_batch(client: ApiClient, *wanted: str) -> dict[str, Any]:
    def ready() -> Any:
        items = client.get("/batches")["items"]
        return items[0] if items and items[0]["status"] in wanted else None

    return dict(wait_for(ready, timeout=60))


def test_a_dropped_file_is_approved_by_a_second_person_and_sent(
    stack: LocalStack,
    admin: ApiClient,
    live_process: dict[str, Any],
    client_for: Callable[..., ApiClient],
    org: str,
) -> None:
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.upload_file(str(RECIPIENTS), stack.bucket, f"drop/{live_process['id']}/recipients.csv")

    batch = _only_batch(admin, "pending_approval", "invalid", "failed")
    assert batch["status"] == "pending_approval"
    assert batch["counters"]["accepted"] == 4
    assert batch["counters"]["cards"] == 4

    sender = client_for(f"sender@{org}.test", "sender", org)
    with pytest.raises(ApiError) as refused:
        sender.post(f"/batches/{batch['id']}/approve")
    assert refused.value.status == 403
    stranger = client_for("approver@elsewhere.test", "approver", "org-elsewhere")
    with pytest.raises(ApiError) as hidden:
        stranger.post(f"/batches/{batch['id']}/approve")
    assert hidden.value.status == 404

    approver = client_for(f"approver@{org}.test", "approver", org)
    approved = approver.post(f"/batches/{batch['id']}/approve")
    assert approved["status"] == "approved"
    assert approved["approval"]["decided_by_email"] == f"approver@{org}.test"
    assert approved["approval"]["decided_by"] not in {None, f"approver@{org}.test"}  # the user id

    sent = _status(admin, batch["id"], "sent", "partially_sent", "failed")
    assert sent["status"] == "sent", sent["status_reason"]
    assert sent["sent_label"] == "4/4 sent"
    mine = [m for m in stack.outbox().messages() if m["batch_id"] == batch["id"]]
    assert len(mine) == 4
    assert len({m["card_id"] for m in mine}) == 4
    assert sorted(m["channel"] for m in mine) == ["email", "email", "email", "sms"]

    with pytest.raises(ApiError) as again:
        approver.post(f"/batches/{batch['id']}/approve")
    assert again.value.status == 409


def test_an_upload_through_the_presigned_post_can_be_rejected_and_sends_nothing(
    stack: LocalStack,
    admin: ApiClient,
    live_process: dict[str, Any],
    client_for: Callable[..., ApiClient],
    org: str,
    post_form: Callable[[dict[str, Any], bytes], int],
) -> None:
    created = admin.post("/batches", {"process_id": live_process["id"], "file_name": "recipients.csv"})
    assert post_form(created["upload"], RECIPIENTS.read_bytes()) in {
        200,
        204,
    }
    batch = _status(admin, created["id"], "pending_approval", "invalid", "failed")
    assert batch["status"] == "pending_approval"

    approver = client_for(f"approver@{org}.test", "approver", org)
    rejected = approver.post(f"/batches/{batch['id']}/reject", {"reason": "wrong list"})
    assert rejected["status"] == "rejected"
    assert rejected["approval"]["reason"] == "wrong list"
    final = _status(admin, batch["id"], "rejected")
    assert final["counters"]["sent"] == 0
    assert [m for m in stack.outbox().messages() if m["batch_id"] == batch["id"]] == []


def test_an_invalid_file_ends_invalid_with_its_reason(
    stack: LocalStack, admin: ApiClient, live_process: dict[str, Any]
) -> None:
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.put_object(
        Bucket=stack.bucket, Key=f"drop/{live_process['id']}/report.pdf", Body=b"%PDF-1.7\n\x00\x01binary"
    )
    batch = _only_batch(admin, "invalid", "failed", "pending_approval")
    assert batch["status"] == "invalid"
    assert batch["status_reason"] == "not a CSV or Excel file"


def test_the_gateway_refuses_requests_without_a_valid_token(stack: LocalStack) -> None:
    assert ApiClient(stack.api_url).get("/health") == {"status": "ok"}
    for token in (None, "dev.forged.token"):
        with pytest.raises(ApiError) as refused:
            ApiClient(stack.api_url, token).get("/batches")
        assert refused.value.status == 401
        assert refused.value.body["error"]["code"] == "unauthorized"


def test_the_dispatch_command_reports_the_stack_and_its_outbox(stack: LocalStack) -> None:
    command = [sys.executable, "-m", "local.cli"]
    ports = ["--api-port", str(stack.api_port), "--aws-port", str(stack.aws_port)]
    ports += ["--console-port", str(stack.console_port)]

    def run(*argv: str) -> str:
        return subprocess.run([*command, *argv], capture_output=True, check=True, text=True, cwd=ROOT).stdout

    assert json.loads(run("info", *ports)) == stack.info()
    assert json.loads(run(*ports, "info")) == stack.info()  # before the command, too
    assert stack.info()["console"] == stack.console_url
    token = run("token", "--user", "u@x.test", "--role", "sender", "--org", "o").strip()
    assert ApiClient(stack.api_url, token).get("/batches") == {"items": [], "next_cursor": None}
    assert json.loads(run("outbox", "--json", *ports)) == stack.outbox().messages()


def test_dispatch_up_serves_on_the_ports_given_and_the_other_commands_find_them(tmp_path: Path) -> None:
    """`dispatch up --api-port N --console-port M` (what `make up API_PORT=N CONSOLE_PORT=M`
    runs); `info` and `outbox` without ports then talk to that stack, not to the defaults; it stops
    cleanly on SIGTERM.

    Its output goes to files, not to a pipe read once: a pipe nobody reads blocks the stack's next
    write (the handlers' logs go to stdout) once its buffer is full, and the stack then never stops.
    """
    ports = ["--api-port", str(api_port := free_port()), "--aws-port", "0"]
    ports += ["--console-port", str(console_port := free_port())]
    command = [sys.executable, "-m", "local.cli"]
    out, err = tmp_path / "up.out", tmp_path / "up.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        up = subprocess.Popen(
            [*command, "up", *ports],
            stdout=stdout,
            stderr=stderr,
            text=True,
            cwd=ROOT,
        )

    def started() -> str | None:
        lines = out.read_text().splitlines(keepends=True)
        if lines and lines[0].endswith("\n"):
            return lines[0]
        assert up.poll() is None, f"dispatch up exited ({up.returncode}) early: {err.read_text()[-5000:]}"
        return None

    try:
        served = json.loads(wait_for(started, timeout=300))
        assert served["api"] == f"http://127.0.0.1:{api_port}"
        assert served["console"] == f"http://127.0.0.1:{console_port}"
        info = subprocess.run([*command, "info"], capture_output=True, check=True, text=True, cwd=ROOT)
        assert json.loads(info.stdout) == served
        outbox = subprocess.run(
            [*command, "outbox", "--json"], capture_output=True, check=True, text=True, cwd=ROOT
        )
        assert json.loads(outbox.stdout) == []
    finally:
        up.terminate()
        try:
            # `dispatch up` exits by itself within its stop deadline, printing every thread's stack first
            assert up.wait(timeout=300) == 0, err.read_text()[-20_000:]
        finally:
            if up.poll() is None:  # never left running, whatever failed
                up.kill()
    assert not (ROOT / ".local" / "running.json").exists()
