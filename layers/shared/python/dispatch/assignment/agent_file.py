"""Agents bulk-imported from a CSV or XLSX file (PRODUCT §7), read with the recipients-file machinery.

An agents file comes from the same people and the same tools as a recipients file, so it has the
same shapes and the same dangers: it is read by content whatever its name, its encoding and
delimiter are sniffed, a workbook goes through the streaming reader with its zip and entity guards,
and addresses are normalised by the ingest's email and phone functions, so an agent's number is
written exactly as a recipient's would be. Only the columns differ: a fixed set, plus one
``filter:<field>`` column per card field an agent may be restricted to.

A file that cannot be an agents file (not a spreadsheet, unknown or missing columns, over a limit)
is refused as a whole; otherwise each data row becomes an ``AgentInput`` or one or more row errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from dispatch.assignment.models import AgentInput, Filter
from dispatch.emails import canonical_email
from dispatch.ingest.invalid import InvalidValue
from dispatch.ingest.models import Cell, FileRejected, Limits
from dispatch.ingest.phones import is_supported_region, normalise_phone
from dispatch.ingest.readers import open_table
from dispatch.ingest.validator import too_large
from dispatch.ingest.values import cell_text, converter
from dispatch.numbers import UnstorableNumber
from dispatch.processes.models import FieldType, column_key

NO_AGENTS = "the file has no agents"
AGENT_COLUMNS = ("email", "name", "user_id", "work_phone", "work_email", "available", "groups")
REQUIRED_COLUMNS = ("email", "name")
FILTER_PREFIX = "filter:"
FILTER_SYNTAX = (
    "not a filter: write =value, in:a|b|c or min..max "
    "(in Excel, type '=value so that it is not read as a formula)"
)
_GROUP_SEPARATORS = re.compile(r"[;,]")
_LEADING_ZERO = re.compile(r"[+-]?0[0-9]")
_WORDS = {"true": True, "false": False}
# Filter values are read as the ingest reads a number field, so they equal the card's values; the
# region only matters to phone fields.
_NUMBER = converter(FieldType.number, "US")
_BOOLEAN = converter(FieldType.boolean, "US")

T = TypeVar("T")


@dataclass(slots=True)
class AgentRowError:
    """Why a row did not become an agent; ``row`` is the file's own row number."""

    row: int
    column: str | None
    code: str
    message: str


@dataclass(slots=True)
class AgentFile:
    """The agents of a file, keyed by row number, and the rows that failed.

    ``rows`` counts the non-blank data rows: each is one agent or has at least one error. When
    ``rejected_reason`` is set the file was refused as a whole and nothing else is filled in.
    """

    agents: list[tuple[int, AgentInput]]
    errors: list[AgentRowError]
    rows: int
    rejected_reason: str | None


def read_agent_file(
    path: Path,
    *,
    default_phone_region: str = "US",
    max_rows: int = 10_000,
    max_bytes: int = 5 * 1024 * 1024,
) -> AgentFile:
    """Read the agents file at ``path``; phones without a country code are read in the default region.

    Raises ValueError for a region phonenumbers does not know (a caller's mistake, not the file's).
    """
    region = default_phone_region.upper()
    if not is_supported_region(region):
        raise ValueError(f"unknown phone region {region!r}")
    limits = Limits(max_bytes=max_bytes, max_rows=max_rows)
    size = path.stat().st_size
    if size == 0:
        return _rejected(NO_AGENTS)
    if size > max_bytes:
        return _rejected(too_large(limits))
    reader = _AgentReader(region, limits)
    try:
        table = open_table(path, limits)
        try:
            reader.read(table.rows)
        finally:
            table.rows.close()
    except FileRejected as exc:
        return _rejected(str(exc))
    if reader.rows == 0:
        return _rejected(NO_AGENTS)
    return AgentFile(reader.agents, reader.errors, reader.rows, None)


def parse_filter(cell: Cell, text: str) -> Filter:
    """The Filter a non-empty ``filter:<field>`` cell describes; InvalidValue when it describes none
    or holds a number that cannot be stored (with the reason).

    A workbook cell that is a number, boolean or date is an ``equals``: typing ``=5`` in Excel makes a
    formula whose stored result is 5, so that is all a workbook can hold of it.
    """
    try:
        return _filter(cell, text)
    except ValidationError as exc:  # the Filter refused a number DynamoDB cannot store
        raise InvalidValue(
            str(exc.errors(include_url=False)[0]["msg"]).removeprefix("Value error, ")
        ) from exc


def _filter(cell: Cell, text: str) -> Filter:
    if isinstance(cell, bool | int | float):
        return Filter(equals=cell)
    if not isinstance(cell, str):
        return Filter(equals=text)  # a date, as the ISO text the card's date fields hold
    if text.startswith("="):
        value = text[1:].strip()
        if not value:
            raise InvalidValue("= needs a value: =north")
        return Filter(equals=_WORDS.get(value.casefold(), _scalar(value)))
    if text[:3].casefold() == "in:":
        options = [_scalar(option.strip()) for option in text[3:].split("|") if option.strip()]
        if not options:
            raise InvalidValue("in: needs at least one value: in:a|b|c")
        return Filter.model_validate({"in": options})
    if ".." in text:
        low_text, _, high_text = text.partition("..")
        low = _scalar(low_text.strip()) if low_text.strip() else None
        high = _scalar(high_text.strip()) if high_text.strip() else None
        if low is None and high is None:
            raise InvalidValue("a range needs a minimum, a maximum or both: 10..20, 10.. or ..20")
        if low is not None and high is not None and isinstance(low, str) != isinstance(high, str):
            raise InvalidValue("both ends of a range must be numbers, or both text (such as ISO dates)")
        return Filter(min=low, max=high)
    raise InvalidValue(FILTER_SYNTAX)


def _scalar(text: str) -> str | int | float:
    """A number when a number field would read ``text`` as one, else the text.

    Card values are typed by the process's fields, so a filter on an amount must hold 100, not
    "100". Leading zeros keep the text: 02134 is a code, not a number.
    """
    if _LEADING_ZERO.match(text):
        return text
    try:
        value = _NUMBER(text, text)
    except InvalidValue as exc:
        if isinstance(exc.__cause__, UnstorableNumber):
            raise  # a number, but one that cannot be stored: say so rather than keep it as text
        return text
    return value if isinstance(value, int | float) else text


def _rejected(reason: str) -> AgentFile:
    return AgentFile([], [], 0, reason)


@dataclass(frozen=True, slots=True)
class _Header:
    """Where each known column is, where each filter column is (by card field), and the unnamed ones."""

    width: int
    columns: dict[str, int]
    filters: dict[str, int]
    unnamed: tuple[int, ...]


def _read_header(texts: Sequence[str], limits: Limits) -> _Header:
    """The header of an agents file; FileRejected naming the columns at fault when it is not one."""
    width = len(texts)
    while width and not texts[width - 1]:
        width -= 1  # a trailing delimiter or formatted empty cells are not columns
    if width > limits.max_columns:
        raise FileRejected(f"the file has {width:,} columns; at most {limits.max_columns} are allowed")
    columns: dict[str, int] = {}
    filters: dict[str, int] = {}
    unnamed: list[int] = []
    seen: set[str] = set()
    duplicates: list[str] = []
    unknown: list[str] = []
    for index, name in enumerate(texts[:width]):
        key = column_key(name)
        subject = name.split(":", 1)[1].strip() if key.startswith(FILTER_PREFIX) else ""
        identity = FILTER_PREFIX + column_key(subject) if subject else key
        if not key:
            unnamed.append(index)
        elif identity in seen:
            duplicates.append(name)
        elif key in AGENT_COLUMNS:
            columns[key] = index
        elif subject:
            filters[subject] = index
        else:
            unknown.append(name)
        seen.add(identity)
    if duplicates:
        raise FileRejected(f"duplicate columns: {', '.join(duplicates)}")
    if unknown:
        raise FileRejected(
            f"unknown columns: {', '.join(unknown)} (an agents file has the columns "
            f"{', '.join(AGENT_COLUMNS)} and filter:<field>)"
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise FileRejected(f"missing required column{plural}: {', '.join(missing)}")
    return _Header(width, columns, filters, tuple(unnamed))


@dataclass(slots=True)
class _Row:
    """One data row while it is checked: its cells by column name, and the errors found so far."""

    number: int
    cells: Sequence[Cell]
    texts: list[str]
    errors: list[AgentRowError] = field(default_factory=list)

    def fail(self, column: str | None, code: str, message: str) -> None:
        self.errors.append(AgentRowError(self.number, column, code, message))

    def value(self, index: int | None) -> tuple[Cell, str]:
        if index is None or index >= len(self.texts):
            return None, ""
        return self.cells[index], self.texts[index]

    def checked(
        self, column: str, index: int | None, code: str, convert: Callable[[Cell, str], T]
    ) -> T | None:
        """The converted value of a non-empty cell; None when empty or invalid (then ``code`` is recorded)."""
        cell, text = self.value(index)
        if not text:
            return None
        try:
            return convert(cell, text)
        except InvalidValue as exc:
            self.fail(column, code, str(exc))
            return None


class _AgentReader:
    """The header, then every data row: checked cells, duplicates, and the AgentInput."""

    def __init__(self, region: str, limits: Limits) -> None:
        self._region = region
        self._limits = limits
        self._header: _Header | None = None
        self._emails: set[str] = set()  # login emails of the agents accepted so far (canonical)
        self.agents: list[tuple[int, AgentInput]] = []
        self.errors: list[AgentRowError] = []
        self.rows = 0

    def read(self, rows: Iterator[tuple[int, Sequence[Cell]]]) -> None:
        for number, cells in rows:
            texts = [cell_text(cell) for cell in cells]
            if not any(texts):
                continue
            if self._header is None:
                self._header = _read_header(texts, self._limits)
                continue
            self.rows += 1
            if self.rows > self._limits.max_rows:
                raise FileRejected(f"the file has more than {self._limits.max_rows:,} data rows")
            self._row(_Row(number, cells, texts), self._header)
        if self._header is None:
            raise FileRejected(NO_AGENTS)

    def _row(self, row: _Row, header: _Header) -> None:
        columns = header.columns
        for column in REQUIRED_COLUMNS:
            if not row.value(columns[column])[1]:
                row.fail(column, "missing_required", "a value is required")
        email = row.checked("email", columns["email"], "invalid_email", _email)
        _, name = row.value(columns["name"])
        _, user_id = row.value(columns.get("user_id"))
        work_phone = row.checked("work_phone", columns.get("work_phone"), "invalid_phone", self._phone)
        work_email = row.checked("work_email", columns.get("work_email"), "invalid_email", _email)
        available = row.checked("available", columns.get("available"), "invalid_value", _BOOLEAN)
        _, groups = row.value(columns.get("groups"))
        filters: dict[str, Filter] = {}
        for subject, index in header.filters.items():
            condition = row.checked(FILTER_PREFIX + subject, index, "invalid_filter", parse_filter)
            if condition is not None:
                filters[subject] = condition
        stray = _stray_value(row.texts, header)
        if stray is not None:
            row.fail(None, "extra_values", f"column {stray + 1} has a value but no name in the header")
        if email is None or row.errors:
            self.errors.extend(row.errors)
            return
        if email in self._emails:
            self.errors.append(
                AgentRowError(row.number, "email", "duplicate_agent", "an earlier row has the same email")
            )
            return
        try:
            agent = AgentInput(
                email=email,
                name=name,
                work_phone=work_phone,
                work_email=work_email,
                available=available is not False,  # an empty cell means available
                groups=_groups(groups),
                filters=filters,
                # An empty cell leaves an existing agent's user as it is (see replace_agent).
                **({"user_id": user_id} if user_id else {}),
            )
        except ValidationError as exc:
            self.errors.extend(_validation_errors(row.number, exc))
            return
        self._emails.add(email)
        self.agents.append((row.number, agent))

    def _phone(self, _cell: Cell, text: str) -> str:
        return normalise_phone(text, self._region)


def _email(_cell: Cell, text: str) -> str:
    return canonical_email(text)


def _groups(text: str) -> list[str]:
    """Group ids in the order written, each once: ``sales; support`` or ``sales,support``."""
    return list(dict.fromkeys(part.strip() for part in _GROUP_SEPARATORS.split(text) if part.strip()))


def _stray_value(texts: list[str], header: _Header) -> int | None:
    """The first value under a column without a name (a delimiter left unquoted in a value?)."""
    for index in header.unnamed:
        if index < len(texts) and texts[index]:
            return index
    return next((index for index in range(header.width, len(texts)) if texts[index]), None)


def _validation_errors(number: int, error: ValidationError) -> list[AgentRowError]:
    """Pydantic's complaints as row errors: the column they concern and pydantic's plain message."""
    errors = []
    for detail in error.errors(include_url=False):
        location = detail["loc"]
        column = str(location[0]) if location else None
        if column == "filters" and len(location) > 1:
            column = FILTER_PREFIX + str(location[1])
        errors.append(AgentRowError(number, column, "invalid_value", detail["msg"]))
    return errors
