"""Validation of a recipients file against a process (PRODUCT §2).

Rows are read, checked and handed to ``on_accepted`` / ``on_issue`` one at a time, so memory does
not grow with the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from dispatch.ingest.models import (
    AcceptedRow,
    FileRejected,
    Limits,
    RowIssue,
    Severity,
    ValidationResult,
    Value,
)
from dispatch.ingest.readers import Cell, open_table
from dispatch.processes.models import FieldType, ProcessField, column_key

EMAIL_COLUMNS = frozenset({"email", "emails"})
PHONE_COLUMNS = frozenset({"phone", "phone_number", "mobile"})
NO_RECIPIENTS = "the file has no recipients"


def validate_file(
    path: Path,
    fields: Sequence[ProcessField],
    *,
    region: str,
    limits: Limits,
    on_accepted: Callable[[AcceptedRow], None],
    on_issue: Callable[[RowIssue], None],
) -> ValidationResult:
    """Validate ``path`` for a process with ``fields``; rows flow to the callbacks as they are read."""
    size = path.stat().st_size
    if size == 0:
        return ValidationResult("rejected", NO_RECIPIENTS, None)
    if size > limits.max_bytes:
        return ValidationResult("rejected", f"the file is larger than {limits.max_bytes // 1_000_000} MB", None)
    try:
        table = open_table(path)
    except FileRejected as exc:
        return ValidationResult("rejected", str(exc), None)
    result = ValidationResult("rejected", None, table.format, table.encoding, table.delimiter)
    try:
        _validate_rows(table.rows, fields, region, limits, result, on_accepted, on_issue)
    except FileRejected as exc:
        result.outcome, result.reason = "rejected", str(exc)
        return result
    if result.rows.data == 0:
        result.reason = NO_RECIPIENTS
    elif result.rows.accepted == 0:
        result.reason = "no row was accepted; see the row errors"
    else:
        result.outcome = "accepted"
    return result


def _validate_rows(
    rows: object,
    fields: Sequence[ProcessField],
    region: str,
    limits: Limits,
    result: ValidationResult,
    on_accepted: Callable[[AcceptedRow], None],
    on_issue: Callable[[RowIssue], None],
) -> None:
    columns: list[ProcessField | None] | None = None
    email_index = phone_index = None
    seen: set[str] = set()
    for number, cells in rows:  # type: ignore[attr-defined]
        texts = [_text(cell) for cell in cells]
        if not any(texts):
            if columns is not None:
                result.rows.blank += 1
            continue
        if columns is None:
            columns, email_index, phone_index = _header(texts, fields, limits, result)
            continue
        result.rows.data += 1
        if result.rows.data > limits.max_rows:
            raise FileRejected(f"the file has more than {limits.max_rows:,} data rows")
        accepted = _row(number, cells, texts, columns, email_index, phone_index, region, limits, seen, on_issue)
        if accepted is None:
            result.rows.rejected += 1
        else:
            result.rows.accepted += 1
            on_accepted(accepted)
    if columns is None:
        raise FileRejected(NO_RECIPIENTS)


def _header(
    texts: list[str], fields: Sequence[ProcessField], limits: Limits, result: ValidationResult
) -> tuple[list[ProcessField | None], int | None, int | None]:
    while texts and not texts[-1]:
        texts.pop()
    if len(texts) > limits.max_columns:
        raise FileRejected(f"the file has more than {limits.max_columns} columns")
    by_key = {column_key(field.name): field for field in fields}
    keys = [column_key(name) for name in texts]
    duplicates = sorted({name for name, key in zip(texts, keys, strict=True) if keys.count(key) > 1})
    if duplicates:
        raise FileRejected(f"duplicate columns: {', '.join(duplicates)}")
    unknown = [name for name, key in zip(texts, keys, strict=True) if key not in by_key]
    if unknown:
        raise FileRejected(f"the file belongs to a different process: unknown columns {', '.join(unknown)}")
    missing = [field.name for key, field in by_key.items() if field.required and key not in keys]
    if missing:
        raise FileRejected(f"missing required column: {', '.join(missing)}")
    email_index = next((i for i, key in enumerate(keys) if key in EMAIL_COLUMNS), None)
    phone_index = next((i for i, key in enumerate(keys) if key in PHONE_COLUMNS), None)
    if email_index is None and phone_index is None:
        raise FileRejected("no email or phone column")
    result.columns = [by_key[key].name for key in keys]
    result.auto_distribution_available = email_index is not None
    if email_index is None:
        result.auto_distribution_reason = "no email column: cards must be distributed individually"
    return [by_key[key] for key in keys], email_index, phone_index


def _row(
    number: int,
    cells: list[Cell],
    texts: list[str],
    columns: list[ProcessField | None],
    email_index: int | None,
    phone_index: int | None,
    region: str,
    limits: Limits,
    seen: set[str],
    on_issue: Callable[[RowIssue], None],
) -> AcceptedRow | None:
    errors: list[RowIssue] = []
    values: dict[str, Value] = {}
    for index, field in enumerate(columns):
        if field is None:
            continue
        cell = cells[index] if index < len(cells) else None
        text = texts[index] if index < len(texts) else ""
        if len(text) > limits.max_cell_chars:
            errors.append(_issue(number, field.name, f"value_too_long:{field.name}", "the value is too long", text))
            continue
        if index in (email_index, phone_index):
            values[field.name] = text  # replaced by the normalised channel value below
            continue
        if not text:
            if field.required:
                errors.append(_issue(number, field.name, f"missing_required:{field.name}", "a value is required", ""))
            values[field.name] = None
            continue
        try:
            values[field.name] = _typed(field.type, cell, text)
        except ValueError as exc:
            errors.append(_issue(number, field.name, f"invalid_value:{field.name}", str(exc), text))
    email = _channel(number, columns, email_index, texts, _normalise_email, "invalid_email", on_issue)
    phone = _channel(
        number, columns, phone_index, texts, lambda v: _normalise_phone(v, region), "invalid_phone", on_issue
    )
    for index, normalised in ((email_index, email), (phone_index, phone)):
        field = columns[index] if index is not None else None
        if field is not None:
            if field.required and not values.get(field.name):
                errors.append(_issue(number, field.name, f"missing_required:{field.name}", "a value is required", ""))
            values[field.name] = normalised
    if email is None and phone is None and not errors:
        errors.append(_issue(number, None, "no_channel", "the row has no usable email or phone", None))
    recipient = email or phone
    if recipient and not errors:
        if recipient in seen:
            errors.append(_issue(number, None, "duplicate_recipient", "an earlier row has this recipient", recipient))
        else:
            seen.add(recipient)
    for issue in errors:
        on_issue(issue)
    if errors:
        return None
    return AcceptedRow(number, values, email, phone)


def _channel(
    number: int,
    columns: list[ProcessField | None],
    index: int | None,
    texts: list[str],
    normalise: Callable[[str], str],
    code: str,
    on_issue: Callable[[RowIssue], None],
) -> str | None:
    if index is None or index >= len(texts) or not texts[index]:
        return None
    try:
        return normalise(texts[index])
    except ValueError as exc:
        field = columns[index]
        on_issue(RowIssue(number, field.name if field else None, code, str(exc), texts[index], Severity.warning))
        return None


def _issue(row: int, column: str | None, code: str, message: str, value: str | None) -> RowIssue:
    return RowIssue(row, column, code, message, value)


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime | date):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _normalise_email(value: str) -> str:
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc


def _normalise_phone(value: str, region: str) -> str:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _typed(kind: FieldType, cell: Cell, text: str) -> Value:
    if kind is FieldType.number:
        if isinstance(cell, int | float) and not isinstance(cell, bool):
            return cell
        try:
            number = float(text.replace(",", "")) if "." in text or "e" in text.lower() else int(text)
        except ValueError as exc:
            raise ValueError("not a number") from exc
        return number
    if kind is FieldType.date:
        if isinstance(cell, datetime | date):
            return cell.date().isoformat() if isinstance(cell, datetime) else cell.isoformat()
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError as exc:
            raise ValueError("not a date (use YYYY-MM-DD)") from exc
    if kind is FieldType.boolean:
        lowered = text.casefold()
        if lowered in {"true", "yes", "y", "1"}:
            return True
        if lowered in {"false", "no", "n", "0"}:
            return False
        raise ValueError("not true or false")
    if kind is FieldType.email:
        return _normalise_email(text)
    return text
