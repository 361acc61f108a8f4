"""The header row: which process field each column holds, and the channel columns (PRODUCT §2.4, §2.5).

Names are compared as ``column_key`` compares them: trimmed, case-folded, with space, ``_`` and
``-`` alike. A header that does not fit the process rejects the whole file, with a message that
names the columns or the field at fault.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from dispatch.ingest.models import FileRejected, Limits
from dispatch.ingest.values import Converter, converter
from dispatch.processes.models import ProcessField, column_key

EMAIL_COLUMNS = frozenset({"email", "emails"})
PHONE_COLUMNS = frozenset({"phone", "phone_number", "mobile"})
NO_CHANNEL_COLUMN = "no email or phone column"
NO_EMAIL_COLUMN = (
    "the file has no email column, so cards cannot be sent automatically: distribute them one by one"
)
_NAMES_SHOWN = 10
_NAME_CHARS = 60


@dataclass(frozen=True, slots=True)
class Column:
    """A column of the file and the process field it holds."""

    index: int
    field: ProcessField
    convert: Converter


@dataclass(frozen=True, slots=True)
class Header:
    """How to read the data rows under a header.

    ``values`` are the columns read by their field type; ``emails`` and ``phones`` are the
    channel columns, read as addresses whatever type the process gave them. ``unnamed`` are the
    columns (before ``width``) whose header cell is empty: a sheet may leave a margin column, but
    a value under one belongs to no field.
    """

    width: int
    unnamed: tuple[int, ...]
    values: tuple[Column, ...]
    emails: tuple[Column, ...]
    phones: tuple[Column, ...]
    names: tuple[str, ...]


def read_header(texts: Sequence[str], fields: Sequence[ProcessField], region: str, limits: Limits) -> Header:
    """The Header for trimmed header ``texts``; FileRejected when it does not fit the process."""
    width = len(texts)
    while width and not texts[width - 1]:
        width -= 1  # trailing empty cells are not columns (a trailing delimiter, formatted cells)
    names = list(texts[:width])
    if width > limits.max_columns:
        raise FileRejected(f"the file has {width:,} columns; at most {limits.max_columns} are allowed")
    unnamed = tuple(index for index, name in enumerate(names) if not name)
    keys = [column_key(name) for name in names]
    counts = Counter(key for key in keys if key)
    duplicates = [name for name, key in zip(names, keys, strict=True) if key and counts[key] > 1]
    if duplicates:
        raise FileRejected(f"duplicate columns: {_listing(duplicates)}")
    by_key = {column_key(field.name): field for field in fields}
    unknown = [name for name, key in zip(names, keys, strict=True) if key and key not in by_key]
    if unknown:
        raise FileRejected(f"the file belongs to a different process: unknown columns {_listing(unknown)}")
    present = set(keys)
    missing = [field.name for key, field in by_key.items() if field.required and key not in present]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise FileRejected(f"missing required column{plural}: {_listing(missing)}")
    columns = [
        Column(index, by_key[key], converter(by_key[key].type, region))
        for index, key in enumerate(keys)
        if key
    ]
    emails = tuple(column for column in columns if keys[column.index] in EMAIL_COLUMNS)
    phones = tuple(column for column in columns if keys[column.index] in PHONE_COLUMNS)
    if not emails and not phones:
        raise FileRejected(NO_CHANNEL_COLUMN)
    channels = {column.index for column in emails + phones}
    return Header(
        width=width,
        unnamed=unnamed,
        values=tuple(column for column in columns if column.index not in channels),
        emails=emails,
        phones=phones,
        names=tuple(column.field.name for column in columns),
    )


def _listing(names: list[str]) -> str:
    shown = [
        name if len(name) <= _NAME_CHARS else name[: _NAME_CHARS - 1] + "…" for name in names[:_NAMES_SHOWN]
    ]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more else "")
