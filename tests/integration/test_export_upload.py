"""Exports stream to S3 through ``MultipartSink`` (moto): same bytes, one part in memory, no leftovers."""

from __future__ import annotations

import csv
import io
import random
import string
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from openpyxl import load_workbook

from dispatch.exports.upload import MIN_PART_SIZE, MultipartSink
from dispatch.exports.writers import FORMATS, open_writer

BUCKET = "exports-test"
KEY = "exports/batch-1/export-1.csv"
PART = MIN_PART_SIZE


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def sink(client: Any, filename: str = "batch.csv") -> MultipartSink:
    return MultipartSink(client, BUCKET, KEY, "text/csv; charset=utf-8", filename, part_size=PART)


def pending_uploads(client: Any) -> list[dict[str, Any]]:
    return list(client.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []))


def stored(client: Any) -> dict[str, Any]:
    return dict(client.get_object(Bucket=BUCKET, Key=KEY))


@pytest.mark.parametrize(
    ("size", "parts"),
    [(0, 0), (1_000, 0), (PART - 1, 0), (PART, 1), (3 * PART, 3), (2 * PART + 12_345, 3)],
    ids=["empty", "small", "just-under-a-part", "one-part", "three-parts", "parts-and-remainder"],
)
def test_uploads_the_same_bytes_holding_at_most_one_part(s3: Any, size: int, parts: int) -> None:
    data = random.Random(size).randbytes(size)
    chunks = random.Random(1)
    target = sink(s3)

    with target:
        offset = 0
        while offset < size:
            step = chunks.choice([1, 700, 65_536, PART + 17])  # small writes and writes over a part
            assert target.write(data[offset : offset + step]) == len(data[offset : offset + step])
            offset += step
            assert target.buffered < PART

    answer = stored(s3)
    assert answer["Body"].read() == data
    assert answer["ContentType"] == "text/csv; charset=utf-8"
    assert answer["ContentDisposition"] == 'attachment; filename="batch.csv"'
    etag = answer["ETag"].strip('"')
    assert etag.endswith(f"-{parts}") if parts else "-" not in etag  # multipart ETags count parts
    assert pending_uploads(s3) == []


def export_that_fails(client: Any, size: int) -> None:
    """Write ``size`` bytes, then fail as an export whose card reads break would."""
    with sink(client) as target:
        target.write(b"x" * size)
        assert len(pending_uploads(client)) == (1 if size >= PART else 0)
        raise RuntimeError("export failed")


@pytest.mark.parametrize("size", [2 * PART + 1, 100], ids=["after-two-parts", "before-the-first-part"])
def test_an_exception_in_the_block_aborts_the_upload(s3: Any, size: int) -> None:
    with pytest.raises(RuntimeError, match="export failed"):
        export_that_fails(s3, size)

    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)
    assert pending_uploads(s3) == []


def test_a_failed_completion_aborts_too(s3: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    target = sink(s3)
    target.write(b"y" * (PART + 5))

    def refuse(**_: Any) -> None:
        raise RuntimeError("S3 said no")

    monkeypatch.setattr(s3, "complete_multipart_upload", refuse)
    with pytest.raises(RuntimeError, match="S3 said no"):
        target.close()

    assert pending_uploads(s3) == []
    with pytest.raises(ValueError, match="closed"):
        target.write(b"more")


def test_a_name_that_is_not_ascii_keeps_an_ascii_fallback(s3: Any) -> None:
    with sink(s3, 'Relevé "mars".csv') as target:
        target.write(b"a,b\r\n")

    assert stored(s3)["ContentDisposition"] == (
        "attachment; filename=\"Relev_ _mars_.csv\"; filename*=UTF-8''Relev%C3%A9%20%22mars%22.csv"
    )


def test_parts_smaller_than_s3_accepts_are_refused(s3: Any) -> None:
    with pytest.raises(ValueError, match="at least"):
        MultipartSink(s3, BUCKET, KEY, "text/csv", "x.csv", part_size=MIN_PART_SIZE - 1)


def _random_text(generator: random.Random, length: int) -> str:
    return "".join(generator.choices(string.ascii_letters + string.digits, k=length))


def test_a_csv_export_of_several_parts_reads_back(s3: Any) -> None:
    generator = random.Random(7)
    rows = [["name", "note"]] + [[f"=row {n}", _random_text(generator, 400)] for n in range(15_000)]

    with sink(s3) as target:
        writer = open_writer("csv", target)
        for row in rows:
            writer.write_row(row)
            assert target.buffered < PART
        writer.close()

    answer = stored(s3)
    assert answer["ETag"].strip('"').endswith("-2")
    parsed = list(csv.reader(io.StringIO(answer["Body"].read().decode("utf-8-sig"), newline="")))
    assert parsed[0] == ["name", "note"]
    assert parsed[1:] == [["'" + name, note] for name, note in rows[1:]]


def test_an_xlsx_export_of_several_parts_opens(s3: Any) -> None:
    generator = random.Random(8)  # random text: the sheet must not deflate under a part
    rows = [[n, _random_text(generator, 1_000)] for n in range(8_000)]

    with MultipartSink(s3, BUCKET, KEY, FORMATS["xlsx"].content_type, "b.xlsx", part_size=PART) as target:
        writer = open_writer("xlsx", target)
        writer.write_row(["n", "text"])
        for row in rows:
            writer.write_row(row)
        writer.close()

    answer = stored(s3)
    assert answer["ETag"].strip('"').endswith("-2")
    book = load_workbook(io.BytesIO(answer["Body"].read()), read_only=True)
    assert [list(values) for values in book.active.iter_rows(min_row=2, values_only=True)] == rows
