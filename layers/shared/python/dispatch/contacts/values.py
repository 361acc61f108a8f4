"""Contact values: normalised as a recipients file's are (PRODUCT §2), and typed attributes.

One set of rules for a contact from the API and a row of a contacts file: email in its canonical
form, phone E.164 with the organisation's region, text trimmed and at most 4,000 characters, tags
case-folded, and each attribute a value of its type (string, number, date, boolean). An
attribute's type is the organisation's schema's once it has one; a new attribute's is declared or
inferred from its value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date

from dispatch.contacts.filters import normalise_tag
from dispatch.contacts.models import AttributeType, AttributeValue
from dispatch.emails import canonical_email
from dispatch.ingest.channels import InvalidValue, normalise_phone
from dispatch.ingest.values import Converter, converter
from dispatch.numbers import UnstorableNumber, dynamo_number
from dispatch.processes.models import FieldType

MAX_CHARS = 4000
_KIND_FIELD = {
    AttributeType.string: FieldType.string,
    AttributeType.number: FieldType.number,
    AttributeType.date: FieldType.date,
    AttributeType.boolean: FieldType.boolean,
}


def email_of(text: str) -> str:
    """InvalidValue for an address that is not one."""
    try:
        return canonical_email(text)
    except ValueError as exc:
        raise InvalidValue(str(exc)) from exc


def phone_of(text: str, region: str) -> str:
    return normalise_phone(text, region)


def tags_of(tags: list[str]) -> list[str]:
    return sorted({normalise_tag(tag) for tag in tags if normalise_tag(tag)})


def text_of(text: str) -> str:
    if len(text) > MAX_CHARS:
        raise InvalidValue(f"the value has {len(text):,} characters; at most {MAX_CHARS:,} are allowed")
    return text


def infer(value: AttributeValue) -> AttributeType:
    """The type a new attribute takes from a JSON value: an ISO date (YYYY-MM-DD) is a date."""
    if isinstance(value, bool):
        return AttributeType.boolean
    if isinstance(value, int | float):
        return AttributeType.number
    try:
        date.fromisoformat(value)
    except ValueError:
        return AttributeType.string
    return AttributeType.date if len(value) == 10 else AttributeType.string


def cell_converter(kind: AttributeType, region: str) -> Converter:
    """How a file's cell becomes an attribute of type ``kind``: as a recipients file's field of
    that type is read (the same converters: Excel's numbers and dates honoured, text strict)."""
    return converter(_KIND_FIELD[kind], region)


def json_value(value: AttributeValue, kind: AttributeType) -> AttributeValue:
    """A JSON value as an attribute of type ``kind``; InvalidValue when it is not one."""
    if kind is AttributeType.boolean:
        if not isinstance(value, bool):
            raise InvalidValue("expected true or false")
        return value
    if kind is AttributeType.number:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidValue("expected a number")
        try:
            dynamo_number(value)
        except UnstorableNumber as exc:
            raise InvalidValue(str(exc)) from exc
        return value
    if not isinstance(value, str):
        raise InvalidValue(
            "expected text" if kind is AttributeType.string else "expected a date (YYYY-MM-DD)"
        )
    if kind is AttributeType.date:
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            raise InvalidValue("not a date (write it as YYYY-MM-DD)") from None
    return text_of(value.strip())


def typed_attributes(
    attributes: Mapping[str, AttributeValue], schema: Mapping[str, AttributeType]
) -> tuple[dict[str, AttributeValue], dict[str, AttributeType], dict[str, str]]:
    """JSON attributes checked against the schema: (values, types of new attributes, problems by name)."""
    values: dict[str, AttributeValue] = {}
    new: dict[str, AttributeType] = {}
    problems: dict[str, str] = {}
    for name, value in attributes.items():
        kind = schema.get(name)
        if kind is None:
            kind = new[name] = infer(value)
        try:
            values[name] = json_value(value, kind)
        except InvalidValue as exc:
            problems[name] = f"{exc} (the attribute is a {kind.value})"
    return values, new, problems
