"""Streaming rows of the first visible worksheet of an XLSX workbook (PRODUCT §2.1, §2.6, §2.10).

Why not openpyxl's read-only mode: it parses with ElementTree, which keeps a cell's whole text
(1.5 GB from a 1.5 MB zip) before anyone can look at it, it keeps every shared string as a Python
object (hundreds of MB for a million-row file), and it is slow. This reader drives expat, the C
parser underneath ElementTree, directly:
- no DTD is accepted, so entity bombs and external entities never start;
- parts are inflated through GuardedArchive (zip bombs, see zip_guard);
- a cell's text is counted while it arrives and refused past ``max_field_chars``;
- shared strings are kept as one UTF-8 buffer with an offset table, bounded by
  ``max_shared_text_bytes``;
- rows are handed on as each chunk of XML is parsed, so memory does not grow with the sheet.

Values are what Excel stored: numbers stay numbers, date-formatted numbers become datetimes (via
openpyxl's own date-format rules and epoch arithmetic, so it agrees with openpyxl), formulas are
never evaluated and their cached value is used, booleans become bools.
"""

from __future__ import annotations

import posixpath
from array import array
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from xml.parsers import expat

from dispatch.ingest.models import Cell, FileRejected, Limits
from dispatch.ingest.text_sniffing import NOT_TABULAR
from dispatch.ingest.zip_guard import DAMAGED, GuardedArchive

Row = tuple[int, list[Cell]]

ODS_UNSUPPORTED = "OpenDocument spreadsheets (.ods) are not supported: save the sheet as .xlsx or CSV"
XLSB_UNSUPPORTED = "binary Excel workbooks (.xlsb) are not supported: save the sheet as .xlsx or CSV"
_PACKAGE_RELS = "_rels/.rels"
_DEFAULT_WORKBOOK = "xl/workbook.xml"
_MAX_COLUMN = 16_384  # XFD, Excel's last column
_MAX_ROW = 1_048_576
_EXACT_INTEGER = 2**53
# Built-in number formats that show a date or time in some locale (ECMA-376 18.8.30).
_LOCALE_DATE_FORMATS = frozenset(range(27, 37)) | frozenset(range(50, 59))
_XML_ERRORS = (expat.ExpatError, ValueError, IndexError, OverflowError)

StartHandler = Callable[[str, dict[str, str]], None]
EndHandler = Callable[[str], None]
TextHandler = Callable[[str], None]


def open_workbook(path: Path, limits: Limits) -> Generator[Row, None, None]:
    """Open the workbook at ``path`` and stream the rows of its first visible worksheet.

    Raises FileRejected when the zip is not a workbook this reader supports, or is damaged.
    """
    archive = GuardedArchive(path, limits)
    try:
        main = _main_part(archive)
        relations = _relationships(archive, _rels_part(main))
        book = _parse_workbook(archive, main)
        sheet_part = _first_visible_worksheet(book, relations)
        date_styles = _date_styles(archive, relations.get_target("/styles"))
        strings = _shared_strings(archive, relations.get_target("/sharedStrings"), limits)
    except BaseException:
        archive.close()
        raise
    reader = _SheetReader(strings, date_styles, limits.max_field_chars, date1904=book.date1904)
    return _stream_rows(archive, sheet_part, reader)


def _stream_rows(archive: GuardedArchive, part: str, reader: _SheetReader) -> Generator[Row, None, None]:
    parser = _parser(reader.start, reader.end, reader.text)
    try:
        for chunk in archive.stream(part):
            parser.Parse(chunk, False)
            yield from reader.rows
            reader.rows.clear()
        parser.Parse(b"", True)
        yield from reader.rows
    except _XML_ERRORS as exc:
        raise FileRejected(f"{DAMAGED} ({_describe(exc)} in {part})") from exc
    finally:
        archive.close()


# --- XML plumbing -------------------------------------------------------------------------------


def _parser(start: StartHandler, end: EndHandler, text: TextHandler) -> expat.XMLParserType:
    """An expat parser that refuses any DTD: workbook parts never have one, entity bombs need one."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.buffer_text = True
    parser.buffer_size = 64 * 1024
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    return parser


def _refuse_doctype(*_: object) -> None:
    raise FileRejected("the workbook contains a document type declaration, which workbooks never need")


def _refuse_entity(*_: object) -> None:
    raise FileRejected("the workbook declares XML entities, which workbooks never need")


def _describe(error: Exception) -> str:
    if isinstance(error, expat.ExpatError):
        return f"XML error: {expat.errors.messages[error.code]} at line {error.lineno}"
    return f"bad value: {error}"


def _local(name: str) -> str:
    """``x:c`` and ``c`` are the same element: writers choose their own namespace prefixes."""
    return name.rpartition(":")[2]


def _attribute(attributes: dict[str, str], local: str) -> str | None:
    for key, value in attributes.items():
        if _local(key) == local:
            return value
    return None


def _parse_part(
    archive: GuardedArchive, part: str, start: StartHandler, end: EndHandler | None = None
) -> None:
    """Parse a small part for its elements' attributes (and, with ``end``, their nesting)."""
    parser = _parser(start, end or _ignore, _ignore)
    try:
        for chunk in archive.stream(part):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _XML_ERRORS as exc:
        raise FileRejected(f"{DAMAGED} ({_describe(exc)} in {part})") from exc


def _ignore(*_: object) -> None:
    return None


# --- package structure --------------------------------------------------------------------------


@dataclass(slots=True)
class _Relations:
    targets: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (type, part)

    def get_target(self, type_suffix: str) -> str | None:
        return next((part for kind, part in self.targets.values() if kind.endswith(type_suffix)), None)


@dataclass(slots=True)
class _Book:
    sheets: list[tuple[str, str]] = field(default_factory=list)  # state, relationship id
    date1904: bool = False


def _main_part(archive: GuardedArchive) -> str:
    main = _DEFAULT_WORKBOOK
    if _PACKAGE_RELS in archive:
        package = _relationships(archive, _PACKAGE_RELS)
        main = package.get_target("/officeDocument") or main
    if main in archive and main.endswith(".xml"):
        return main
    if main in archive and main.endswith(".bin"):
        raise FileRejected(XLSB_UNSUPPORTED)
    if "mimetype" in archive and b"opendocument.spreadsheet" in next(archive.stream("mimetype"), b""):
        raise FileRejected(ODS_UNSUPPORTED)
    raise FileRejected(NOT_TABULAR)


def _rels_part(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", f"{name}.rels")


def _relationships(archive: GuardedArchive, part: str) -> _Relations:
    """The relationships in ``part``; targets are relative to the folder of the part they belong to."""
    folder = posixpath.dirname(posixpath.dirname(part))
    relations = _Relations()
    if part not in archive:
        raise FileRejected(f"{DAMAGED} ({part} is missing)")

    def start(name: str, attributes: dict[str, str]) -> None:
        if _local(name) != "Relationship" or attributes.get("TargetMode") == "External":
            return
        target = attributes.get("Target", "")
        resolved = (
            target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        )
        relations.targets[attributes.get("Id", "")] = (attributes.get("Type", ""), resolved)

    _parse_part(archive, part, start)
    return relations


def _parse_workbook(archive: GuardedArchive, part: str) -> _Book:
    book = _Book()

    def start(name: str, attributes: dict[str, str]) -> None:
        local = _local(name)
        if local == "sheet":
            book.sheets.append((attributes.get("state", "visible"), _attribute(attributes, "id") or ""))
        elif local == "workbookPr" and attributes.get("date1904", "").lower() in {"1", "true"}:
            book.date1904 = True

    _parse_part(archive, part, start)
    return book


def _first_visible_worksheet(book: _Book, relations: _Relations) -> str:
    """The part of the first sheet in workbook order that is visible and a worksheet (not a chart)."""
    for state, relation in book.sheets:
        kind, part = relations.targets.get(relation, ("", ""))
        if state == "visible" and kind.endswith("/worksheet"):
            return part
    raise FileRejected("the workbook has no visible sheet")


def _date_styles(archive: GuardedArchive, part: str | None) -> frozenset[int]:
    """Indexes of the cell formats (``s`` of a cell) that show a number as a date or time."""
    if part is None or part not in archive:
        return frozenset()
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format  # the XLSX path only

    custom: dict[int, str] = {}
    formats: list[int] = []
    in_cell_formats = False  # <xf> also appears in <cellStyleXfs>, which cells do not point at

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal in_cell_formats
        local = _local(name)
        if local == "numFmt":
            custom[int(attributes.get("numFmtId", "0"))] = attributes.get("formatCode", "")
        elif local == "cellXfs":
            in_cell_formats = True
        elif local == "xf" and in_cell_formats:
            formats.append(int(attributes.get("numFmtId", "0")))

    def end(name: str) -> None:
        nonlocal in_cell_formats
        if _local(name) == "cellXfs":
            in_cell_formats = False

    _parse_part(archive, part, start, end)

    def is_date(format_id: int) -> bool:
        if format_id in custom:
            return bool(is_date_format(custom[format_id]))
        return format_id in _LOCALE_DATE_FORMATS or bool(is_date_format(BUILTIN_FORMATS.get(format_id)))

    return frozenset(index for index, format_id in enumerate(formats) if is_date(format_id))


# --- shared strings -----------------------------------------------------------------------------


class SharedText:
    """The workbook's shared strings: one UTF-8 buffer and the end offset of each string.

    A million-row file can share millions of strings; as Python objects they would cost ~60
    bytes each before their text, here they cost 8.
    """

    def __init__(self, max_bytes: int) -> None:
        self._data = bytearray()
        self._ends = array("Q")
        self._max_bytes = max_bytes

    def add(self, text: str) -> None:
        self._data += text.encode()
        self._ends.append(len(self._data))
        if len(self._data) + 8 * len(self._ends) > self._max_bytes:
            limit = self._max_bytes // 2**20
            raise FileRejected(f"the workbook's text takes more than {limit:,} MB: it cannot be read safely")

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(f"shared string {index}")
        start = self._ends[index - 1] if index else 0
        return self._data[start : self._ends[index]].decode()


def _shared_strings(archive: GuardedArchive, part: str | None, limits: Limits) -> SharedText:
    strings = SharedText(limits.max_shared_text_bytes)
    if part is None or part not in archive:
        return strings
    collector = _TextCollector(limits.max_field_chars)
    phonetic = [False]

    def start(name: str, _: dict[str, str]) -> None:
        local = _local(name)
        if local == "si":
            collector.reset()
        elif local == "t" and not phonetic[0]:
            collector.active = True
        elif local == "rPh":
            phonetic[0] = True

    def end(name: str) -> None:
        local = _local(name)
        if local == "t":
            collector.active = False
        elif local == "rPh":
            phonetic[0] = False
        elif local == "si":
            strings.add(collector.value())

    parser = _parser(start, end, collector.text)
    try:
        for chunk in archive.stream(part):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _XML_ERRORS as exc:
        raise FileRejected(f"{DAMAGED} ({_describe(exc)} in {part})") from exc
    return strings


class _TextCollector:
    """Gathers an element's text as it arrives, refusing it once it is longer than a cell may be."""

    __slots__ = ("_length", "_limit", "_parts", "active")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._parts: list[str] = []
        self._length = 0
        self.active = False

    def reset(self) -> None:
        self._parts = []
        self._length = 0
        self.active = False

    def text(self, data: str) -> None:
        if self.active:
            self._length += len(data)
            if self._length > self._limit:
                raise FileRejected(f"the workbook has a cell longer than {self._limit:,} characters")
            self._parts.append(data)

    def value(self) -> str:
        return "".join(self._parts)


# --- the sheet ----------------------------------------------------------------------------------


class _SheetReader:
    """Expat handlers for a worksheet: ``rows`` fills with finished rows as the XML is fed in."""

    def __init__(
        self, strings: SharedText, date_styles: frozenset[int], max_chars: int, *, date1904: bool
    ) -> None:
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

        self.rows: list[Row] = []
        self._strings = strings
        self._date_styles = date_styles
        self._epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        self._from_excel = from_excel
        self._collector = _TextCollector(max_chars)
        self.text = self._collector.text
        self._tags: dict[str, str] = {}
        self._columns: dict[str, int] = {}
        self._row_number = 0
        self._cells: list[Cell] = []
        self._column = -1
        self._kind: str | None = None
        self._style = 0
        self._phonetic = False

    def start(self, name: str, attributes: dict[str, str]) -> None:
        tag = self._tags.get(name) or self._learn(name)
        if tag == "c":
            reference = attributes.get("r")
            self._column = self._column + 1 if reference is None else self._column_of(reference)
            self._kind = attributes.get("t")
            style = attributes.get("s")
            self._style = int(style) if style else 0
            self._collector.reset()
        elif tag == "v" or (tag == "t" and not self._phonetic):
            self._collector.active = True
        elif tag == "row":
            number = attributes.get("r")
            self._row_number = self._row_number + 1 if number is None else int(number)
            if not 0 < self._row_number <= _MAX_ROW:
                raise ValueError(f"row number {self._row_number}")
            self._cells = []
            self._column = -1
        elif tag == "rPh":
            self._phonetic = True

    def end(self, name: str) -> None:
        tag = self._tags[name]
        if tag == "c":
            self._store(self._value())
        elif tag in {"v", "t"}:
            self._collector.active = False
        elif tag == "row":
            self.rows.append((self._row_number, self._cells))
        elif tag == "rPh":
            self._phonetic = False

    def _learn(self, name: str) -> str:
        tag = self._tags[name] = _local(name)
        return tag

    def _column_of(self, reference: str) -> int:
        letters = reference.rstrip("0123456789")
        column = self._columns.get(letters)
        if column is None:
            column = 0
            for letter in letters:
                if not "A" <= letter <= "Z":
                    raise ValueError(f"cell reference {reference[:20]!r}")
                column = column * 26 + ord(letter) - 64
            if not 0 < column <= _MAX_COLUMN:
                raise ValueError(f"cell reference {reference[:20]!r}")
            column = self._columns[letters] = column - 1
        return column

    def _value(self) -> Cell:
        text = self._collector.value()
        kind = self._kind
        if kind is None or kind == "n":
            if not text:
                return None
            number = _number(text)
            return self._date(number) if self._style in self._date_styles else number
        if kind == "s":
            return self._strings[int(text)]
        if kind == "b":
            return text in {"1", "true"}
        if kind == "d":
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                return text
        return text  # str (a formula's cached text), inlineStr, e (an error such as #N/A)

    def _date(self, serial: int | float) -> Cell:
        try:
            value: datetime | time = self._from_excel(serial, self._epoch)
        except (OverflowError, ValueError):
            return serial
        return value

    def _store(self, value: Cell) -> None:
        cells = self._cells
        column = self._column
        if column == len(cells):
            cells.append(value)
        elif column > len(cells):
            if value is not None:
                cells.extend([None] * (column - len(cells)))
                cells.append(value)
        else:
            cells[column] = value


def _number(text: str) -> int | float:
    """A stored number; integral values become ints so a phone typed as a number reads as digits."""
    try:
        return int(text)
    except ValueError:
        number = float(text)
    if number.is_integer() and abs(number) < _EXACT_INTEGER:
        return int(number)
    return number
