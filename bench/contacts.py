"""Contacts benchmark (issue 16): importing 100,000 contacts, and a filter counted and materialised
over them, with the AWS cost of a filter per million contacts extrapolated from what it reads.

1. Import rate against the plain ingest of the same file in the same run: ``validate_file`` (a
   recipients file's validation, as ``bench.ingest``) against the contacts import
   (``ContactFileReader``: the same readers, a first pass that infers attribute types, then rows
   normalised and merged into contacts a block of 100 at a time). The import's storage is left
   out (a store that discards), so both figures are the code's own; memory: the import's peak RSS
   at 20,000 and at 100,000 rows, each in a child process (flat: within 15 MB of each other).
2. 20,000 of those contacts written to the contacts table (moto, in process) by the import with
   the real store (100,000 did not finish within 25 minutes on this shared machine: moto, not the
   import, is the bound); then the filter ``tags_any [renewal] AND has email`` counted (16 shards in parallel,
   ``Select=COUNT``) and materialised: each shard's matches staged as chunks in S3 (16 threads, as
   the lifecycle's Map over shards runs them) — the working list a batch generates from.
3. Cost per million contacts filtered: a filter is applied by DynamoDB after the read, so a count
   or a working list reads every contact of the organisation once (on-demand, eventually
   consistent: 0.5 read request units per 4 KB), priced at us-east-1's $0.125 per million RRU; the
   staging adds one S3 PUT per 1,000 matches ($0.005 per 1,000) and 17 Lambda tasks.

Run with ``python -m bench.contacts``.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROWS = 100_000
SMALL = 20_000
EMULATED = 20_000  # moto in process writes a few hundred contacts a second on a shared machine
RSS_FLAT_MB = 15
RRU_PRICE_PER_MILLION = 0.125
PUT_PRICE_PER_THOUSAND = 0.005
FILTER = {"and": [{"tags_any": ["renewal"]}, {"has": "email"}]}
HEADER = [
    "external_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address_line1",
    "city",
    "postcode",
    "tags",
    "plan",
    "renewal",
    "score",
]
_CITIES = ["Springfield", "Shelbyville", "Ogdenville", "North Haverbrook", "Capital City"]


def write_csv(path: Path, rows: int, seed: int = 1) -> None:
    generator = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(",".join(HEADER) + "\n")
        for n in range(rows):
            email = f"contact{n}@example.com" if generator.random() < 0.9 else ""
            phone = f"(415) {generator.randint(200, 999)}-{n % 10000:04d}" if generator.random() < 0.6 else ""
            tags = ";".join(t for t in ("renewal", "vip", "north") if generator.random() < 0.4)
            handle.write(
                f"C{n:07d},First{n % 97},Last{n % 89},{email},{phone},{n} Main St,"
                f"{generator.choice(_CITIES)},{10000 + n % 80000},{tags},"
                f"{generator.choice(['gold', 'silver', 'bronze'])},2026-{1 + n % 12:02d}-15,{n % 1000}\n"
            )


class DiscardingStore:
    """The import's store with nothing behind it: the import's own cost, without storage's."""

    def schema(self, org_id: str) -> dict[str, Any]:
        return {}

    def add_attributes(self, org_id: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
        return dict(attributes)

    def get_many(self, org_id: str, contact_ids: Iterable[str]) -> dict[str, Any]:
        return {}

    def put_many(self, contacts: Iterable[Any]) -> None:
        for _ in contacts:
            pass


def import_file(path: Path, store: Any, org_id: str = "bench") -> Any:
    from dispatch.contacts.imports import ContactFileReader
    from dispatch.ingest.models import Limits

    reader = ContactFileReader(org_id, "US", Limits(), store, lambda _issue: None, "2026-12-06T00:00:00.000Z")
    return reader.run(path)


def ingest_file(path: Path) -> int:
    from dispatch.ingest.models import Limits
    from dispatch.ingest.validator import validate_file
    from dispatch.processes.models import FieldType, ProcessField

    types = {"email": FieldType.email, "phone": FieldType.phone, "renewal": FieldType.date}
    fields = [ProcessField(name=name, type=types.get(name, FieldType.string)) for name in HEADER]
    fields[HEADER.index("score")] = ProcessField(name="score", type=FieldType.number)
    result = validate_file(
        path, fields, region="US", limits=Limits(), on_accepted=lambda _row: None, on_issue=lambda _i: None
    )
    return int(result.rows.data)


_CHILD = """
import resource, sys
from pathlib import Path
from bench.contacts import DiscardingStore, import_file
outcome = import_file(Path(sys.argv[1]), DiscardingStore())
print(outcome.created, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _child_rss(path: Path) -> tuple[int, float]:
    output = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=True, timeout=900
    ).stdout.split()
    return int(output[0]), float(output[1])


def _rate(run: Any, path: Path) -> float:
    started = time.perf_counter()
    run(path)
    return ROWS / (time.perf_counter() - started)


def filter_over_emulated_table(path: Path) -> dict[str, float]:
    """Import into moto with the real store, then count and materialise the filter."""
    import boto3
    from moto import mock_aws

    from dispatch.communications.working_list import contact_row
    from dispatch.config import Settings
    from dispatch.contacts.filters import compile_filter, parse
    from dispatch.contacts.models import SHARDS
    from dispatch.contacts.store import ContactStore, item_of
    from dispatch.ingest.staging import ChunkWriter
    from dispatch.processes.models import FieldType, ProcessField
    from local.stack import ROOT
    from local.template import REGION, load

    os.environ.update(AWS_DEFAULT_REGION=REGION, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        os.environ.pop(name, None)
    resources = load(ROOT / "template.yaml")["Resources"]
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for name, logical in (("contacts", "ContactsTable"), ("main", "MainTable")):
            table = resources[logical]["Properties"]
            keys = {key["AttributeName"] for key in table["KeySchema"]}
            dynamodb.create_table(  # the keys as the template declares them (no indexes: unused here)
                TableName=name,
                BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[a for a in table["AttributeDefinitions"] if a["AttributeName"] in keys],
                KeySchema=table["KeySchema"],
            )
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="bench")
        settings = Settings(region=REGION, contacts_table="contacts", main_table="main", bucket="bench")
        store = ContactStore(settings)

        started = time.perf_counter()
        outcome = import_file(path, store, "org")
        imported = time.perf_counter() - started
        compiled = compile_filter(parse(FILTER, store.schema("org")))

        started = time.perf_counter()
        matched = store.count("org", compiled)
        counted = time.perf_counter() - started

        fields = [ProcessField(name="first_name"), ProcessField(name="email", type=FieldType.email)]

        def stage(shard: int) -> tuple[int, int]:
            """One shard's matches staged as chunks (the lifecycle's stage_segment, without the batch)."""
            writer = ChunkWriter(settings.bucket, "batch", 1000, shard * 1000)
            rows = 0
            for contact in store.matching("org", shard, compiled):
                rows += 1
                writer.add(contact_row(contact, shard * 10_000_000 + rows, fields, "US", letters=False))
            writer.flush()
            return rows, len(writer.chunks)

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=SHARDS) as pool:
            staged = list(pool.map(stage, range(SHARDS)))
        materialised = time.perf_counter() - started
        # What DynamoDB reads for any filter: every item of the organisation (its size, roughly:
        # attribute names and values as stored).
        stored_bytes = sum(
            len(json.dumps(item_of(contact), default=str))
            for shard in range(SHARDS)
            for contact in store.matching("org", shard, None)
        )
    return {
        "created": outcome.created,
        "import_seconds": imported,
        "matched": matched,
        "count_seconds": counted,
        "staged": sum(rows for rows, _ in staged),
        "chunks": sum(chunks for _, chunks in staged),
        "materialise_seconds": materialised,
        "stored_bytes": stored_bytes,
    }


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="contacts-bench-") as folder_name:
        folder = Path(folder_name)
        path, small = folder / "contacts.csv", folder / "small.csv"
        write_csv(path, ROWS)
        write_csv(small, SMALL, seed=2)
        ingest_file(small)  # library metadata loads once, before anything is timed
        ingest_rate = _rate(ingest_file, path)
        import_rate = _rate(lambda p: import_file(p, DiscardingStore()), path)
        print(f"  import {import_rate:,.0f} rows/s, plain ingest {ingest_rate:,.0f} rows/s", flush=True)
        small_created, small_rss = _child_rss(small)
        created, rss = _child_rss(path)
        print(f"  import peak RSS {small_rss:.0f} MB at {SMALL:,} rows, {rss:.0f} MB at {ROWS:,}", flush=True)
        emulated = filter_over_emulated_table(small)

    per_million = 1_000_000 / emulated["created"]
    rru = emulated["stored_bytes"] * per_million / 4096 * 0.5
    staged_share = emulated["staged"] / emulated["created"]
    cost = rru / 1e6 * RRU_PRICE_PER_MILLION + staged_share * 1000 * PUT_PRICE_PER_THOUSAND / 1000
    print(f"contacts benchmark: {ROWS:,} contacts ({len(HEADER)} columns, 3 of them attributes)")
    print(
        f"  import {import_rate:,.0f} rows/s, plain ingest of the same file {ingest_rate:,.0f} rows/s, "
        f"ratio {import_rate / ingest_rate:.2f}"
    )
    print(
        f"  import peak RSS: {small_rss:.0f} MB at {small_created:,} rows, {rss:.0f} MB at {created:,} rows"
    )
    print(
        f"  into moto: {emulated['created']:,.0f} contacts in {emulated['import_seconds']:.0f} s; "
        f"filter counted {emulated['matched']:,.0f} in {emulated['count_seconds']:.1f} s, "
        f"materialised {emulated['staged']:,.0f} rows in {emulated['chunks']:.0f} chunks "
        f"in {emulated['materialise_seconds']:.1f} s"
    )
    print(
        f"  per million contacts filtered: {emulated['stored_bytes'] * per_million / 1e6:,.0f} MB read, "
        f"{rru:,.0f} RRU, about ${cost:.3f} (DynamoDB reads + S3 PUTs of the staged chunks)"
    )
    print(
        json.dumps(
            {
                "import_rows_per_second": round(import_rate),
                "ingest_rows_per_second": round(ingest_rate),
                "import_rss_mb": [round(small_rss), round(rss)],
                **{k: round(v, 1) for k, v in emulated.items()},
                "rru_per_million": round(rru),
                "usd_per_million": round(cost, 4),
            }
        )
    )
    missed = [
        name
        for name, ok in (
            ("every row imported", created == ROWS and emulated["created"] == EMULATED),
            ("count = staged", emulated["matched"] == emulated["staged"]),
            ("flat memory", rss - small_rss <= RSS_FLAT_MB),
        )
        if not ok
    ]
    if missed:
        print(f"  MISSED: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
