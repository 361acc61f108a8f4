"""A recurring weekly distribution on the local stack, with the local clock moved forward: it fires
three times (three batches, sent), is paused (a week passes, nothing fires), resumed (it fires
again), and cancelled (nothing more, and it leaves Upcoming)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from local.client import ApiClient, wait_for
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
ROWS = "first_name,email\nAda,ada@example.com\nBo,bo@example.com\n"


def _next_monday_six(now: datetime) -> datetime:
    days = (7 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=6, minute=0, second=0, microsecond=0)


def _batches(client: ApiClient, schedule_id: str) -> list[dict[str, Any]]:
    return [b for b in client.get("/batches?limit=100")["items"] if b["schedule_id"] == schedule_id]


def _all_sent(client: ApiClient, schedule_id: str, count: int) -> list[dict[str, Any]]:
    def done() -> Any:
        batches = _batches(client, schedule_id)
        finished = [b for b in batches if b["status"] in {"sent", "partially_sent", "failed", "invalid"}]
        return batches if len(batches) == count and len(finished) == count else None

    return list(wait_for(done, timeout=90))


def test_a_weekly_distribution_fires_pauses_resumes_and_is_cancelled(
    stack: LocalStack, admin: ApiClient, org: str
) -> None:
    example = json.loads((ROOT / "examples" / "process.json").read_text())
    process = admin.post("/processes", {**example, "approval_required": False})
    admin.post(f"/processes/{process['id']}/publish")
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.put_object(Bucket=stack.bucket, Key=f"sources/{org}/weekly/list.csv", Body=ROWS.encode())

    start = _next_monday_six(stack.clock.now())
    when = {"mode": "recurring", "start_at": start.strftime("%Y-%m-%dT%H:%M"), "frequency": "weekly"}
    config = {"kind": "distribution", "process_id": process["id"], "source_prefix": "weekly/"}
    schedule = admin.post("/schedules", {"name": "Monday list", "config": config, "when": when})
    assert (schedule["status"], schedule["timing"]["expression"]) == ("recurring", "cron(0 6 ? * MON *)")
    path = f"/schedules/{schedule['id']}"

    # Three Mondays: three runs, each a batch of its own, sent before the next one.
    assert stack.advance_clock(start - stack.clock.now() + timedelta(minutes=1)) == 1
    for week in (1, 2, 3):
        batches = _all_sent(admin, schedule["id"], week)
        assert all(b["status"] == "sent" for b in batches)
        if week < 3:
            assert stack.advance_clock(timedelta(weeks=1)) == 1
    names = sorted(b["name"] for b in _batches(admin, schedule["id"]))
    expected = [f"Monday list {(start + timedelta(weeks=n)):%Y-%m-%d} 06:00" for n in range(3)]
    assert names == expected
    runs = admin.get(path)["recent_runs"]
    assert [r["outcome"] for r in runs] == ["started"] * 3

    # Paused: a week passes and nothing fires; it stays in Upcoming.
    assert admin.post(f"{path}/pause")["status"] == "recurring_paused"
    assert stack.advance_clock(timedelta(weeks=1)) == 0
    assert [s["status"] for s in admin.get("/schedules")["items"]] == ["recurring_paused"]

    # Resumed: the next Monday fires (the paused week is not made up).
    resumed = admin.post(f"{path}/resume")
    assert resumed["status"] == "recurring"
    assert stack.advance_clock(timedelta(weeks=1)) == 1
    assert len(_all_sent(admin, schedule["id"], 4)) == 4

    # Cancelled: nothing more, and it leaves Upcoming.
    assert admin.post(f"{path}/cancel")["status"] == "cancelled"
    assert stack.advance_clock(timedelta(weeks=2)) == 0
    assert admin.get("/schedules")["items"] == []
    assert len(_batches(admin, schedule["id"])) == 4
