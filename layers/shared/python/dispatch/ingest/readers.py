"""Readers turn a file into ``(row_number, cells)`` pairs, whatever its format (PRODUCT §2.1).

The format is decided by content, never by name: a workbook named ``.csv`` is read as a
workbook and a CSV named ``.xlsx`` as a CSV. Rows stream; nothing holds the whole file.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from pathlib import Path

from dispatch.ingest.csv_reader import csv_rows
from dispatch.ingest.models import Cell, FileRejected, Limits
from dispatch.ingest.text_sniffing import NOT_TABULAR, sniff_text
from dispatch.ingest.xlsx_reader import open_workbook

XLS_UNSUPPORTED = (
    "legacy Excel workbooks (.xls) and password-protected workbooks are not supported: "
    "save the sheet as .xlsx or CSV"
)
_SNIFF_BYTES = 64 * 1024
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and any encrypted Office file
# Formats that can be (nearly) printable text, so the NUL and control-character checks may miss them.
_DOCUMENT_SIGNATURES = (
    b"%PDF-",
    b"%!PS",
    b"{\\rtf",
    b"\x89PNG",
    b"GIF87a",
    b"GIF89a",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
)


@dataclass(slots=True)
class Table:
    """A readable file: how it is written, and its rows.

    ``typed`` is True when cells carry the file's own types (a workbook's numbers, dates and
    booleans); a CSV's cells are all text.
    """

    format: str
    encoding: str | None
    delimiter: str | None
    rows: Generator[tuple[int, Sequence[Cell]], None, None]
    typed: bool


def open_table(path: Path, limits: Limits) -> Table:
    """Detect the file's format by its bytes and return a streaming row reader.

    Raises FileRejected when the file is not CSV or XLSX, or cannot be read safely.
    """
    with path.open("rb") as probe:
        head = probe.read(_SNIFF_BYTES)
        complete = not probe.read(1)
    if head.startswith(_ZIP_SIGNATURES):
        return Table("xlsx", None, None, open_workbook(path, limits), typed=True)
    if head.startswith(_OLE2_SIGNATURE):
        raise FileRejected(XLS_UNSUPPORTED)
    if head.startswith(_DOCUMENT_SIGNATURES):
        raise FileRejected(NOT_TABULAR)
    layout = sniff_text(path, head, complete=complete)
    rows = csv_rows(path, layout.encoding, layout.delimiter, max_field_chars=limits.max_field_chars)
    return Table("csv", layout.encoding, layout.delimiter, rows, typed=False)
