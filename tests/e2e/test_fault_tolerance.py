"""The bounded fault-injection run (``python -m bench faults`` is the full one): batches with email
and SMS rows through the running stack while its functions meet, at their AWS SDK boundary, SES
and SNS throttling, SES 5xx, crashes right after a provider accepted a message, DynamoDB
throughput errors beyond the SDK's retries and timeouts. Every batch ends sent, no recipient is
messaged twice, no card is lost or left ready, and the counters equal the cards."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import datetime, time

import pytest

from local.faults import KINDS, FaultPlan, FaultRun
from local.stack import LocalStack

# Higher chances of a crash than the benchmark's, for a few hundred calls to meet many faults, and
# every kind's first chance taken for sure. A batch here is one chunk of 60 rows, a few hundred
# DynamoDB calls per attempt of its send task.
PLAN = FaultPlan(
    ses_throttling=0.2,
    ses_5xx=0.05,
    ses_crash_after_acceptance=0.02,
    sns_throttling=0.2,
    sns_crash_after_acceptance=0.02,
    dynamodb_throughput=0.005,
    function_timeout=0.002,
    every_kind=True,
)


def test_batches_survive_injected_faults_never_twice_never_lost(stack: LocalStack) -> None:
    run = FaultRun(stack, org="org-fault-run", batches=2, rows=60, plan=PLAN, min_faults=20, timeout=300)
    tally = run.run()
    print("\n".join(tally.lines()))  # shown with -s or -rA
    assert tally.ok, "\n".join(tally.lines())
    assert all(tally.faults[kind] for kind in KINDS), tally.faults  # every kind of fault was met


@pytest.mark.quiet_hours_clock
def test_a_fault_run_in_the_us_recipients_night_still_sends_every_card(
    stack: LocalStack, clock_at: Callable[[time], datetime]
) -> None:
    """``python -m bench faults`` texts US numbers on the real clock, with quiet hours on by default:
    run at night, its SMS cards waited and its batches ended unsent. Its organisation sends at any
    hour, so a run at 07:00 UTC (02:00 or 03:00 in New York) ends as one at noon does."""
    clock_at(time(7))
    none = FaultPlan(**{field.name: 0.0 for field in fields(FaultPlan) if field.name != "every_kind"})
    run = FaultRun(
        stack, org="org-fault-run-night", batches=1, rows=20, plan=none, sms_share=0.5, min_faults=0
    )
    tally = run.run()
    assert tally.channels["sms"] > 0
    assert tally.ok, "\n".join(tally.lines())
