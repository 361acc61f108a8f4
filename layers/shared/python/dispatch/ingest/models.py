"""What validation produces: accepted rows, row issues, and the file-level result."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel

Value = str | int | float | bool | None


class Limits(BaseModel):
    """Configurable limits of PRODUCT §2.9."""

    max_bytes: int = 100 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 200
    max_cell_chars: int = 4000


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
    """A row that becomes a card: typed, trimmed values keyed by the process's field names."""

    row: int
    values: dict[str, Value]
    email: str | None
    phone: str | None


@dataclass(slots=True)
class RowCounts:
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
