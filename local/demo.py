"""``make demo``: one batch end to end on the local stack, as people would drive it.

An admin creates and publishes a process, a file is dropped into S3 with boto3, the batch is
validated and generated, a second person approves it, and the cards go out. Prints a summary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import boto3

from local import tokens
from local.client import ApiClient, wait_for
from local.stack import ROOT, STATE_DIR, port_free, running

ORG = "demo-org"
SETTLED = {"sent", "partially_sent", "failed", "invalid", "approved"}


def run(examples: Path = ROOT / "examples", out: Any = sys.stdout) -> int:
    aws_port = 4566 if port_free(4566) else 0
    api_port = 3000 if port_free(3000) else 0
    with running(aws_port=aws_port, api_port=api_port) as stack:
        print(f"local stack up: API {stack.api_url}, AWS {stack.aws_endpoint}", file=out)
        admin = ApiClient(
            stack.api_url, tokens.issue(STATE_DIR, user="admin@demo.example", role="admin", org=ORG)
        )
        approver = ApiClient(
            stack.api_url, tokens.issue(STATE_DIR, user="approver@demo.example", role="approver", org=ORG)
        )
        process = admin.post("/processes", json.loads((examples / "process.json").read_text()))
        admin.post(f"/processes/{process['id']}/publish")
        print(f"process {process['name']!r} ({process['id']}) is live", file=out)

        s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
        key = f"drop/{process['id']}/recipients.csv"
        s3.upload_file(str(examples / "recipients.csv"), stack.bucket, key)
        print(f"uploaded examples/recipients.csv to s3://{stack.bucket}/{key}", file=out)

        def pending() -> Any:
            items = admin.get("/batches")["items"]
            return items[0] if items and items[0]["status"] in {"pending_approval", *SETTLED} else None

        batch = wait_for(pending)
        print(f"batch {batch['name']!r} ({batch['id']}) is {batch['status']}: {_counts(batch)}", file=out)
        if batch["status"] == "pending_approval":
            approver.post(f"/batches/{batch['id']}/approve")
            print("approved by approver@demo.example", file=out)
        batch = wait_for(lambda: _settled(admin, batch["id"]))
        print(f"batch is {batch['status']}: {batch['sent_label']} ({_counts(batch)})", file=out)
        messages = stack.outbox().messages()
        print(f"outbox: {len(messages)} message(s)", file=out)
        for message in messages:
            what = message["subject"] if message["channel"] == "email" else message["body"]
            print(f"  {message['channel']:5} {message['recipient']:24} {what}", file=out)
        return 0 if batch["status"] in {"sent", "partially_sent"} else 1


def _settled(client: ApiClient, batch_id: str) -> Any:
    batch = client.get(f"/batches/{batch_id}")
    return batch if batch["status"] in SETTLED - {"approved"} else None


def _counts(batch: dict[str, Any]) -> str:
    counters = batch["counters"]
    return ", ".join(f"{name} {counters[name]}" for name in ("rows", "accepted", "rejected", "cards", "sent"))
