"""Export benchmark (PRODUCT §4 Download): the streaming writers against plain references, and
memory at 1M rows.

Synthetic cards have the 10 original columns of a recipients file (names, an E.164 phone, which
is neutralised, an amount, a date, an id, …) and the 5 the export adds (status, channel, sent_at,
error, accessed_at). Every file goes into a sink that counts and discards its bytes. One run
measures:

- CSV: ``open_writer("csv")`` against a plain ``csv.writer`` over a ``TextIOWrapper`` on the same
  sink (no neutralisation, no BOM): the cost of the safety, target ratio >= 0.45;
- XLSX: ``open_writer("xlsx")`` against openpyxl's ``Workbook(write_only=True)`` saving the same
  rows into the same sink (openpyxl deflates at zlib's default level 6, ours at 1; it also turns
  text starting with ``=`` into formulas), target ratio >= 2;
- memory of 100,000- and 1,000,000-row exports of both formats, each in a child process of its
  own with the rows generated on the fly: the peak RSS (``VmHWM`` in ``/proc/self/status``, the
  figure ``getrusage`` reports as ``ru_maxrss``, restarted through ``/proc/self/clear_refs`` after
  a warm-up so that imports do not hide the export) and its growth over the RSS before the export.
  RSS rather than ``tracemalloc``: it counts zlib's buffers, and tracing every allocation would
  make the 1M-row runs ten times slower. The 1M-row peak must stay within 2x the 100k one.
  Linux only, like the machines this runs on.

- the whole export path: ``ExportService.run`` over 100,000 cards — each parsed from a DynamoDB
  item (as the cards table's query pages return them) into a ``Card``, turned into its row, written
  and uploaded by ``MultipartSink`` to S3 (moto, in memory, in a child process): rows/s, its ratio
  to the writer alone, and the peak RSS. Only the DynamoDB query itself is not in it (moto's
  speed, not ours).

Throughput is the best of ``REPEATS`` runs over rows built beforehand, so generating them is not
timed. Exits 1 when a target is missed.
Run with ``python -m bench.export`` (or through ``python -m bench``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from types import SimpleNamespace

import boto3
from moto import mock_aws
from openpyxl import Workbook

from dispatch import aws
from dispatch.batches.models import Batch
from dispatch.cards.models import Card
from dispatch.cards.store import card_from_item
from dispatch.config import Settings
from dispatch.exports.models import ExportJob, ExportStatus
from dispatch.exports.service import ExportService
from dispatch.exports.writers import FORMATS, ExportFormat, open_writer

ROWS = 100_000
MILLION = 1_000_000
REPEATS = 3
# Neutralising is a Python-level look at every cell beside a writer that is all C: about half the
# plain speed is its price (0.53-0.59 measured on the 2-core machines); 0.45 leaves room for noise.
CSV_RATIO_TARGET = 0.45
XLSX_RATIO_TARGET = 2.0
MEMORY_GROWTH_LIMIT = 2.0
HEADER = [
    "first_name",
    "last_name",
    "email",
    "phone",
    "amount",
    "due_date",
    "policy",
    "city",
    "customer_id",
    "note",
    "status",
    "channel",
    "sent_at",
    "error",
    "accessed_at",
]
_FIRST = ["Ann", "Bob", "Chloé", "Dmitri", "Eve", "Fatima", "Guo", "Hana", "José", "Lena"]
_LAST = ["Lee", "Smith", "García", "Müller", "O'Brien", "Nguyen", "Kowalski", "Dubois"]
_CITIES = ["Lyon", "São Paulo", "Zürich", "New York", "Kraków", "Łódź", "Reykjavík"]
_NOTES = ["", "", "", "renewal due", "call first, then email", "VIP & partner", '=HYPERLINK("x")']
_STATUSES = ["sent", "sent", "sent", "delivered", "failed", "ready", "suppressed"]


def cards(count: int, seed: int = 1) -> Iterator[list[object]]:
    """``count`` export rows, made as they are asked for (a 1M-row run holds none of them)."""
    generator = random.Random(seed)
    for index in range(count):
        first, last, status = generator.choice(_FIRST), generator.choice(_LAST), generator.choice(_STATUSES)
        sent = status != "ready"
        yield [
            first,
            last,
            f"{first}.{last}{index}@example.com".lower(),
            f"+1415555{index % 10_000:04d}",
            round(generator.uniform(5, 5000), 2),
            f"2025-{generator.randint(1, 12):02d}-{generator.randint(1, 28):02d}",
            f"POL-{generator.randint(100_000, 999_999)}",
            generator.choice(_CITIES),
            index,
            generator.choice(_NOTES),
            status,
            "email" if sent else None,
            f"2025-03-02T10:{index % 60:02d}:00Z" if sent else None,
            "mailbox full" if status == "failed" else None,
            f"2025-03-03T08:{index % 60:02d}:00Z" if status == "delivered" else None,
        ]


class Discard(io.RawIOBase):
    """A forward-only sink that counts bytes and keeps none."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]  # RawIOBase takes any buffer
        self.size += len(data)
        return len(data)


def ours(fmt: ExportFormat, rows: Sequence[Sequence[object]] | Iterator[list[object]]) -> int:
    sink = Discard()
    writer = open_writer(fmt, sink)
    writer.write_row(HEADER)
    for row in rows:
        writer.write_row(row)
    writer.close()
    return sink.size


def plain_csv(rows: Sequence[Sequence[object]]) -> int:
    sink = Discard()
    text = io.TextIOWrapper(io.BufferedWriter(sink), encoding="utf-8", newline="")
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    text.flush()
    return sink.size


def openpyxl_write_only(rows: Sequence[Sequence[object]]) -> int:
    sink = Discard()
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Export")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(sink)
    return sink.size


def best_rate(run: Callable[[], int], rows: int) -> tuple[float, int]:
    """(rows per second of the fastest of ``REPEATS`` runs, bytes written)."""
    best, size = float("inf"), 0
    for _ in range(REPEATS):
        started = time.perf_counter()
        size = run()
        best = min(best, time.perf_counter() - started)
    return rows / best, size


def memory_kib(field: str) -> int:
    """A ``/proc/self/status`` figure in KiB: ``VmRSS`` (now) or ``VmHWM`` (peak RSS)."""
    with open("/proc/self/status") as status:
        found = re.search(rf"^{field}:\s+(\d+) kB", status.read(), re.MULTILINE)
    assert found is not None, field
    return int(found.group(1))


_CHILD = """
import json, sys, time
from bench.export import cards, memory_kib, ours
fmt, count = sys.argv[1], int(sys.argv[2])
ours(fmt, cards(2_000, seed=3))  # modules, caches and allocator arenas warm before the count starts
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")  # restart the peak-RSS count (VmHWM) from here
before = memory_kib("VmRSS")
started = time.perf_counter()
size = ours(fmt, cards(count, seed=2))
seconds = time.perf_counter() - started
peak = memory_kib("VmHWM")
print(json.dumps({"bytes": size, "seconds": seconds, "peak_kib": peak, "growth_kib": peak - before}))
"""


_SERVICE = """
import json, sys, time
from bench.export import service_export, memory_kib
fmt, count = sys.argv[1], int(sys.argv[2])
service_export(fmt, 2_000)  # warm up
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")
result = service_export(fmt, count)
print(json.dumps({**result, "peak_kib": memory_kib("VmHWM")}))
"""


class _Cards:
    """The cards table's query pages for one batch: DynamoDB items, parsed by the store's own code."""

    def __init__(self, count: int) -> None:
        self.count = count

    def all_in_batch(self, batch_id: str) -> Iterator[Card]:
        for index, row in enumerate(cards(self.count)):
            status = str(row[10])
            item: dict[str, object] = {
                "id": f"{batch_id}-{index + 2:07d}",
                "batch_id": batch_id,
                "org_id": "org",
                "row": Decimal(index + 2),
                "values": dict(zip(HEADER[:10], row[:10], strict=True)),
                "email": row[2],
                "phone": row[3],
                "channels": ["email"],
                "status": status,
                "link_expires_at": Decimal(1_900_000_000),
                "created_at": "2026-11-23T10:00:00.000Z",
                "sent_at": row[12],
                "error": row[13],
                "accessed_at": row[14],
                "distributions": [
                    {"at": "x", "by": "system", "channel": "email", "address": str(row[2]), "message_id": "m"}
                ]
                if row[12]
                else [],
            }
            yield card_from_item({key: value for key, value in item.items() if value is not None})


def service_export(fmt: ExportFormat, count: int) -> dict[str, float]:
    """``ExportService.run`` of ``count`` cards into (moto's) S3: seconds and bytes."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    with mock_aws():
        settings = Settings(bucket="bench-exports")
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=settings.bucket)
        aws.reset()
        batch = Batch.model_validate(
            {
                "id": "b1",
                "org_id": "org",
                "process_id": "p",
                "process_name": "p",
                "name": "Bench",
                "file_name": "f.csv",
                "source_key": "k",
                "created_by": "u",
                "created_at": "t",
                "updated_at": "t",
                "status": "sent",
                "columns": HEADER[:10],
            }
        )
        job = ExportJob(
            id="e1",
            batch_id="b1",
            org_id="org",
            format=fmt,
            status=ExportStatus.running,
            key=f"exports/b1/e1.{fmt}",
            revision=0,
            requested_by="u",
            requested_at="t",
            expires_at=0,
        )
        jobs = SimpleNamespace(get=lambda *_: job, finish=lambda *_, **__: None)
        batches = SimpleNamespace(find=lambda _: batch)
        service = ExportService(settings, jobs, batches, _Cards(count), None, None)  # type: ignore[arg-type]
        started = time.perf_counter()
        done = service.run("b1", "e1")
        seconds = time.perf_counter() - started
        size = boto3.client("s3", region_name="us-east-1").head_object(Bucket=settings.bucket, Key=job.key)
        aws.reset()
    if done.status is not ExportStatus.ready or done.rows != count:
        raise RuntimeError(f"the export did not finish: {done}")
    return {"seconds": seconds, "bytes": int(size["ContentLength"])}


def service_memory(fmt: ExportFormat, count: int) -> dict[str, float]:
    command = [sys.executable, "-c", _SERVICE, fmt, str(count)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=900).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def memory(fmt: ExportFormat, count: int) -> dict[str, float]:
    """Export ``count`` generated rows in a child process: bytes, seconds (generation included),
    the peak RSS while exporting and its growth over the RSS before, in KiB."""
    command = [sys.executable, "-c", _CHILD, fmt, str(count)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=900).stdout
    return dict(json.loads(output))


def main() -> int:
    rows = list(cards(ROWS))
    ours("csv", rows[:1000])  # imports and first calls out of the timings
    ours("xlsx", rows[:1000])
    figures = {
        "csv_plain": best_rate(lambda: plain_csv(rows), ROWS),
        "csv_ours": best_rate(lambda: ours("csv", rows), ROWS),
        "xlsx_openpyxl": best_rate(lambda: openpyxl_write_only(rows), ROWS),
        "xlsx_ours": best_rate(lambda: ours("xlsx", rows), ROWS),
    }
    peaks = {(fmt, count): memory(fmt, count) for fmt in FORMATS for count in (ROWS, MILLION)}
    path = {fmt: service_memory(fmt, ROWS) for fmt in FORMATS}

    csv_ratio = figures["csv_ours"][0] / figures["csv_plain"][0]
    xlsx_ratio = figures["xlsx_ours"][0] / figures["xlsx_openpyxl"][0]
    print(
        f"export benchmark: {ROWS:,} cards x {len(HEADER)} columns into a discarding sink, best of {REPEATS}"
    )
    print(f"  {'':<22}{'rows/s':>10}{'MB':>8}")
    for name, (rate, size) in figures.items():
        print(f"  {name:<22}{rate:>10,.0f}{size / 1e6:>8.1f}")
    print(f"  CSV  ratio {csv_ratio:.2f} (target >= {CSV_RATIO_TARGET})")
    print(f"  XLSX ratio {xlsx_ratio:.2f} (target >= {XLSX_RATIO_TARGET})")
    print("  memory, each export in a child process (peak RSS from /proc, reset after a warm-up):")
    for (fmt, count), peak in peaks.items():
        print(
            f"  {fmt:<5}{count:>10,} rows {peak['seconds']:>6.1f} s {peak['bytes'] / 1e6:>7.1f} MB   "
            f"peak RSS {peak['peak_kib'] / 1024:>6.1f} MiB   growth {peak['growth_kib']:>+6,.0f} KiB"
        )
    print(
        f"  the whole export path (ExportService.run: items -> cards -> rows -> file -> S3), {ROWS:,} cards:"
    )
    path_ratio = {}
    for fmt, figure in path.items():
        rate = ROWS / figure["seconds"]
        path_ratio[fmt] = rate / figures[f"{fmt}_ours"][0]
        print(
            f"  {fmt:<5}{rate:>10,.0f} rows/s  {figure['bytes'] / 1e6:>6.1f} MB  "
            f"{path_ratio[fmt]:.2f}x the writer alone   peak RSS {figure['peak_kib'] / 1024:>6.1f} MiB"
        )
    growth = {fmt: peaks[(fmt, MILLION)]["peak_kib"] / peaks[(fmt, ROWS)]["peak_kib"] for fmt in FORMATS}
    print(
        f"  1M/100k peak RSS: CSV {growth['csv']:.2f}x, XLSX {growth['xlsx']:.2f}x "
        f"(limit {MEMORY_GROWTH_LIMIT}x)"
    )
    print(
        json.dumps(
            {
                **{name: round(rate) for name, (rate, _) in figures.items()},
                "csv_ratio": round(csv_ratio, 2),
                "xlsx_ratio": round(xlsx_ratio, 2),
                **{f"{fmt}_{count}_peak_rss_kib": p["peak_kib"] for (fmt, count), p in peaks.items()},
                **{f"{fmt}_{count}_growth_kib": p["growth_kib"] for (fmt, count), p in peaks.items()},
                **{f"{fmt}_path_rows_per_s": round(ROWS / p["seconds"]) for fmt, p in path.items()},
                **{f"{fmt}_path_peak_rss_kib": p["peak_kib"] for fmt, p in path.items()},
            }
        )
    )
    missed = [
        name
        for name, ok in (
            ("CSV ratio", csv_ratio >= CSV_RATIO_TARGET),
            ("XLSX ratio", xlsx_ratio >= XLSX_RATIO_TARGET),
            ("CSV 1M-row memory", growth["csv"] <= MEMORY_GROWTH_LIMIT),
            ("XLSX 1M-row memory", growth["xlsx"] <= MEMORY_GROWTH_LIMIT),
        )
        if not ok
    ]
    if missed:
        print(f"  MISSED: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
