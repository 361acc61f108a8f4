"""Cell values: the text a person sees, and typed values for the process's field types (PRODUCT §2.6).

A workbook's cells keep the type Excel stored (number, date, boolean) and those are honoured as
they are; text, from a CSV or a workbook, is read strictly, so a value is either clearly of its
type or an ``invalid_value`` row error. Every typed value is JSON-serialisable: dates become
ISO-8601 strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal

from dispatch.emails import canonical_email
from dispatch.ingest.invalid import InvalidValue
from dispatch.ingest.models import Cell, Value
from dispatch.ingest.phones import normalise_phone
from dispatch.numbers import UnstorableNumber, dynamo_number
from dispatch.processes.models import FieldType

Converter = Callable[[Cell, str], Value]

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
_TRUE = frozenset({"true", "yes", "y", "1"})
_FALSE = frozenset({"false", "no", "n", "0"})
_SIGNIFICANT_DIGITS = ".15g"  # what Excel shows: it keeps 15 significant digits
# Numbers DynamoDB always holds, known without building a Decimal: a decimal written in at most
# 38 characters without an exponent (at most 38 digits, magnitudes far inside 1E-130..9.99E+125),
# an int of at most 38 digits, a float from 1e-100 to 1e100 (a float has at most 17 digits).
_PLAIN_DECIMAL_CHARS = 38
_INT_BOUND = 10**38
_FLOAT_BOUNDS = (1e-100, 1e100)


def cell_text(cell: Cell) -> str:
    """The trimmed text of a cell as a person reads it in the file."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, int):
        return str(cell)
    if isinstance(cell, float):
        return format(cell, _SIGNIFICANT_DIGITS)
    if isinstance(cell, datetime):
        return _iso_datetime(cell)
    return cell.isoformat()


def converter(kind: FieldType, region: str) -> Converter:
    """The function that turns a non-empty cell (and its text) into a value of field type ``kind``."""
    if kind is FieldType.number:
        return _number
    if kind is FieldType.date:
        return _date
    if kind is FieldType.boolean:
        return _boolean
    if kind is FieldType.email:
        return lambda _cell, text: canonical_email(text)
    if kind is FieldType.phone:
        return lambda _cell, text: normalise_phone(text, region)
    return _string


def _string(_cell: Cell, text: str) -> Value:
    return text


def _number(cell: Cell, text: str) -> Value:
    """A number as written (a decimal is checked as written, then kept as a float); one that
    DynamoDB cannot store (more than 38 significant digits, out of its range) is invalid here,
    with the reason, instead of failing the batch when its card is written."""
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        number: int | float = cell
    elif _INTEGER.fullmatch(text):
        number = int(text)
    elif _DECIMAL.fullmatch(text) or _GROUPED.fullmatch(text):
        written = text.replace(",", "")
        exponent = "e" in written.casefold()
        if "." not in written and not exponent:
            number = int(written)
        else:
            if exponent or len(written) > _PLAIN_DECIMAL_CHARS:
                _storable(Decimal(written))  # the digits as written, before the float rounds them
            number = float(written)
    else:
        raise InvalidValue("not a number (write digits, with a point for decimals: 1234.56)")
    _storable(number)
    return number


def _storable(number: int | float | Decimal) -> None:
    """InvalidValue, caused by the UnstorableNumber, for a number DynamoDB cannot hold."""
    if isinstance(number, float):
        low, high = _FLOAT_BOUNDS
        if number == 0 or low < abs(number) < high:
            return
    elif isinstance(number, int) and -_INT_BOUND < number < _INT_BOUND:
        return
    try:
        dynamo_number(number)
    except UnstorableNumber as exc:
        raise InvalidValue(str(exc)) from exc


def _date(cell: Cell, text: str) -> Value:
    if isinstance(cell, datetime):
        return _iso_datetime(cell)
    if isinstance(cell, date):
        return cell.isoformat()
    if isinstance(cell, time):
        raise InvalidValue("a time of day, not a date")
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return _iso_datetime(datetime.fromisoformat(text))
    except ValueError:
        raise InvalidValue("not a date (write it as YYYY-MM-DD)") from None


def _boolean(cell: Cell, text: str) -> Value:
    if isinstance(cell, bool):
        return cell
    folded = text.casefold()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise InvalidValue("not true or false (write true/false, yes/no or 1/0)")


def _iso_datetime(moment: datetime) -> str:
    """A date alone when the time is midnight (what a date column holds), else the full moment."""
    if moment.time() == time(0) and moment.tzinfo is None:
        return moment.date().isoformat()
    return moment.isoformat()
