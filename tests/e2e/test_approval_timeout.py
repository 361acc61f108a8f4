"""The approval timeout on the real state machine: an unapproved batch expires, and a late approval
is refused. Runs its own local stack (2-second timeout) in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCENARIO = Path(__file__).resolve().parent / "scenarios" / "approval_timeout.py"


def test_an_unapproved_batch_expires_and_cannot_be_approved_late() -> None:
    run = subprocess.run(
        [sys.executable, str(SCENARIO)], capture_output=True, text=True, timeout=600, check=False
    )
    assert run.returncode == 0, run.stderr[-2000:]
    outcome = json.loads(run.stdout.strip().splitlines()[-1])
    assert outcome == {"status": "expired", "reason": "approval timed out", "late_approve": 409}
