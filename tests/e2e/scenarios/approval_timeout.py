"""Run as a script: a local stack of its own with a 2-second approval timeout (one stack per
process), a batch left unapproved, and its final status printed as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3

from local import tokens
from local.client import ApiClient, ApiError, wait_for
from local.stack import STATE_DIR, running

ROOT = Path(__file__).resolve().parents[3]


def main() -> int:
    with running(aws_port=0, api_port=0, console_port=0, parameters={"ApprovalTimeoutSeconds": "2"}) as stack:
        admin = ApiClient(
            stack.api_url, tokens.issue(STATE_DIR, user="a@x.test", role="admin", org="timeout")
        )
        process = admin.post("/processes", json.loads((ROOT / "examples" / "process.json").read_text()))
        admin.post(f"/processes/{process['id']}/publish")
        s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
        s3.upload_file(str(ROOT / "examples" / "recipients.csv"), stack.bucket, f"drop/{process['id']}/r.csv")

        def settled() -> object:
            items = admin.get("/batches")["items"]
            return items[0] if items and items[0]["status"] in {"expired", "failed", "invalid"} else None

        batch = wait_for(settled, timeout=300)
        late = ApiClient(
            stack.api_url, tokens.issue(STATE_DIR, user="b@x.test", role="approver", org="timeout")
        )
        try:
            late.post(f"/batches/{batch['id']}/approve")
            approve_status = 200
        except ApiError as exc:
            approve_status = exc.status
        print(
            json.dumps(
                {"status": batch["status"], "reason": batch["status_reason"], "late_approve": approve_status}
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
