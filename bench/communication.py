"""Communication benchmark (issue 16's proof): a filter over 100,000 contacts materialised into a
generated batch on the local stack, through the product's own code and state machines.

1. Seed: 100,000 contacts (the same synthetic population as ``bench.contacts``: 12 columns, three
   of them attributes) written straight into the stack's contacts table with ``BatchWriteItem``
   (25 items a call, one thread: moto answers one DynamoDB request at a time) — the import's own
   speed is ``bench.contacts``'s measure.
2. ``POST /communications`` with ``tags_any [renewal] AND has email``: the filter counted by the
   product (16 shards in parallel, ``Select=COUNT``).
3. ``POST /batches/{id}/generate``, then the lifecycle state machine does the rest as in AWS: its
   Map over the 16 shards stages the working list as chunks, then the generation Map makes the
   cards (``generating`` → ``generated``). Timed from the request to ``generated``.
4. Checked: the batch's cards equal the count and the staged rows; every card is ``ready``.

Run with ``python -m bench.communication [CONTACTS] [--meter]`` (default 100,000). The times are
the emulated stack's, not AWS's: moto answers one DynamoDB request at a time in Python.

With ``--meter``, the product's part (from ``POST /communications`` to ``generated``) runs under
``local.metering.Meter`` — every AWS call, every item written and its write units, every Lambda
invocation and its duration, the state transitions of every execution — priced with
``bench.cost.PRICES_USD`` and scaled to a million contacts. The meter counts a query's read units
from the items it returns; DynamoDB bills a filtered query for every item it examined, so the two
full reads of the organisation's contacts (the count, then the working list) are added at their
stored size (an upper bound: the matches the meter saw are counted twice). The Lambda GB-s are the
local handlers' durations on a shared machine: an over-estimate of AWS's.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeSerializer

CONTACTS = 100_000
ORG = "org-bench"
FILTER = {"and": [{"tags_any": ["renewal"]}, {"has": "email"}]}
ROOT = Path(__file__).resolve().parents[1]
_CITIES = ["Springfield", "Shelbyville", "Ogdenville", "North Haverbrook", "Capital City"]
NOW = "2026-12-06T00:00:00.000Z"


def contacts(count: int, seed: int = 1) -> Any:
    """The population of ``bench.contacts.write_csv``, as stored contacts."""
    from dispatch.contacts.models import Contact, contact_id

    generator = random.Random(seed)
    for n in range(count):
        email = f"contact{n}@example.com" if generator.random() < 0.9 else None
        phone = f"+1415{generator.randint(200, 999)}{n % 10000:04d}" if generator.random() < 0.6 else None
        tags = [t for t in ("renewal", "vip", "north") if generator.random() < 0.4]
        external_id = f"C{n:07d}"
        yield Contact(
            id=contact_id(ORG, external_id),
            org_id=ORG,
            external_id=external_id,
            first_name=f"First{n % 97}",
            last_name=f"Last{n % 89}",
            email=email,
            phone=phone,
            address_line1=f"{n} Main St",
            city=generator.choice(_CITIES),
            postcode=str(10000 + n % 80000),
            tags=sorted(tags),
            attributes={
                "plan": generator.choice(["gold", "silver", "bronze"]),
                "renewal": f"2026-{1 + n % 12:02d}-15",
                "score": n % 1000,
            },
            created_at=NOW,
            updated_at=NOW,
        )


def seed(endpoint: str, table: str, count: int) -> float:
    """The contacts written with BatchWriteItem; seconds taken."""
    import boto3

    from dispatch.contacts.store import item_of

    serializer = TypeSerializer()
    items = [
        {name: serializer.serialize(value) for name, value in item_of(contact).items()}
        for contact in contacts(count)
    ]
    batches = [items[start : start + 25] for start in range(0, len(items), 25)]
    client = boto3.client("dynamodb", endpoint_url=endpoint)

    def write(batch: list[dict[str, Any]]) -> None:
        request: dict[str, Any] = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}

    started = time.perf_counter()
    for batch in batches:
        write(batch)
    return time.perf_counter() - started


def run(count: int, metered: bool = False) -> dict[str, Any]:
    from bench.cost import Observer
    from dispatch.contacts.models import AttributeType
    from local import tokens
    from local.client import ApiClient, wait_for
    from local.metering import Meter
    from local.stack import STATE_DIR, LocalStack

    stack = LocalStack(aws_port=0, api_port=0, console_port=0)
    stack.start()
    try:
        import boto3

        endpoint = stack.aws_endpoint
        table = stack.resolver.physical_name("ContactsTable")
        main = boto3.resource("dynamodb", endpoint_url=endpoint).Table(
            stack.resolver.physical_name("MainTable")
        )
        main.put_item(
            Item={
                "pk": f"ORG#{ORG}",
                "sk": "CONTACT_SCHEMA",
                "attributes": {
                    "plan": AttributeType.string.value,
                    "renewal": AttributeType.date.value,
                    "score": AttributeType.number.value,
                },
            }
        )
        seeded = seed(endpoint, table, count)
        print(f"  seeded {count:,} contacts with BatchWriteItem in {seeded:.0f} s", flush=True)

        admin = ApiClient(
            stack.api_url, tokens.issue(STATE_DIR, user="admin@bench.test", role="admin", org=ORG)
        )
        admin.timeout = 600
        body = json.loads((ROOT / "examples" / "process.json").read_text())
        body.update(
            approval_required=False,
            templates={"email": {"subject": "Hi {{ first_name }}", "text": "{{ link }}"}},
        )
        body["fields"] = [
            {"name": "first_name", "type": "string", "required": True},
            {"name": "email", "type": "email"},
        ]
        process = admin.post("/processes", body)
        admin.post(f"/processes/{process['id']}/publish")

        meter = Meter() if metered else None
        first = len(stack.runtime.durations)
        metering = contextlib.ExitStack()
        if meter is not None:
            metering.enter_context(meter.attached())
        started = time.perf_counter()
        batch = admin.post(
            "/communications",
            {"name": "Bench", "process_id": process["id"], "filter": FILTER, "channels": ["email"]},
        )
        counted = time.perf_counter() - started
        matched = batch["communication"]["matched"]
        print(f"  counted {matched:,} matches in {counted:.1f} s", flush=True)

        started = time.perf_counter()
        admin.post(f"/batches/{batch['id']}/generate")
        staged_at: list[float] = []

        def generated() -> Any:
            current = admin.get(f"/batches/{batch['id']}")
            if not staged_at and current.get("counters", {}).get("rows"):
                staged_at.append(time.perf_counter() - started)
                print(
                    f"  working list staged ({current['counters']['rows']:,} rows) "
                    f"after {staged_at[0]:.0f} s",
                    flush=True,
                )
            return current["status"] in {"generated", "failed", "open"} and current

        done = wait_for(generated, timeout=3600, interval=2)
        generation = time.perf_counter() - started
        print(f"  {done['status']} after {generation:.0f} s", flush=True)
        costs: dict[str, Any] = {}
        if meter is not None:
            observer = Observer(stack)
            wait_for(observer.all_finished, timeout=600)
            metering.close()
            costs = _priced(stack, meter, stack.runtime.durations[first:], observer, count)
        return {
            "contacts": count,
            "seed_seconds": round(seeded, 1),
            "matched": matched,
            "count_seconds": round(counted, 1),
            "status": done["status"],
            "rows": done["counters"]["rows"],
            "cards": done["counters"]["cards"],
            "by_status": done["counters"]["by_status"],
            "stage_seconds": round(staged_at[0], 1) if staged_at else None,
            "generate_seconds": round(generation, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            **costs,
        }
    finally:
        stack.stop()


def _priced(
    stack: Any, meter: Any, invocations: list[tuple[str, float]], observer: Any, count: int
) -> dict[str, Any]:
    """The metered quantities and their price, per million contacts filtered."""
    from bench.cost import PRICES_USD, function_memory
    from dispatch.contacts.store import item_of
    from local.metering import cost_usd, item_size

    memory_mb, _ = function_memory(stack)
    usage = meter.usage(invocations, memory_mb, observer.transitions().total())
    serializer = TypeSerializer()
    stored = sum(
        item_size({name: serializer.serialize(value) for name, value in item_of(contact).items()})
        for contact in contacts(count)
    )
    usage = replace(usage, dynamodb_read_units=usage.dynamodb_read_units + 2 * stored / 4096 * 0.5)
    per_million = usage.scaled(1_000_000 / count)
    priced = cost_usd(per_million, PRICES_USD)
    return {
        "per_million": {name: round(value) for name, value in asdict(per_million).items() if value},
        "usd_per_million": {name: round(value, 4) for name, value in priced.items() if value},
        "usd_per_million_total": round(sum(priced.values()), 3),
        "stored_mb_per_million": round(stored * 1_000_000 / count / 1e6),
    }


def main(argv: list[str]) -> int:
    numbers = [arg for arg in argv if not arg.startswith("--")]
    count = int(numbers[0]) if numbers else CONTACTS
    result = run(count, metered="--meter" in argv)
    print(f"communication benchmark: {count:,} contacts on the local stack")
    print(
        f"  filter counted {result['matched']:,} in {result['count_seconds']} s; "
        f"generate → {result['status']} "
        f"in {result['generate_seconds']} s (working list staged in {result['stage_seconds']} s), "
        f"{result['cards']:,} cards"
    )
    print(json.dumps(result))
    ok = (
        result["status"] == "generated"
        and result["matched"] == result["rows"] == result["cards"]
        and result["by_status"] == {"ready": result["cards"]}
    )
    if not ok:
        print("  MISSED: a generated batch with a card for every match")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
