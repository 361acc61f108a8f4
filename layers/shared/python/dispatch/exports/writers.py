"""Streaming writers for batch downloads (PRODUCT §4): CSV or XLSX, one row at a time.

A batch export has up to 1,000,000 rows, so neither the rows nor the file may sit in memory: each
writer buffers about ``CHUNK_CHARS`` characters and hands the bytes to its sink (a file, an
``upload.MultipartSink``), which needs only ``write`` and, for XLSX, ``flush``; seeking is never
used. The first row written is the header. Every text cell goes through ``dispatch.spreadsheet``,
so no cell can be read as a formula (the header included).

CSV: UTF-8 with a BOM (Excel reads accents right only with it), RFC 4180 quoting, CRLF line ends;
``None`` is empty, bools are ``true``/``false``, exact ``int``/``float`` values their plain text.
Cells are never truncated: Excel cuts long cells itself on import, other readers get all of it.
A lone surrogate (not a character, so not encodable) is written as ``?``.

XLSX: a minimal SpreadsheetML package streamed through ``zipfile`` (data descriptors instead of
seeking back). Strings are inline strings (no shared-strings table to hold in memory), XML-escaped,
with the characters XML 1.0 forbids removed (the C0 controls but tab, LF and CR; lone surrogates;
U+FFFE and U+FFFF) before they are neutralised. Numbers are numeric cells, except non-finite floats
and integers of more than 15 digits, which Excel cannot hold exactly (card numbers, long ids): those
are text. There is never a formula (``<f>``) element. Excel's limits are kept:

- a string longer than ``MAX_CELL_CHARS`` (32,767 UTF-16 code units, as Excel counts) is cut to it,
  or Excel would report the file as damaged;
- a sheet holds at most ``MAX_SHEET_ROWS`` rows (1,048,576, the header included); the rows after
  continue in ``sheet2``, ``sheet3``…, each starting with the header again;
- a sheet's XML stays under ``MAX_SHEET_BYTES``, so that no part needs ZIP64: Python's ZIP64 local
  header for a streamed entry (version 4.5, sizes 0xFFFFFFFF, a ZIP64 extra field) is the layout
  Excel has been reported to reject (zlib-ng/minizip-ng#894, duckdb/duckdb-excel#64), whereas the
  plain one opens everywhere. A sheet that would pass the budget continues on the next sheet, as
  at the row limit; at about 1 KB of XML a row, the row limit comes first.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Literal, Protocol

from dispatch.spreadsheet import RISKY_FIRST, neutralise, safe_cell

ExportFormat = Literal["csv", "xlsx"]
CHUNK_CHARS = 1 << 16
MAX_CELL_CHARS = 32_767
MAX_SHEET_ROWS = 1_048_576
MAX_SHEET_BYTES = 2_000_000_000  # below zipfile.ZIP64_LIMIT (2 GiB - 1)
MAX_COLUMNS = 16_384
COMPRESSION_LEVEL = 1  # sheet XML deflates about 12:1 even at the fastest level; speed is what is short
_EXACT_LIMIT = 10**15  # Excel keeps 15 significant digits: integers beyond are written as text


@dataclass(frozen=True)
class FileFormat:
    content_type: str
    extension: str


FORMATS: Mapping[ExportFormat, FileFormat] = {
    "csv": FileFormat("text/csv; charset=utf-8", "csv"),
    "xlsx": FileFormat("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


class Sink(Protocol):
    """Where the bytes go. ``flush`` is called once, when an XLSX file is complete; ``close`` never
    (the sink belongs to the caller)."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class RowWriter(Protocol):
    def write_row(self, values: Sequence[object]) -> None:
        """Add one row; the first one written is the header."""

    def close(self) -> None:
        """Finish the file (for XLSX, the workbook parts and the zip directory); the sink stays open."""


def open_writer(fmt: ExportFormat, sink: Sink) -> RowWriter:
    """A writer of ``fmt`` rows into ``sink``; its content type and extension are ``FORMATS[fmt]``."""
    if fmt == "csv":
        return CsvWriter(sink)
    if fmt == "xlsx":
        return XlsxWriter(sink)
    raise ValueError(f"unknown export format {fmt!r}")


class CsvWriter:
    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer)  # the excel dialect: minimal quoting, CRLF
        self._buffered = 0
        sink.write(codecs.BOM_UTF8)

    def write_row(self, values: Sequence[object]) -> None:
        # Most cells are text that starts with a letter or a digit: they skip the call.
        self._buffered += self._csv.writerow(
            [v if type(v) is str and v[:1] not in RISKY_FIRST else safe_cell(v) for v in values]
        )
        if self._buffered >= CHUNK_CHARS:
            self._flush()

    def close(self) -> None:
        self._flush()

    def _flush(self) -> None:
        self._sink.write(self._buffer.getvalue().encode("utf-8", "replace"))
        self._buffer.seek(0)
        self._buffer.truncate()
        self._buffered = 0


class _ForwardOnly:
    """The sink without ``tell``/``seek``, so zipfile always streams (data descriptors): the same
    bytes whether the sink is a file or an upload, and ``close`` left to the sink's owner. Once
    detached (``sink = None``) it drops what it is given."""

    def __init__(self, sink: Sink) -> None:
        self.sink: Sink | None = sink

    def write(self, data: bytes, /) -> int:
        if self.sink is not None:
            self.sink.write(data)
        return len(data)

    def flush(self) -> None:
        if self.sink is not None:
            self.sink.flush()

    def close(self) -> None:
        """The caller closes the sink."""


class XlsxWriter:
    def __init__(self, sink: Sink) -> None:
        self._out = _ForwardOnly(sink)
        self._zip = zipfile.ZipFile(self._out, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESSION_LEVEL)
        self._max_rows, self._max_bytes = MAX_SHEET_ROWS, MAX_SHEET_BYTES  # read late: tests lower them
        self._header: Sequence[object] | None = None
        self._columns: Sequence[str] = ()
        self._sheets = 0
        self._sheet: IO[bytes] | None = None
        self._sheet_bytes = 0
        self._pending: list[str] = []
        self._pending_chars = 0
        self._next_row = 1

    def write_row(self, values: Sequence[object]) -> None:
        if len(values) > len(self._columns):
            self._columns = _column_letters(len(values))
        if self._header is None:
            self._header = list(values)  # kept for the next sheets; the caller may reuse its list
            self._start_sheet()
            return
        row = _row_xml(self._next_row, values, self._columns, "")
        if self._next_row > self._max_rows or not self._fits(row):
            self._start_sheet()
            row = _row_xml(self._next_row, values, self._columns, "")
        self._append(row)

    def close(self) -> None:
        if self._header is None:
            self._header = ()
            self._start_sheet()
        self._finish_sheet()
        for name, text in _package_parts(self._sheets):
            self._zip.writestr(name, text)
        self._zip.close()

    def __del__(self) -> None:
        # Dropped unfinished (its export failed), the writer must not let zipfile's own clean-up
        # write the rest of a zip into the sink, which its owner has aborted or still uses.
        self._out.sink = None

    def _start_sheet(self) -> None:
        """Finish the current sheet if any, open the next one and write the header into it."""
        self._finish_sheet()
        self._sheets += 1
        self._sheet = self._zip.open(f"xl/worksheets/sheet{self._sheets}.xml", "w")
        self._sheet_bytes = 0
        self._next_row = 1
        self._buffer(_SHEET_START)
        self._append(_row_xml(1, self._header or (), self._columns, _BOLD))

    def _finish_sheet(self) -> None:
        if self._sheet is not None:
            self._buffer(_SHEET_END)
            self._flush()
            self._sheet.close()
            self._sheet = None

    def _fits(self, row: str) -> bool:
        """Whether the sheet stays under its byte budget with ``row``: at most 4 UTF-8 bytes a
        character for what is not yet encoded."""
        unencoded = self._pending_chars + len(row) + len(_SHEET_END)
        return self._sheet_bytes + 4 * unencoded <= self._max_bytes

    def _append(self, row: str) -> None:
        self._buffer(row)
        self._next_row += 1
        if self._pending_chars >= CHUNK_CHARS:
            self._flush()

    def _buffer(self, text: str) -> None:
        self._pending.append(text)
        self._pending_chars += len(text)

    def _flush(self) -> None:
        assert self._sheet is not None
        data = "".join(self._pending).encode()
        self._sheet.write(data)
        self._sheet_bytes += len(data)
        self._pending.clear()
        self._pending_chars = 0


# --- SpreadsheetML ------------------------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_SHEET_START = f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData>'
_SHEET_END = "</sheetData></worksheet>"
_BOLD = ' s="1"'  # the second cellXfs entry of _STYLES
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _package_parts(sheets: int) -> list[tuple[str, str]]:
    """The parts around the sheets: content types, relationships, workbook, styles."""
    numbers = range(1, sheets + 1)
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{sheet_type}"/>' for n in numbers
    )
    content_types = (
        f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>"
    )
    root_rels = (
        f'{_XML}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        + "".join(f'<sheet name="Sheet{n}" sheetId="{n}" r:id="rId{n}"/>' for n in numbers)
        + "</sheets></workbook>"
    )
    workbook_rels = (
        f'{_XML}<Relationships xmlns="{_PKG_REL}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in numbers
        )
        + f'<Relationship Id="rId{sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        + "</Relationships>"
    )
    return [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", root_rels),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", workbook_rels),
        ("xl/styles.xml", _STYLES),
    ]


def _column_letters(count: int) -> tuple[str, ...]:
    """``A`` … ``XFD``: the letters of the first ``count`` columns, computed once per width."""
    if count > MAX_COLUMNS:
        raise ValueError(f"a sheet has at most {MAX_COLUMNS} columns, got a row of {count}")
    letters = []
    for number in range(1, count + 1):
        name, left = "", number
        while left:
            left, rest = divmod(left - 1, 26)
            name = chr(65 + rest) + name
        letters.append(name)
    return tuple(letters)


def _row_xml(number: int, values: Sequence[object], columns: Sequence[str], style: str) -> str:
    """One ``<row>``: strings inline, numbers numeric, bools boolean, ``None`` left out."""
    ref = str(number)
    cells = [f'<row r="{ref}">']
    for column, value in zip(columns, values, strict=False):
        if value is None:
            continue
        if isinstance(value, bool):
            cells.append(f'<c r="{column}{ref}"{style} t="b"><v>{value:d}</v></c>')
            continue
        if type(value) is str:
            text = value
        else:
            number_text = _number_text(value)
            if number_text is not None:
                cells.append(f'<c r="{column}{ref}"{style}><v>{number_text}</v></c>')
                continue
            text = str(value)
        cells.append(
            f'<c r="{column}{ref}"{style} t="inlineStr"><is><t xml:space="preserve">'
            f"{_xml_text(text)}</t></is></c>"
        )
    cells.append("</row>")
    return "".join(cells)


def _number_text(value: object) -> str | None:
    """The ``<v>`` of a numeric cell, or ``None`` when the value must be written as text (exact
    types only: a subclass of int may print anything)."""
    if type(value) is int:
        return str(value) if -_EXACT_LIMIT < value < _EXACT_LIMIT else None
    if type(value) is float and math.isfinite(value):
        return repr(value)
    return None


# Characters XML 1.0 forbids, and those that need escaping in element text (CR would read back as LF).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_HALF_LIMIT = MAX_CELL_CHARS // 2  # below this many characters no text can pass the limit


def _xml_text(text: str) -> str:
    """``text`` as the content of a ``<t>``: cleaned, neutralised, cut to Excel's limit, escaped."""
    if text[:1] not in RISKY_FIRST and len(text) <= _HALF_LIMIT and _SPECIAL.search(text) is None:
        return text  # the common case: nothing to do
    text = neutralise(_ILLEGAL.sub("", text))
    if len(text) > _HALF_LIMIT:
        utf16 = text.encode("utf-16-le")
        if len(utf16) > 2 * MAX_CELL_CHARS:  # cut whole characters: "ignore" drops half a pair
            text = utf16[: 2 * MAX_CELL_CHARS].decode("utf-16-le", "ignore")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
