"""``make demo``: one batch end to end on the local stack, as people would drive it.

An admin creates and publishes a process, a file is dropped into S3 with boto3, the batch is
validated and generated, a second person approves it, and the cards go out. Prints a summary, and
the operator console's address with a sign-in link for the demo's approver.

Interactive (a terminal on stdin, or ``--wait``): the batch waits for approval in the console —
approve or reject it there, or press Enter and the demo approves it — and at the end the local
stack stays up for the console until Enter. Otherwise (CI, ``--no-wait``) the demo approves at
once and ends, printing the console's address and the sign-in link last.

SMS quiet hours are on by default (21:00-08:00 in each recipient's local time), so run at night for
the example's Californian numbers, the SMS-only card waits. The demo says so, then moves the local
clock to the time it may go, as ``dispatch clock advance`` would: the sweep sends it, and the demo
ends with every card sent whatever the hour. ``--start-at`` starts the local clock at another
(future) moment, to see it at a chosen time of day.
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import boto3

from dispatch.clock import parse_iso
from local import tokens
from local.client import ApiClient, wait_for
from local.stack import ROOT, STATE_DIR, LocalStack, port_free, running

ORG = "demo-org"
APPROVER = "approver@demo.example"
SETTLED = {"sent", "partially_sent", "failed", "invalid", "approved"}
DECIDED = {"approved", "rejected", "expired", "sending", "sent", "partially_sent", "failed"}
# How long after the last deferred card is due the clock is moved: the sweep runs every 5 minutes.
SWEEP_MARGIN = timedelta(minutes=6)


def run(
    examples: Path = ROOT / "examples",
    out: Any = sys.stdout,
    wait: bool = False,
    keys: TextIO = sys.stdin,
    start_at: datetime | None = None,
) -> int:
    ports = {
        name: port if port_free(port) else 0
        for name, port in (("aws", 4566), ("api", 3000), ("console", 3001))
    }
    with running(aws_port=ports["aws"], api_port=ports["api"], console_port=ports["console"]) as stack:
        if start_at is not None:
            stack.clock.set(start_at)
        print(
            f"local stack up: API {stack.api_url}, console {stack.console_url}, AWS {stack.aws_endpoint}",
            file=out,
        )
        admin = ApiClient(
            stack.api_url, tokens.issue(STATE_DIR, user="admin@demo.example", role="admin", org=ORG)
        )
        approver = ApiClient(stack.api_url, tokens.issue(STATE_DIR, user=APPROVER, role="approver", org=ORG))
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
        link = stack.sign_in_link(APPROVER, "approver", ORG, f"/batches/{batch['id']}")
        enter = EnterKey(keys) if wait else None
        if batch["status"] == "pending_approval":
            if enter is not None:
                print(f"console: {stack.console_url}", file=out)
                print(f"sign in as the approver: {link}", file=out)
                print("the batch waits for approval: approve or reject it in the console,", file=out)
                print("or press Enter and the demo approves it", file=out, flush=True)
                decided = _decided_or_enter(admin, batch["id"], enter)
            else:
                decided = None
            if decided is None:
                approver.post(f"/batches/{batch['id']}/approve")
                print(f"approved by {APPROVER}", file=out)
            else:
                verdict = "rejected" if decided["status"] == "rejected" else "approved"
                print(f"{verdict} in the console by {decided['approval']['decided_by_email']}", file=out)
        batch = wait_for(lambda: _settled(admin, batch["id"]))
        _print_batch(batch, out)
        if (batch.get("deferred") or {}).get("cards"):
            batch = _after_quiet_hours(stack, admin, batch, out)
        messages = stack.outbox().messages()
        print(f"outbox: {len(messages)} message(s)", file=out)
        for message in messages:
            what = message["subject"] if message["channel"] == "email" else message["body"]
            print(f"  {message['channel']:5} {message['recipient']:24} {what}", file=out)
        _console(stack, link, out, enter)
        return 0 if batch["status"] in {"sent", "partially_sent", "rejected"} else 1


class EnterKey:
    """Enter presses on ``keys``, read by one thread (two readers of one stream would steal each
    other's lines), so the demo can wait for Enter and watch the batch at the same time."""

    def __init__(self, keys: TextIO) -> None:
        self._pressed = threading.Semaphore(0)
        threading.Thread(target=self._read, args=(keys,), daemon=True, name="demo-enter").start()

    def _read(self, keys: TextIO) -> None:
        while keys.readline():
            self._pressed.release()
        self._pressed.release()  # end of input counts as Enter: nothing more will come

    def pressed(self, timeout: float | None = None) -> bool:
        return self._pressed.acquire(timeout=timeout)


def _decided_or_enter(client: ApiClient, batch_id: str, enter: EnterKey) -> dict[str, Any] | None:
    """The batch once someone decided in the console, or None when Enter was pressed first."""
    while not enter.pressed(0.5):
        batch = client.get(f"/batches/{batch_id}")
        if batch["status"] in DECIDED:
            return dict(batch)
    return None


def _console(stack: LocalStack, link: str, out: Any, enter: EnterKey | None) -> None:
    """The last lines: where the console is, and how to sign in to it as the approver."""
    print(f"console: {stack.console_url}", file=out)
    print(f"sign in as the approver: {link}", file=out, flush=True)
    if enter is not None:
        print("the local stack stays up for the console; press Enter to stop it", file=out, flush=True)
        enter.pressed()


def _after_quiet_hours(stack: LocalStack, client: ApiClient, batch: dict[str, Any], out: Any) -> Any:
    """Cards waiting for their recipients' quiet hours: say which and until when, move the local
    clock past that time (the sweep, a schedule, fires on the way) and show the batch once sent."""
    deferred = batch["deferred"]
    print(
        f"{deferred['cards']} card(s) wait for their recipients' SMS quiet hours (21:00-08:00 local "
        f"time) to end, until {deferred['latest']}: the sweep sends them then",
        file=out,
    )
    target = parse_iso(deferred["latest"]) + SWEEP_MARGIN
    print(f"moving the local clock to {target:%Y-%m-%d %H:%M} UTC (dispatch clock advance)", file=out)
    stack.advance_clock(max(target - stack.clock.now(), timedelta(0)))
    batch = wait_for(lambda: _sent_after_the_wait(client, batch["id"]))
    _print_batch(batch, out)
    return batch


def _sent_after_the_wait(client: ApiClient, batch_id: str) -> Any:
    batch = client.get(f"/batches/{batch_id}")
    waiting = (batch.get("deferred") or {}).get("cards")
    return batch if batch["status"] in {"sent", "partially_sent", "failed"} and not waiting else None


def _print_batch(batch: dict[str, Any], out: Any) -> None:
    reason = f" — {batch['status_reason']}" if batch.get("status_reason") else ""
    print(f"batch is {batch['status']}: {batch['sent_label']} ({_counts(batch)}){reason}", file=out)


def _settled(client: ApiClient, batch_id: str) -> Any:
    batch = client.get(f"/batches/{batch_id}")
    return batch if batch["status"] in (SETTLED | {"rejected"}) - {"approved"} else None


def _counts(batch: dict[str, Any]) -> str:
    counters = batch["counters"]
    return ", ".join(f"{name} {counters[name]}" for name in ("rows", "accepted", "rejected", "cards", "sent"))
