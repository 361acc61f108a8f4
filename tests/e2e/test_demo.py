"""`make demo` (dispatch demo), in its own process with its own local stack: without a terminal it
approves at once and ends with the console's address and the approver's sign-in link; with --wait
the batch waits for a decision in the console."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from local import tokens
from local.client import ApiClient
from local.stack import STATE_DIR

ROOT = Path(__file__).resolve().parents[2]
COMMAND = [sys.executable, "-m", "local.cli", "demo"]


def tomorrow_at(hour: int) -> str:
    """A start for the local clock at ``hour`` UTC tomorrow (the clock only moves forward). The
    example's SMS-only recipient is in California: 19:00 UTC is late morning there, 07:00 UTC is
    night (23:00 PST or 00:00 PDT), inside the default SMS quiet hours 21:00-08:00."""
    day = datetime.now(UTC).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), tzinfo=UTC).isoformat()


def demo_lines(*options: str) -> list[str]:
    done = subprocess.run(
        [*COMMAND, "--no-wait", *options],
        check=False,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-1000:]
    return done.stdout.strip().splitlines()


def test_without_a_terminal_the_demo_approves_and_ends_with_the_console_and_the_approvers_link() -> None:
    lines = demo_lines("--start-at", tomorrow_at(19))
    assert "approved by approver@demo.example" in lines
    assert any(line.startswith("batch is sent: 4/4 sent") for line in lines)
    assert not any("quiet hours" in line for line in lines)  # daytime for every recipient
    console = re.fullmatch(r"console: (http://127\.0\.0\.1:\d+)", lines[-2])
    assert console is not None
    assert re.fullmatch(
        rf"sign in as the approver: {console.group(1)}/batches/\w+"
        r"\?dev_user=approver%40demo\.example&dev_role=approver&dev_org=demo-org",
        lines[-1],
    )


def test_with_wait_the_batch_waits_for_a_decision_in_the_console() -> None:
    demo = subprocess.Popen(
        [*COMMAND, "--wait"], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
    )
    assert demo.stdin is not None
    assert demo.stdout is not None
    try:
        seen: list[str] = []
        while not seen or "press Enter and the demo approves it" not in seen[-1]:
            line = demo.stdout.readline()
            assert line, f"the demo ended early: {seen}"
            seen.append(line.strip())
        api = re.search(r"API (http://127\.0\.0\.1:\d+)", seen[0])
        batch = re.search(r"/batches/(\w+)\?dev_user", "\n".join(seen))
        assert api is not None
        assert batch is not None
        # An approver approves it in the console: the same API call the console makes.
        token = tokens.issue(STATE_DIR, user="other-approver@demo.example", role="approver", org="demo-org")
        ApiClient(api.group(1), token).post(f"/batches/{batch.group(1)}/approve")
        while not seen[-1].startswith("the local stack stays up"):
            line = demo.stdout.readline()
            assert line, f"the demo ended early: {seen}"
            seen.append(line.strip())
        assert "approved in the console by other-approver@demo.example" in seen, seen
        assert "approved by approver@demo.example" not in seen  # the demo did not approve it itself
        assert any(line.startswith("batch is sent: 4/4 sent") for line in seen)
        demo.stdin.write("\n")
        demo.stdin.flush()
        assert demo.wait(timeout=300) == 0
    finally:
        if demo.poll() is None:
            demo.kill()


def test_at_night_the_demo_says_what_waits_for_quiet_hours_and_sends_it_when_they_end() -> None:
    """Run during the SMS recipient's night, the demo does not end "3/4 sent" without a word: it
    says which card waits and until when, moves the local clock there, and the sweep sends it."""
    lines = demo_lines("--start-at", tomorrow_at(7))
    waiting = [line for line in lines if "wait for their recipients' SMS quiet hours" in line]
    assert len(waiting) == 1, lines
    assert waiting[0].startswith("1 card(s) wait"), waiting
    first = next(index for index, line in enumerate(lines) if line.startswith("batch is "))
    assert lines[first].startswith("batch is partially_sent: 3/4 sent"), lines
    assert lines.index(waiting[0]) > first
    assert any(line.startswith("moving the local clock to ") for line in lines)
    assert lines[lines.index(waiting[0]) :][2].startswith("batch is sent: 4/4 sent"), lines
