"""Cost benchmark (issue 4): what a batch costs in AWS, per 1,000,000 recipients.

Runs one 10,000-recipient batch (email) end to end on the local stack — S3 drop, validation,
generation, approval, sending — with ``local.metering.Meter`` counting every AWS API call by
service and operation, every DynamoDB item and index entry written, every Lambda invocation and its
wall time, and the Step Functions state transitions of every execution the batch started. The
quantities are priced with ``PRICES_USD`` and scaled linearly to 1,000,000 recipients. SES and SNS
per-message fees are excluded (they are the same for any design); their API requests are included.

The local stack's SES emulator publishes every email's delivery events, and the events function
applies them (queue batches, as Lambda's SQS poller hands them over), so the bill includes them.

Targets (issue 18): at most $4 per million recipients, measured and with the senders' waiting at the
default pace; at most 5 DynamoDB write units per recipient (item writes and index entries: what
sets the price; write calls and item writes are printed beside them); the whole run, the local
stack's start included, within 10 minutes on the 2-core development machine.
Exits 1 when one is missed (or the batch does not reach ``sent``), after printing every figure.
The benchmark's own polling goes through clients marked ``OBSERVER_AGENT`` and is not counted.
Run with ``python -m bench.cost`` (or through ``python -m bench``).
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, TextIO

import boto3
from botocore.config import Config

from local import tokens
from local.client import ApiClient, wait_for
from local.metering import (
    OBSERVER_AGENT,
    Call,
    Meter,
    Usage,
    cost_usd,
    dynamodb_kind,
    gb_seconds,
    s3_tier,
    state_transitions,
)
from local.stack import ROOT, STATE_DIR, LocalStack, running
from local.template import REGION

RECIPIENTS = 10_000
MILLION = 1_000_000
COST_TARGET_USD = 4.0
WRITE_UNITS_TARGET = 5.0
WALL_TARGET_SECONDS = 600.0
ORG = "bench-org"
WAIT_SECONDS = 1800.0
# The send path paces itself to the template's rates (14 emails/s by default: 12 minutes for this
# batch, longer with the local runtime's one invocation at a time), so the benchmark lifts them. The
# calls per card stay the same; what pacing changes (the senders' billed waiting, the rate limiter's
# reservations) is reported with the paced figure. It lifts the slot tolerance too: a message may go
# up to 50 ms after its slot, and on a loaded machine the local stack's claim of the card alone (a
# request to moto) takes longer, so nearly every card was released, claimed again and given new
# slots — about 9 write units a card at load 10 that DynamoDB's milliseconds never cause. Slots are
# (1 + tolerance) / rate apart: at 1,000,000 a second 0.6 ms (at 100,000 it was 6 ms, a minute of
# enforced waiting over 10,000 cards).
PARAMETERS = {
    "EmailRatePerSecond": "1000000",
    "SmsRatePerSecond": "1000000",
    "SendSlotToleranceSeconds": "600",
}
FINAL = {"sent", "partially_sent", "failed", "invalid", "rejected", "expired"}

# us-east-1 on-demand list prices in USD per unit, without free tiers, from the AWS pricing pages
# (aws.amazon.com/{dynamodb,lambda,step-functions,s3,secrets-manager,sns,ses}/pricing) as published in
# 2025 (DynamoDB after its November 2024 on-demand cut). Not re-checked since: verify before quoting.
PRICES_USD: dict[str, float] = {
    "dynamodb_write_units": 0.625 / MILLION,  # on-demand WRU, Standard table class (since Nov 2024)
    "dynamodb_read_units": 0.125 / MILLION,  # on-demand RRU
    "lambda_requests": 0.20 / MILLION,
    "lambda_gb_seconds": 0.0000133334,  # arm64 (the template's architecture), first 7.5 billion GB-s
    "state_transitions": 0.025 / 1000,  # Step Functions Standard workflows
    "s3_put_requests": 0.005 / 1000,  # S3 Standard PUT, COPY, POST, LIST
    "s3_get_requests": 0.0004 / 1000,  # S3 Standard GET, SELECT and all other requests (DELETE free)
    "secretsmanager_calls": 0.05 / 10_000,
    "sns_publishes": 0.50 / MILLION,  # the Publish API request; the SMS delivery fee is per message
    "sesv2_requests": 0.0,  # SES has no per-request fee: it charges per message, excluded here
}
EXCLUDED_SES_PER_EMAIL_USD = 0.10 / 1000  # shown for scale only


@dataclass(frozen=True)
class Pace:
    """The template's default email rate and sender count, and the sender's memory."""

    function: str
    rate: float
    senders: int
    memory_mb: int

    def gb_seconds(self, emails: float) -> float:
        """Sender GB-s when paced: all senders together send ``rate`` emails a second and each runs
        until its chunk is through, so ``emails`` keep ``senders`` functions running ``emails / rate``
        seconds; Lambda bills that waiting as duration."""
        return emails / self.rate * self.senders * self.memory_mb / 1024


@dataclass
class Run:
    """What one metered batch produced."""

    batch: dict[str, Any]
    seconds: float
    meter: Meter
    invocations: list[tuple[str, float]]
    transitions: Counter[str]  # by state machine
    memory_mb: dict[str, int]
    names: dict[str, str]  # physical function name -> logical id
    chunk_rows: str
    pace: Pace
    wall_seconds: float = 0.0  # the whole benchmark: the stack's start, set-up, the batch, the end
    cpu_seconds: float = 0.0  # the process's CPU time over the metered batch (user + system, all threads)
    total_cpu_seconds: float = 0.0  # … over the whole benchmark


def main() -> int:
    """Run the metered batch and print the breakdown; 1 when a target is missed."""
    started, cpu_started = time.monotonic(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="bench-cost-") as scratch:
        source = write_recipients(Path(scratch) / "recipients.csv", RECIPIENTS)
        with running(aws_port=0, api_port=0, console_port=0, parameters=PARAMETERS) as stack:
            run = measure(stack, source)
    finished = replace(
        run,
        wall_seconds=time.monotonic() - started,
        total_cpu_seconds=time.process_time() - cpu_started,
    )
    return report(finished, sys.stdout)


def write_recipients(path: Path, count: int) -> Path:
    """``count`` valid recipients, each with a distinct email address and mobile number."""
    area_codes = (212, 312, 415, 617, 702, 805)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["first_name", "last_name", "email", "phone", "amount", "due_date"])
        for index in range(count):
            phone = (
                f"+1{area_codes[index % len(area_codes)]}{200 + index // 10_000 % 800}{index % 10_000:04d}"
            )
            amount = f"{100 + index % 900}.{index % 100:02d}"
            writer.writerow(
                [f"First{index}", f"Last{index}", f"user{index}@example.com", phone, amount, "2030-06-30"]
            )
    return path


class Observer:
    """Watches the run through clients the meter ignores, so polling adds nothing to the bill."""

    def __init__(self, stack: LocalStack) -> None:
        config = Config(user_agent_extra=OBSERVER_AGENT)
        self._dynamodb = boto3.client(
            "dynamodb", endpoint_url=stack.aws_endpoint, region_name=REGION, config=config
        )
        self._states = boto3.client(
            "stepfunctions", endpoint_url=stack.aws_endpoint, region_name=REGION, config=config
        )
        self._table = stack.resolver.physical_name("MainTable")

    def batch(self, statuses: set[str]) -> tuple[str, str] | None:
        """(id, status) of the organisation's newest batch once it is in one of ``statuses``."""
        items = self._dynamodb.query(
            TableName=self._table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :batch)",
            ExpressionAttributeValues={":pk": {"S": f"ORG#{ORG}"}, ":batch": {"S": "BATCH#"}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )["Items"]
        if not items or items[0]["status"]["S"] not in statuses:
            return None
        return items[0]["sk"]["S"].removeprefix("BATCH#"), items[0]["status"]["S"]

    def executions(self) -> list[dict[str, Any]]:
        """Every execution of every state machine (the stack is fresh: they are all this batch's)."""
        machines = self._states.get_paginator("list_state_machines").paginate()
        runs = self._states.get_paginator("list_executions")
        return [
            execution
            for page in machines
            for machine in page["stateMachines"]
            for listing in runs.paginate(stateMachineArn=machine["stateMachineArn"])
            for execution in listing["executions"]
        ]

    def all_finished(self) -> bool:
        return all(execution["status"] != "RUNNING" for execution in self.executions())

    def transitions(self) -> Counter[str]:
        """Billed state transitions by state machine."""
        counts: Counter[str] = Counter()
        history = self._states.get_paginator("get_execution_history")
        for execution in self.executions():
            machine = execution["stateMachineArn"].rsplit(":", 1)[-1]
            pages = history.paginate(executionArn=execution["executionArn"])
            counts[machine] += state_transitions(event for page in pages for event in page["events"])
        return counts


def measure(stack: LocalStack, source: Path) -> Run:
    """Set up a live process (not metered), then meter one batch from the S3 drop to ``sent``."""
    admin = ApiClient(
        stack.api_url, tokens.issue(STATE_DIR, user="admin@bench.example", role="admin", org=ORG)
    )
    approver = ApiClient(
        stack.api_url, tokens.issue(STATE_DIR, user="approver@bench.example", role="approver", org=ORG)
    )
    process = admin.post("/processes", json.loads((ROOT / "examples" / "process.json").read_text()))
    admin.post(f"/processes/{process['id']}/publish")
    observer = Observer(stack)
    tables = {stack.resolver.physical_name(name): name for name in ("MainTable", "CardsTable")}
    meter = Meter(item_kind=lambda item: item_kind(tables.get(item.table, item.table), item.attributes))
    first = len(stack.runtime.durations)
    started, cpu_started = time.monotonic(), time.process_time()
    with meter.attached():
        s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name=REGION)
        s3.upload_file(str(source), stack.bucket, f"drop/{process['id']}/{source.name}")
        batch_id, status = wait_for(
            lambda: observer.batch({"pending_approval", "sending", *FINAL}), WAIT_SECONDS
        )
        if status == "pending_approval":
            approver.post(f"/batches/{batch_id}/approve")
        wait_for(lambda: observer.batch(FINAL), WAIT_SECONDS)
        wait_for(observer.all_finished, WAIT_SECONDS)
        stack.settle(timeout=WAIT_SECONDS)  # the delivery events trail the batch's last send
        invocations = stack.runtime.durations[first:]
    seconds, cpu_seconds = time.monotonic() - started, time.process_time() - cpu_started
    memory_mb, names = function_memory(stack)
    return Run(
        batch=admin.get(f"/batches/{batch_id}"),
        seconds=seconds,
        meter=meter,
        invocations=invocations,
        transitions=observer.transitions(),
        memory_mb=memory_mb,
        names=names,
        chunk_rows=stack.resolver.parameters["ChunkRows"],
        pace=default_pace(stack, memory_mb),
        cpu_seconds=cpu_seconds,
    )


def default_pace(stack: LocalStack, memory_mb: Mapping[str, int]) -> Pace:
    """The pace production would send at: template defaults, not the benchmark's lifted rates."""
    declared = stack.resolver.template["Parameters"]
    function = stack.function_name("SendFunction")
    return Pace(
        function=function,
        rate=float(declared["EmailRatePerSecond"]["Default"]),
        senders=int(declared["SendConcurrency"]["Default"]),
        memory_mb=memory_mb[function],
    )


def item_kind(table: str, attributes: Mapping[str, Any]) -> str:
    """``MainTable ORG/BATCH``: the table and the prefixes of ``pk``/``sk`` (docs/data-model.md)."""
    prefixes = [
        str(attributes[key].get("S", "")).split("#", 1)[0] for key in ("pk", "sk") if key in attributes
    ]
    return f"{table} {'/'.join(prefixes)}" if prefixes else table


def function_memory(stack: LocalStack) -> tuple[dict[str, int], dict[str, str]]:
    """MemorySize of every function (its own, else the Globals', else Lambda's 128), and its logical id."""
    template = stack.resolver.template
    defaults = template.get("Globals", {}).get("Function", {})
    memory: dict[str, int] = {}
    names: dict[str, str] = {}
    for logical_id, spec in stack.resolver.resources.items():
        if spec["Type"] != "AWS::Serverless::Function":
            continue
        props = spec.get("Properties", {})
        if props.get("Architectures", defaults.get("Architectures")) != ["arm64"]:
            raise ValueError(f"{logical_id} is not arm64: PRICES_USD has the arm64 GB-s price")
        name = stack.function_name(logical_id)
        memory[name] = int(props.get("MemorySize", defaults.get("MemorySize", 128)))
        names[name] = logical_id
    return memory, names


# ---------------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------------


def report(run: Run, out: TextIO) -> int:
    """Print every figure, then whether the targets are met; the exit status."""
    counters = run.batch.get("counters", {})
    print(
        f"Cost benchmark: {RECIPIENTS:,} recipients (email), ChunkRows {run.chunk_rows}; "
        f"EmailRatePerSecond/SmsRatePerSecond raised to {PARAMETERS['EmailRatePerSecond']} and "
        f"SendSlotToleranceSeconds to {PARAMETERS['SendSlotToleranceSeconds']} so sending is not "
        "paced: the calls per card do not depend on the rate, the rate limiter's reservations and the "
        "senders' waiting do (see the paced figure)",
        file=out,
    )
    print(
        f"batch {run.batch.get('status')}: {run.batch.get('sent_label', '')}, accepted "
        f"{counters.get('accepted')}, rejected {counters.get('rejected')}, in {run.seconds:.0f} s",
        file=out,
    )
    # The stack is one process (moto, the pollers, every handler) holding one GIL: its CPU time is
    # about what the run takes on an idle machine, whatever else loaded this one (wall time is not).
    print(
        f"process CPU time (user + system, all threads): {run.cpu_seconds:.0f} s for the batch "
        f"({run.cpu_seconds / RECIPIENTS * 1000:.1f} ms a recipient), {run.total_cpu_seconds:.0f} s "
        f"for the whole benchmark; load average at the end {_load_average()}",
        file=out,
    )
    _print_calls(run.meter, out)
    _print_dynamodb(run.meter, out)
    machines = ", ".join(f"{name} {count}" for name, count in sorted(run.transitions.items()))
    print(f"\nStep Functions: {run.transitions.total():,} state transitions ({machines})", file=out)
    _print_lambda(run, out)
    usage = run.meter.usage(run.invocations, run.memory_mb, run.transitions.total())
    per_million = usage.scaled(MILLION / RECIPIENTS)
    total = _print_cost(per_million, out)
    paced = _print_paced(run, per_million, out)
    writes = run.meter.dynamodb.item_writes.total() / RECIPIENTS
    units = run.meter.dynamodb.write_units.total() / RECIPIENTS
    write_calls = sum(count for call, count in run.meter.calls.items() if _kind(call) == "write") / RECIPIENTS
    sent = run.batch.get("status") == "sent" and counters.get("sent") == RECIPIENTS
    checks = [
        (
            f"USD per 1,000,000 recipients: {total:.2f} (target <= {COST_TARGET_USD:.2f})",
            total <= COST_TARGET_USD,
        ),
        (
            f"USD per 1,000,000 recipients paced at the template's default rate: {paced:.2f} "
            f"(target <= {COST_TARGET_USD:.2f})",
            paced <= COST_TARGET_USD,
        ),
        (
            f"DynamoDB write units per recipient: {units:.2f} (target <= {WRITE_UNITS_TARGET:.0f}; "
            f"write calls {write_calls:.2f}, item writes {writes:.2f})",
            units <= WRITE_UNITS_TARGET,
        ),
        (
            f"benchmark wall time: {run.wall_seconds:.0f} s (target <= {WALL_TARGET_SECONDS:.0f})",
            run.wall_seconds <= WALL_TARGET_SECONDS,
        ),
        (f"every recipient sent: {counters.get('sent')}/{RECIPIENTS}", sent),
    ]
    print("", file=out)
    for text, ok in checks:
        print(f"{'OK    ' if ok else 'MISSED'} {text}", file=out)
    return 0 if all(ok for _, ok in checks) else 1


def _load_average() -> str:
    return " / ".join(f"{load:.2f}" for load in os.getloadavg())


def _print_calls(meter: Meter, out: TextIO) -> None:
    print(f"\nAWS API calls{'':38}{'calls':>9}{'per recipient':>15}{'errors':>8}", file=out)
    for call, count in sorted(meter.calls.items(), key=lambda entry: (entry[0].service, -entry[1])):
        label = f"{call}" + (f" ({_kind(call)})" if _kind(call) else "")
        print(f"  {label:<49}{count:>9,}{count / RECIPIENTS:>15.3f}{meter.errors[call]:>8,}", file=out)
    print(f"  {'total':<49}{sum(meter.calls.values()):>9,}", file=out)


def _kind(call: Call) -> str:
    if call.service == "dynamodb":
        return dynamodb_kind(call.operation)
    if call.service == "s3":
        return {"put": "PUT/COPY/POST/LIST", "get": "GET/other", "free": "free"}[s3_tier(call.operation)]
    return ""


def _print_dynamodb(meter: Meter, out: TextIO) -> None:
    totals = meter.dynamodb
    writes = totals.item_writes.total()
    print(f"\nDynamoDB writes by item{'':27}{'writes':>9}{'per recipient':>15}{'WRU':>8}", file=out)
    for kind, count in totals.item_writes.most_common():
        print(f"  {kind:<49}{count:>9,}{count / RECIPIENTS:>15.3f}{totals.write_units[kind]:>8,}", file=out)
    print(f"  {'item writes':<49}{writes:>9,}{writes / RECIPIENTS:>15.3f}", file=out)
    for label, count in totals.index_writes.most_common():
        name = f"{label} (index entries)"
        print(f"  {name:<49}{count:>9,}{count / RECIPIENTS:>15.3f}{totals.write_units[label]:>8,}", file=out)
    units = totals.write_units.total()
    print(f"  {'write units, items and indexes':<49}{'':>9}{units / RECIPIENTS:>15.3f}{units:>8,}", file=out)
    print(
        f"  read units {totals.read_units:,.1f}; largest item written {totals.largest_item_written:,} bytes",
        file=out,
    )


def _print_lambda(run: Run, out: TextIO) -> None:
    print(f"\nLambda{'':24}{'requests':>10}{'seconds':>10}{'MB':>7}{'GB-s':>10}", file=out)
    for name in sorted({name for name, _ in run.invocations}):
        own = [(function, seconds) for function, seconds in run.invocations if function == name]
        seconds = sum(duration for _, duration in own)
        print(
            f"  {run.names.get(name, name):<28}{len(own):>10,}{seconds:>10.1f}{run.memory_mb[name]:>7}"
            f"{gb_seconds(own, run.memory_mb):>10.1f}",
            file=out,
        )


def _print_cost(per_million: Usage, out: TextIO) -> float:
    costs = cost_usd(per_million, PRICES_USD)
    total = sum(costs.values())
    print(
        "\nPer 1,000,000 recipients (us-east-1 on-demand list prices; SES/SNS per-message fees excluded)",
        file=out,
    )
    print(f"  {'quantity':<24}{'amount':>16}{'USD':>10}{'share':>8}", file=out)
    for item in fields(per_million):
        amount, usd = getattr(per_million, item.name), costs[item.name]
        print(f"  {item.name:<24}{amount:>16,.0f}{usd:>10.2f}{usd / total if total else 0:>8.0%}", file=out)
    print(f"  {'total':<24}{'':>16}{total:>10.2f}", file=out)
    emails = per_million.sesv2_requests
    excluded = emails * EXCLUDED_SES_PER_EMAIL_USD
    print(
        f"  (excluded: SES per-message fee, {emails:,.0f} emails = ${excluded:,.2f})",
        file=out,
    )
    return total


def _print_paced(run: Run, per_million: Usage, out: TextIO) -> float:
    """The total again with the senders' GB-s at the template's default pace (never below measured)."""
    pace = run.pace
    own = [invocation for invocation in run.invocations if invocation[0] == pace.function]
    measured = gb_seconds(own, run.memory_mb) * MILLION / RECIPIENTS
    waiting = max(measured, pace.gb_seconds(per_million.sesv2_requests))
    paced = replace(per_million, lambda_gb_seconds=per_million.lambda_gb_seconds - measured + waiting)
    total = sum(cost_usd(paced, PRICES_USD).values())
    emails = per_million.sesv2_requests
    print(
        f"\nPaced at the template's defaults (EmailRatePerSecond {pace.rate:g}, "
        f"SendConcurrency {pace.senders}) the senders wait for their slots, and Lambda bills the wait: "
        f"{emails:,.0f} emails keep {pace.senders} x {pace.memory_mb} MB senders running "
        f"{emails / pace.rate:,.0f} s = {waiting:,.0f} GB-s (unpaced: {measured:,.0f}); "
        f"USD per 1,000,000 recipients then {total:.2f}",
        file=out,
    )
    return total


if __name__ == "__main__":
    sys.exit(main())
