"""Streaming CSV rows, each with the line number where its record starts (PRODUCT §2.2, §2.7).

The stdlib ``csv`` module does the parsing (quoted fields, embedded delimiters and newlines,
doubled quotes). What it does not do is bound memory: it asks its line source for whole lines,
and a file object hands over a 1.5 GB line without a newline in one piece. So lines come from
``readline(limit)``, and a line longer than ``max_line_chars`` rejects the file before it is
held. A quoted field that swallows many lines is bounded by ``max_field_chars``.

An unclosed quote makes ``csv`` (non-strict) return the rest of the file as one field. To tell
that apart from a legitimate multi-line value, a sentinel line that cannot occur in text which
passed sniffing (it holds NULs) follows the last line: read as its own record, it is dropped; found
at the end of the last field, the file ended inside quotes.
"""

from __future__ import annotations

import csv
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TextIO

from dispatch.ingest.models import FileRejected

_SENTINEL = "\x00\uffff\x00\n"
# Two hundred columns of 4,000 characters fit; a line longer than this cannot be a row.
MAX_LINE_CHARS = 1024 * 1024


def csv_rows(
    path: Path, encoding: str, delimiter: str, *, max_field_chars: int
) -> Generator[tuple[int, list[str]], None, None]:
    """Yield ``(line_number, cells)`` for every record; raise FileRejected on unreadable structure."""
    previous_limit = csv.field_size_limit()
    with path.open("r", encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(_lines(handle), delimiter=delimiter, skipinitialspace=True)
        start = 1
        while True:
            csv.field_size_limit(max_field_chars)
            try:
                cells = next(reader, None)
            except csv.Error as exc:
                raise _malformed(start, exc, max_field_chars) from exc
            finally:
                csv.field_size_limit(previous_limit)
            if cells is None:
                return
            if cells and cells[-1].endswith(_SENTINEL):
                raise FileRejected(f'line {start}: a quoted value is never closed (a " is missing)')
            if cells == [_SENTINEL[:-1]]:
                return
            yield start, cells
            start = reader.line_num + 1


def _lines(handle: TextIO) -> Iterator[str]:
    readline = handle.readline
    number = 0
    while line := readline(MAX_LINE_CHARS + 1):
        number += 1
        if len(line) > MAX_LINE_CHARS:
            raise FileRejected(
                f"line {number} is longer than {MAX_LINE_CHARS:,} characters: it cannot be a row"
            )
        yield line
    yield _SENTINEL


def _malformed(line: int, error: csv.Error, max_field_chars: int) -> FileRejected:
    if "field larger than field limit" in str(error):
        return FileRejected(
            f"line {line}: a value is longer than {max_field_chars:,} characters (is a quote left open?)"
        )
    return FileRejected(f"line {line}: the CSV is malformed ({error})")
