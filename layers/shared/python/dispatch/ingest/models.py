"""What validation produces: accepted rows, row issues, and the file-level result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel

Value = str | int | float | bool | None
# A cell as a reader hands it over: a CSV's cells are text, a workbook's keep Excel's types.
Cell = str | int | float | bool | datetime | date | time | None


class Limits(BaseModel):
    """Configurable limits of PRODUCT §2.9, and the guards that keep hostile files bounded (§2.10).

    The first four are the product's limits. The rest are safety rails a legitimate file never
    reaches; they exist so a crafted file cannot make validation run out of memory or time.
    """

    max_bytes: int = 100 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 200
    max_cell_chars: int = 4000
    # A cell this long cannot be a recipient's data: usually a quote that is never closed.
    max_field_chars: int = 131_072
    # A workbook's parts may expand, in total, to this many bytes ...
    max_expanded_bytes: int = 1024 * 1024 * 1024
    # ... and no part more than this many times its compressed size (a zip bomb's signature).
    max_inflate_ratio: int = 100
    # The shared-text table of a workbook is held in memory while the sheet streams.
    max_shared_text_bytes: int = 256 * 1024 * 1024


class Severity(StrEnum):
    error = "error"
    warning = "warning"


@dataclass(slots=True)
class RowIssue:
    """A row error (the row is rejected) or a row warning (one channel of the row is unusable)."""

    row: int
    column: str | None
    code: str
    message: str
    value: str | None
    severity: Severity = Severity.error

    def as_dict(self) -> dict[str, object]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": self.message,
            "value": self.value,
        }


@dataclass(slots=True)
class AcceptedRow:
    """A row that becomes a card: typed, trimmed values keyed by the process's field names.

    ``values`` is JSON-serialisable (dates as ISO-8601 strings); ``email`` is normalised and
    ``phone`` is E.164, each None when the row has no usable address on that channel.
    """

    row: int
    values: dict[str, Value]
    email: str | None
    phone: str | None
    # A contact's row (a communication's working list, PRODUCT §8): the contact, its postal
    # address (for a letter), and why its values cannot make a card (the card is then ``error``).
    contact_id: str | None = None
    postal: dict[str, str] | None = None
    error: str | None = None


@dataclass(slots=True)
class RowCounts:
    """Every non-blank data row is counted once, as accepted or as rejected (PRODUCT §2.7)."""

    data: int = 0
    blank: int = 0
    accepted: int = 0
    rejected: int = 0


@dataclass(slots=True)
class ValidationResult:
    outcome: Literal["accepted", "rejected"]
    reason: str | None
    format: str | None
    encoding: str | None = None
    delimiter: str | None = None
    rows: RowCounts = field(default_factory=RowCounts)
    auto_distribution_available: bool = False
    auto_distribution_reason: str | None = None
    columns: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "outcome": self.outcome,
            "reason": self.reason,
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "rows": {
                "data": self.rows.data,
                "blank": self.rows.blank,
                "accepted": self.rows.accepted,
                "rejected": self.rows.rejected,
            },
            "auto_distribution_available": self.auto_distribution_available,
        }


class FileRejected(Exception):
    """The whole file is refused (type, header, limits); the message is shown to the user as is."""
