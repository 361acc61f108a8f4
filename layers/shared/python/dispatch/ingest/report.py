"""The row-error report: CSV (row, column, code, message, value) uploaded next to the batch.

Rows are written to a temporary file as they arrive, so the report never sits in memory.
"""

from __future__ import annotations

import csv
import tempfile
from typing import IO

from dispatch import aws
from dispatch.ingest.models import RowIssue
from dispatch.spreadsheet import safe_cell

HEADER = ("row", "column", "code", "message", "value")


def report_key(batch_id: str) -> str:
    return f"reports/{batch_id}/errors.csv"


class ReportWriter:
    def __init__(self) -> None:
        self._file: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
        self._csv = csv.writer(self._file)
        self._csv.writerow(HEADER)
        self.errors = 0
        self.warnings = 0

    def add(self, issue: RowIssue) -> None:
        if issue.severity == "error":
            self.errors += 1
        else:
            self.warnings += 1
        self._csv.writerow(
            [issue.row, safe_cell(issue.column), issue.code, safe_cell(issue.message), safe_cell(issue.value)]
        )

    def upload(self, bucket: str, key: str) -> None:
        self._file.flush()
        self._file.seek(0)
        data = self._file.buffer.read()  # type: ignore[attr-defined]
        aws.client("s3").put_object(Bucket=bucket, Key=key, Body=data, ContentType="text/csv; charset=utf-8")

    def close(self) -> None:
        self._file.close()
