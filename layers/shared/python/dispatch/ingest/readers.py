"""Readers turn a file into ``(row_number, cells)`` pairs, whatever its format.

The format is decided by content, never by name. Rows stream: nothing holds the whole file.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

from dispatch.ingest.models import FileRejected

Cell = str | int | float | bool | datetime | date | None

NOT_TABULAR = "not a CSV or Excel file"
_SNIFF_BYTES = 64 * 1024


@dataclass(slots=True)
class Table:
    format: str
    encoding: str | None
    delimiter: str | None
    rows: Iterator[tuple[int, list[Cell]]]


def open_table(path: Path) -> Table:
    """Detect the file's format by its bytes and return a streaming row reader."""
    with path.open("rb") as probe:
        head = probe.read(_SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        return _xlsx(path)
    encoding = _detect_encoding(head)
    if encoding is None:
        raise FileRejected(NOT_TABULAR)
    text = head.decode(encoding, errors="replace")
    delimiter = _detect_delimiter(text)
    return Table("csv", encoding, delimiter, _csv_rows(path, encoding, delimiter))


def _detect_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # a multi-byte character cut by the sample is not evidence
            return "cp1252" if _mostly_text(head) else None
    return "utf-8" if _mostly_text(head) else None


def _mostly_text(head: bytes) -> bool:
    control = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    return control <= len(head) // 100


def _detect_delimiter(text: str) -> str:
    sample = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _csv_rows(path: Path, encoding: str, delimiter: str) -> Iterator[tuple[int, list[Cell]]]:
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            line = 1
            for cells in reader:
                yield line, list(cells)
                line = reader.line_num + 1
        except csv.Error as exc:
            raise FileRejected(f"the CSV is malformed near line {reader.line_num}: {exc}") from exc


def _xlsx(path: Path) -> Table:
    try:
        with zipfile.ZipFile(path) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise FileRejected(NOT_TABULAR)
    except zipfile.BadZipFile as exc:
        raise FileRejected(NOT_TABULAR) from exc
    return Table("xlsx", None, None, _xlsx_rows(path))


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[Cell]]]:
    from openpyxl import load_workbook  # imported here: CSV-only runs never pay for it

    handle: IO[bytes] = io.BufferedReader(io.FileIO(path))
    workbook = load_workbook(handle, read_only=True, data_only=True)
    try:
        sheet = next((ws for ws in workbook.worksheets if ws.sheet_state == "visible"), None)
        if sheet is None:
            raise FileRejected("the workbook has no visible sheet")
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(row)
    finally:
        workbook.close()
        handle.close()
