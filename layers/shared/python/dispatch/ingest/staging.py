"""Staged chunks: accepted rows, normalised, written to S3 as JSON lines for generation.

Keys are ``staging/<batch>/chunk-<n>.jsonl``. Chunk names are deterministic, so a retried
validation overwrites what an interrupted one wrote instead of adding to it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from dispatch import aws
from dispatch.batches.models import Chunk
from dispatch.ingest.models import AcceptedRow

_ALWAYS = frozenset({"row", "values", "email", "phone"})  # a file row's chunk lines stay as they were


def chunk_key(batch_id: str, index: int) -> str:
    return f"staging/{batch_id}/chunk-{index:05d}.jsonl"


class ChunkWriter:
    """Collects accepted rows and uploads a chunk each ``chunk_rows`` rows (memory: one chunk).
    Chunks are numbered from ``first_index`` (a working list's segments each number their own)."""

    def __init__(self, bucket: str, batch_id: str, chunk_rows: int, first_index: int = 0) -> None:
        self._bucket = bucket
        self._batch_id = batch_id
        self._chunk_rows = chunk_rows
        self._first_index = first_index
        self._lines: list[str] = []
        self._first_row = 0
        self._last_row = 0
        self.chunks: list[Chunk] = []

    def add(self, row: AcceptedRow) -> None:
        if not self._lines:
            self._first_row = row.row
        self._last_row = row.row
        line = {name: value for name, value in asdict(row).items() if value is not None or name in _ALWAYS}
        self._lines.append(json.dumps(line, separators=(",", ":"), ensure_ascii=False))
        if len(self._lines) >= self._chunk_rows:
            self.flush()

    def flush(self) -> None:
        if not self._lines:
            return
        index = self._first_index + len(self.chunks)
        aws.client("s3").put_object(
            Bucket=self._bucket,
            Key=chunk_key(self._batch_id, index),
            Body=("\n".join(self._lines) + "\n").encode(),
            ContentType="application/x-ndjson",
        )
        self.chunks.append(
            Chunk(index=index, first_row=self._first_row, last_row=self._last_row, rows=len(self._lines))
        )
        self._lines = []


def read_chunk(bucket: str, batch_id: str, index: int) -> Iterator[AcceptedRow]:
    body = aws.client("s3").get_object(Bucket=bucket, Key=chunk_key(batch_id, index))["Body"]
    for line in body.iter_lines():
        if line:
            data: dict[str, Any] = json.loads(line)
            yield AcceptedRow(**data)


def delete_staged(bucket: str, batch_id: str) -> None:
    """Remove every staged chunk of a batch (a rejected file leaves nothing behind)."""
    s3 = aws.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"staging/{batch_id}/"):
        keys = [{"Key": obj["Key"]} for obj in page.get("Contents", [])]
        if keys:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
