"""Contacts imported from a CSV or XLSX file (PRODUCT §8), through the recipients-file readers.

A contacts file is read like a recipients file — by content whatever its name, encoding and
delimiter sniffed, workbooks through the streaming reader with its zip and entity guards, every
§2 limit — and its rows are normalised by the same rules (canonical email, E.164 phone in the
organisation's region, trimmed text of at most 4,000 characters). Columns:

- known: ``external_id`` (required), ``first_name``, ``last_name``, ``email``, ``phone``,
  ``address_line1``, ``address_line2``, ``city``, ``region``, ``postcode``, ``country``, ``tags``
  (``;``-separated);
- any other column is an attribute, named by its header compared as process fields are
  (``Renewal Date`` is ``renewal_date``), its type declared in the header (``age:number``), else
  the organisation's schema's, else inferred from the column's values (number, date, boolean,
  else string: a first pass over the file).

Each row creates or updates the contact with its external id: the columns of the file replace
the contact's values (an empty cell clears one), the rest of the contact is kept. Every non-blank
data row is created, updated or rejected with its reasons (the row-error CSV). Rows are written in
blocks of 100 (one BatchGetItem of the block, then BatchWriteItem), so memory stays flat.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dispatch.contacts.models import PROPERTIES, AttributeType, Contact, contact_id
from dispatch.contacts.store import ContactStore
from dispatch.contacts.values import cell_converter, email_of, phone_of, tags_of, text_of
from dispatch.ingest.channels import InvalidValue
from dispatch.ingest.models import Cell, FileRejected, Limits, RowIssue
from dispatch.ingest.readers import open_table
from dispatch.ingest.values import cell_text
from dispatch.processes.models import column_key

KNOWN = (*PROPERTIES, "tags")
NO_CONTACTS = "the file has no contacts"
BLOCK = 100
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_INFERRED = (AttributeType.number, AttributeType.date, AttributeType.boolean)
_SHOWN = 100


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    name: str  # a known column, or an attribute's name
    attribute: bool
    declared: AttributeType | None = None


@dataclass(frozen=True, slots=True)
class _Layout:
    """How to read the data rows: the header's width, its columns and each attribute's converter."""

    width: int
    columns: list[Column]
    converters: dict[str, Callable[[Cell, str], Any]]


@dataclass(slots=True)
class Outcome:
    """What an import did; ``rejected_reason`` when the file was refused as a whole."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    rejected: int = 0
    attributes: dict[str, AttributeType] = field(default_factory=dict)
    rejected_reason: str | None = None


def header_columns(texts: Sequence[str], limits: Limits) -> tuple[int, list[Column]]:
    """The columns of a contacts file's header; FileRejected naming the columns at fault."""
    width = len(texts)
    while width and not texts[width - 1]:
        width -= 1
    if width > limits.max_columns:
        raise FileRejected(f"the file has {width:,} columns; at most {limits.max_columns} are allowed")
    columns: list[Column] = []
    seen: set[str] = set()
    duplicates, invalid = [], []
    for index, text in enumerate(texts[:width]):
        if not text:
            continue
        written, _, declared = text.partition(":")
        name = column_key(written)
        kind = None
        if declared.strip():
            try:
                kind = AttributeType(declared.strip().casefold())
            except ValueError:
                invalid.append(f"{text} (a type is string, number, date or boolean)")
                continue
        if name in seen:
            duplicates.append(text)
            continue
        seen.add(name)
        if name in KNOWN and kind is None:
            columns.append(Column(index, name, attribute=False))
        elif _ATTRIBUTE.match(name) and name not in KNOWN:
            columns.append(Column(index, name, attribute=True, declared=kind))
        else:
            invalid.append(text)
    if duplicates:
        raise FileRejected(f"duplicate columns: {', '.join(duplicates[:10])}")
    if invalid:
        raise FileRejected(f"columns that cannot be attributes: {', '.join(invalid[:10])}")
    if "external_id" not in seen:
        raise FileRejected("missing required column: external_id")
    return width, columns


@dataclass
class ContactFileReader:
    """Reads a contacts file into contacts, a block at a time, reporting each rejected row."""

    org_id: str
    region: str
    limits: Limits
    store: ContactStore
    on_issue: Callable[[RowIssue], None]
    now: str

    def run(self, path: Path) -> Outcome:
        outcome = Outcome()
        try:
            width, columns = self._header(path)
            types = self._types(path, columns)
            outcome.attributes = {column.name: types[column.name] for column in columns if column.attribute}
            schema = self.store.add_attributes(self.org_id, outcome.attributes)
            clashes = [name for name, kind in outcome.attributes.items() if schema[name] is not kind]
            if clashes:
                raise FileRejected(
                    "attributes of another type than the organisation's contacts have: "
                    + ", ".join(f"{name} ({schema[name].value})" for name in clashes)
                )
            self._import(path, width, columns, types, outcome)
        except FileRejected as exc:
            outcome.rejected_reason = str(exc)
        return outcome

    def _rows(self, path: Path) -> Iterator[tuple[int, Sequence[Cell], list[str]]]:
        table = open_table(path, self.limits)
        try:
            data = 0
            for number, cells in table.rows:
                texts = [cell_text(cell) for cell in cells]
                if any(texts):
                    data += 1
                    if data > self.limits.max_rows + 1:
                        raise FileRejected(f"the file has more than {self.limits.max_rows:,} data rows")
                    yield number, cells, texts
        finally:
            table.rows.close()

    def _header(self, path: Path) -> tuple[int, list[Column]]:
        for _, _, texts in self._rows(path):
            return header_columns(texts, self.limits)
        raise FileRejected(NO_CONTACTS)

    def _types(self, path: Path, columns: list[Column]) -> dict[str, AttributeType]:
        """Each attribute's type: declared, else the schema's, else inferred (a pass over the file)."""
        schema = self.store.schema(self.org_id)
        types: dict[str, AttributeType] = {}
        open_columns: dict[int, set[AttributeType]] = {}
        for column in columns:
            if not column.attribute:
                continue
            known = column.declared or schema.get(column.name)
            if known is not None:
                types[column.name] = known
            else:
                open_columns[column.index] = set(_INFERRED)
        if open_columns:
            converters = {kind: cell_converter(kind, self.region) for kind in _INFERRED}
            rows = self._rows(path)
            next(rows, None)  # the header
            for _, cells, texts in rows:
                for index, candidates in open_columns.items():
                    if index < len(texts) and texts[index]:
                        for kind in list(candidates):
                            try:
                                converters[kind](cells[index], texts[index])
                            except InvalidValue:
                                candidates.discard(kind)
            for column in columns:
                if column.index in open_columns:
                    left = open_columns[column.index]
                    types[column.name] = next(
                        (kind for kind in _INFERRED if kind in left), AttributeType.string
                    )
                    if left == set(_INFERRED):  # no values at all
                        types[column.name] = AttributeType.string
        return types

    def _import(
        self, path: Path, width: int, columns: list[Column], types: dict[str, AttributeType], outcome: Outcome
    ) -> None:
        layout = _Layout(
            width, columns, {name: cell_converter(kind, self.region) for name, kind in types.items()}
        )
        seen: set[int] = set()
        block: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
        rows = self._rows(path)
        next(rows, None)  # the header
        for number, cells, texts in rows:
            outcome.rows += 1
            parsed = self._row(number, cells, texts, layout)
            if parsed is None:
                outcome.rejected += 1
                continue
            values, attributes = parsed
            fingerprint = hash(values["external_id"])
            if fingerprint in seen:
                outcome.rejected += 1
                self.on_issue(
                    RowIssue(
                        number,
                        "external_id",
                        "duplicate_external_id",
                        "an earlier row has the same external id",
                        str(values["external_id"])[:_SHOWN],
                    )
                )
                continue
            seen.add(fingerprint)
            block.append((number, values, attributes))
            if len(block) >= BLOCK:
                self._write(block, outcome)
                block = []
        if block:
            self._write(block, outcome)
        if outcome.rows == 0:
            raise FileRejected(NO_CONTACTS)

    def _row(
        self, number: int, cells: Sequence[Cell], texts: list[str], layout: _Layout
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The row's values by column (None for an empty cell: cleared), or None when rejected."""
        issues: list[RowIssue] = []
        values: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        for column in layout.columns:
            text = texts[column.index] if column.index < len(texts) else ""
            target = attributes if column.attribute else values
            if not text:
                target[column.name] = None
                continue
            try:
                if len(text) > self.limits.max_cell_chars:
                    issues.append(
                        RowIssue(
                            number,
                            column.name,
                            f"value_too_long:{column.name}",
                            f"the value has {len(text):,} characters; at most "
                            f"{self.limits.max_cell_chars:,} are allowed",
                            text[:_SHOWN] + "…",
                        )
                    )
                    continue
                target[column.name] = self._value(column, cells[column.index], text, layout.converters)
            except InvalidValue as exc:
                issues.append(
                    RowIssue(number, column.name, f"invalid_value:{column.name}", str(exc), text[:_SHOWN])
                )
        if not values.get("external_id") and not any(issue.column == "external_id" for issue in issues):
            issues.append(
                RowIssue(number, "external_id", "missing_required:external_id", "a value is required", "")
            )
        stray = next((index for index in range(layout.width, len(texts)) if texts[index]), None)
        if stray is not None:
            issues.append(
                RowIssue(
                    number,
                    None,
                    "extra_values",
                    f"column {stray + 1} has a value but no name in the header",
                    texts[stray][:_SHOWN],
                )
            )
        for issue in issues:
            self.on_issue(issue)
        return None if issues else (values, attributes)

    def _value(
        self, column: Column, cell: Cell, text: str, converters: dict[str, Callable[[Cell, str], Any]]
    ) -> Any:
        if column.attribute:
            return converters[column.name](cell, text)
        if column.name == "email":
            return email_of(text)
        if column.name == "phone":
            return phone_of(text, self.region)
        if column.name == "tags":
            return tags_of(text.split(";")) or None
        return text_of(text)

    def _write(self, block: list[tuple[int, dict[str, Any], dict[str, Any]]], outcome: Outcome) -> None:
        """One block: the existing contacts read at once, each row merged into its contact."""
        identifiers = [contact_id(self.org_id, str(values["external_id"])) for _, values, _ in block]
        existing = self.store.get_many(self.org_id, identifiers)
        merged = []
        for identifier, (_, values, attributes) in zip(identifiers, block, strict=True):
            current = existing.get(identifier)
            base: dict[str, Any] = (
                current.model_dump() if current else {"tags": [], "attributes": {}, "created_at": self.now}
            )
            base.update({name: value for name, value in values.items() if name != "tags"})
            if "tags" in values:
                base["tags"] = values["tags"] or []
            kept = dict(base.get("attributes") or {})
            for name, value in attributes.items():
                if value is None:
                    kept.pop(name, None)
                else:
                    kept[name] = value
            base.update(
                id=identifier,
                org_id=self.org_id,
                attributes=kept,
                updated_at=self.now,
            )
            merged.append(Contact.model_validate(base))
            if current:
                outcome.updated += 1
            else:
                outcome.created += 1
        self.store.put_many(merged)
