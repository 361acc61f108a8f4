"""Validation of a recipients file against a process (PRODUCT §2).

Rows are read, checked and handed to ``on_accepted`` / ``on_issue`` one at a time, so memory does
not grow with the file; the only state that grows is the set of recipients already accepted,
kept as one 64-bit hash per row.

Counting (§2.7): after the header, every row is blank (skipped, counted), or a data row that
ends as exactly one accepted row or exactly one rejected row, however many issues it has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import cast

from dispatch.emails import canonical_email
from dispatch.ingest.header import NO_EMAIL_COLUMN, Column, Header, read_header
from dispatch.ingest.invalid import InvalidValue
from dispatch.ingest.models import (
    AcceptedRow,
    Cell,
    FileRejected,
    Limits,
    RowIssue,
    Severity,
    ValidationResult,
    Value,
)
from dispatch.ingest.phones import is_supported_region, normalise_phone
from dispatch.ingest.readers import open_table
from dispatch.ingest.values import cell_text
from dispatch.processes.models import ProcessField

NO_RECIPIENTS = "the file has no recipients"
NO_ROW_ACCEPTED = "no row was accepted: every data row has an error"
_SHOWN_CHARS = 100


@dataclass(frozen=True, slots=True)
class _Channel:
    """How a channel's addresses are normalised, and the warning code of an unusable one."""

    normalise: Callable[[str], str]
    warning: str


def too_large(limits: Limits) -> str:
    """The reason given for a file over the size limit (also checked before a file is fetched)."""
    return f"the file is larger than {limits.max_bytes / 1024**2:,.0f} MB"


def validate_file(
    path: Path,
    fields: Sequence[ProcessField],
    *,
    region: str,
    limits: Limits,
    on_accepted: Callable[[AcceptedRow], None],
    on_issue: Callable[[RowIssue], None],
) -> ValidationResult:
    """Validate ``path`` for a process with ``fields``; rows flow to the callbacks as they are read.

    ``region`` is the organisation's default phone region (``US``). A rejected file may already
    have passed rows to ``on_accepted``: the caller discards them (nothing partial is kept).
    """
    region = region.upper()
    if not is_supported_region(region):
        raise ValueError(f"unknown phone region {region!r}")
    size = path.stat().st_size
    if size == 0:
        return ValidationResult("rejected", NO_RECIPIENTS, None)
    if size > limits.max_bytes:
        return ValidationResult("rejected", too_large(limits), None)
    try:
        table = open_table(path, limits)
    except FileRejected as exc:
        return ValidationResult("rejected", str(exc), None)
    result = ValidationResult("rejected", None, table.format, table.encoding, table.delimiter)
    rows = _RowChecker(fields, region, limits, result, on_accepted=on_accepted, on_issue=on_issue)
    try:
        rows.check(table.rows, typed=table.typed)
    except FileRejected as exc:
        result.reason = str(exc)
        return result
    finally:
        table.rows.close()
    if result.rows.data == 0:
        result.reason = NO_RECIPIENTS
    elif result.rows.accepted == 0:
        result.reason = NO_ROW_ACCEPTED
    else:
        result.outcome = "accepted"
    return result


class _RowChecker:
    """The header, then every data row: typed values, channels, duplicates, counts."""

    def __init__(
        self,
        fields: Sequence[ProcessField],
        region: str,
        limits: Limits,
        result: ValidationResult,
        *,
        on_accepted: Callable[[AcceptedRow], None],
        on_issue: Callable[[RowIssue], None],
    ) -> None:
        self._fields = fields
        self._region = region
        self._limits = limits
        self._result = result
        self._on_accepted = on_accepted
        self._on_issue = on_issue
        self._email = _Channel(canonical_email, "invalid_email")
        self._phone = _Channel(partial(normalise_phone, region=region), "invalid_phone")
        self._empty_values: dict[str, Value] = {field.name: None for field in fields}
        # Recipients already accepted: hash() of the key, 64 bits, keyed per process (SipHash), so
        # a million rows cost tens of MB; a false duplicate is a ~1e-8 chance per million rows.
        self._seen: set[int] = set()

    def check(self, rows: Iterator[tuple[int, Sequence[Cell]]], *, typed: bool) -> None:
        counts = self._result.rows
        max_rows = self._limits.max_rows
        texts_of = _typed_texts if typed else _csv_texts
        header: Header | None = None
        previous = 0
        for number, cells in rows:
            texts = texts_of(cells)
            if header is not None and typed and number > previous + 1:
                counts.blank += number - previous - 1  # a workbook leaves empty rows out
            previous = number
            if not any(texts):
                if header is not None:
                    counts.blank += 1
                continue
            if header is None:
                header = self._header(texts)
                continue
            counts.data += 1
            if counts.data > max_rows:
                raise FileRejected(f"the file has more than {max_rows:,} data rows")
            if self._row(number, cells, texts, header):
                counts.accepted += 1
            else:
                counts.rejected += 1
        if header is None:
            raise FileRejected(NO_RECIPIENTS)

    def _header(self, texts: list[str]) -> Header:
        header = read_header(texts, self._fields, self._region, self._limits)
        self._result.columns = list(header.names)
        self._result.auto_distribution_available = bool(header.emails)
        if not header.emails:
            self._result.auto_distribution_reason = NO_EMAIL_COLUMN
        return header

    def _row(self, number: int, cells: Sequence[Cell], texts: list[str], header: Header) -> bool:
        """Check one data row; pass it on and return True when accepted."""
        errors: list[RowIssue] = []
        values = dict(self._empty_values)
        present = len(texts)
        max_chars = self._limits.max_cell_chars
        for column in header.values:
            field = column.field
            text = texts[column.index] if column.index < present else ""
            if not text:
                if field.required:
                    errors.append(_missing(number, field))
            elif len(text) > max_chars:
                errors.append(_too_long(number, field, text, max_chars))
            else:
                try:
                    values[field.name] = column.convert(cells[column.index], text)
                except InvalidValue as exc:
                    errors.append(RowIssue(number, field.name, f"invalid_value:{field.name}", str(exc), text))
        email = self._address(number, texts, header.emails, self._email, (values, errors))
        phone = self._address(number, texts, header.phones, self._phone, (values, errors))
        stray = _stray_value(texts, header)
        if stray is not None:
            errors.append(_extra_value(number, texts, stray))
        if email is None and phone is None:
            errors.append(RowIssue(number, None, "no_channel", "the row has no usable email or phone", None))
        if not errors:
            duplicate = self._duplicate(number, header, email, phone)
            if duplicate is not None:
                errors.append(duplicate)
        if errors:
            for issue in errors:
                self._on_issue(issue)
            return False
        self._on_accepted(AcceptedRow(number, values, email, phone))
        return True

    def _address(
        self,
        number: int,
        texts: list[str],
        columns: tuple[Column, ...],
        channel: _Channel,
        into: tuple[dict[str, Value], list[RowIssue]],
    ) -> str | None:
        """The row's first usable address among the channel ``columns``; unusable ones are reported.

        An invalid address is a warning (that channel is unusable), unless its field is required:
        then the row lacks a required value and is rejected.
        """
        values, errors = into
        usable = None
        for column in columns:
            field = column.field
            text = texts[column.index] if column.index < len(texts) else ""
            if not text:
                if field.required:
                    errors.append(_missing(number, field))
                continue
            if len(text) > self._limits.max_cell_chars:
                errors.append(_too_long(number, field, text, self._limits.max_cell_chars))
                continue
            try:
                address = channel.normalise(text)
            except InvalidValue as exc:
                values[field.name] = text
                if field.required:
                    errors.append(RowIssue(number, field.name, f"invalid_value:{field.name}", str(exc), text))
                else:
                    self._on_issue(
                        RowIssue(number, field.name, channel.warning, str(exc), text, Severity.warning)
                    )
                continue
            values[field.name] = address
            usable = usable or address
        return usable

    def _duplicate(
        self, number: int, header: Header, email: str | None, phone: str | None
    ) -> RowIssue | None:
        """``duplicate_recipient`` when an accepted row had this email (or phone, when there is no email).

        Emails are already in their canonical form (:mod:`dispatch.emails`): addresses that differ
        only in case are one recipient.
        """
        key = f"e:{email}" if email else f"p:{phone}"
        fingerprint = hash(key)
        if fingerprint not in self._seen:
            self._seen.add(fingerprint)
            return None
        columns = header.emails if email else header.phones
        return RowIssue(
            number,
            columns[0].field.name,
            "duplicate_recipient",
            "an earlier row has the same recipient",
            email or phone,
        )


def _csv_texts(cells: Sequence[Cell]) -> list[str]:
    return [cell.strip() for cell in cast("Sequence[str]", cells)]


def _typed_texts(cells: Sequence[Cell]) -> list[str]:
    return [cell_text(cell) for cell in cells]


def _missing(number: int, field: ProcessField) -> RowIssue:
    return RowIssue(number, field.name, f"missing_required:{field.name}", "a value is required", "")


def _too_long(number: int, field: ProcessField, text: str, limit: int) -> RowIssue:
    return RowIssue(
        number,
        field.name,
        f"value_too_long:{field.name}",
        f"the value has {len(text):,} characters; at most {limit:,} are allowed",
        text[:_SHOWN_CHARS] + "…",
    )


def _stray_value(texts: list[str], header: Header) -> int | None:
    """The index of the first value outside the header's named columns, if any."""
    present = len(texts)
    for index in header.unnamed:
        if index < present and texts[index]:
            return index
    if present > header.width:
        return next((index for index in range(header.width, present) if texts[index]), None)
    return None


def _extra_value(number: int, texts: list[str], index: int) -> RowIssue:
    return RowIssue(
        number,
        None,
        "extra_values",
        f"column {index + 1} has a value but no name in the header (an unquoted delimiter in a value?)",
        texts[index][:_SHOWN_CHARS],
    )
