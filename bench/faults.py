"""Fault-injection benchmark (issue 13): batches survive crashes, timeouts and transient errors.

Runs ``BATCHES`` batches of ``ROWS`` recipients (about 30 % SMS-only, the rest email) through the
local stack — S3 drop, validation, generation, approval, sending, delivery events — with faults
injected at the AWS SDK boundary of the running functions (``local.faults``): SES throttling and
5xx, a crash right after SES or SNS accepted a message, SNS throttling, DynamoDB throughput errors
beyond the SDK's retries, and function timeouts (``Sandbox.Timedout`` to Step Functions). Then
prints the tally: faults by kind, recipients messaged twice (from the emulated providers' records
of accepted messages), cards lost or left ready, unconfirmed cards, batches not sent and why, and
whether the counters equal the cards.

Exits 1 unless at least ``MIN_FAULTS`` faults were injected, no recipient was messaged twice, no
card was lost or left ready, every batch is ``sent`` and its counters equal its cards.

Local only: the send rates are lifted (the runtime's pace is the limit), chunks are small (more
state machine tasks to fault), and Step Functions' retry waits are scaled down
(``local.retry_waits``) — the real ASL's back-off, in less time. Run with ``python -m bench.faults``
(or ``python -m bench faults``).
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from datetime import UTC, datetime

from local.faults import FaultPlan, FaultRun
from local.stack import running

BATCHES = 8
ROWS = 500
MIN_FAULTS = 1000
RETRY_WAIT_SCALE = 0.02  # the ASL's 2 s … 60 s back-off becomes 40 ms … 1.2 s
# A bound against a hang, not a target: about 35 minutes on two cores shared with other work.
TIMEOUT_SECONDS = 2 * 3600
PARAMETERS = {"EmailRatePerSecond": "100000", "SmsRatePerSecond": "100000", "ChunkRows": "100"}
# FaultPlan's defaults: 1 % of every DynamoDB call of a step fails beyond the SDK's own retries and
# 0.2 % times the function out — a 100-row chunk's send task meets a fault on nearly every attempt
# and gets about ten cards further each time, so it needs more rounds of retries than Step
# Functions' 15 (the sending machine's progress check gives it another while it moves cards on).
PLAN = FaultPlan()


def main() -> int:
    os.environ.setdefault("DISPATCH_LOCAL_LOG_LEVEL", "CRITICAL")  # the injected faults are expected:
    for noisy in ("local.lambdas", "moto"):  # no traceback per failed invocation or failed state
        logging.getLogger(noisy).setLevel(logging.CRITICAL)
    started = datetime.now(UTC)
    print(
        f"fault run: {BATCHES} batches x {ROWS} recipients, ChunkRows {PARAMETERS['ChunkRows']}, "
        f"retry waits x{RETRY_WAIT_SCALE}; {platform.platform()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {started:%Y-%m-%d %H:%M} UTC",
        flush=True,
    )
    with running(aws_port=0, api_port=0, parameters=PARAMETERS, retry_wait_scale=RETRY_WAIT_SCALE) as stack:
        run = FaultRun(
            stack,
            org="bench-faults",
            batches=BATCHES,
            rows=ROWS,
            plan=PLAN,
            min_faults=MIN_FAULTS,
            timeout=TIMEOUT_SECONDS,
            log=lambda line: print(f"  … {line}", flush=True),
        )
        tally = run.run()
    for line in tally.lines():
        print(line)
    return 0 if tally.ok else 1


if __name__ == "__main__":
    sys.exit(main())
