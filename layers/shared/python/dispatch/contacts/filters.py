"""The contact filter language (PRODUCT §8: a working list), parsed and compiled for DynamoDB.

A filter is JSON::

    {"field": NAME, "op": "eq"|"ne"|"in"|"lt"|"lte"|"gt"|"gte"|"contains"|"exists", "value": V}
    {"tags_any": [...]}   {"tags_all": [...]}   {"has": "email"|"phone"|"address"}
    {"and": [F, ...]}     {"or": [F, ...]}      {"not": F}

NAME is a contact property (``city``, ``email``, ``created_at``, …) or ``attributes.<name>``, typed
by the organisation's attribute schema. Meanings, where DynamoDB and a reader might disagree:

- comparisons hold only for a contact that has the field (with a value of its type); ``ne`` is
  ``not eq``, so it also holds for a contact without the field;
- text compares as written (case-sensitive; ``lt``/``gt`` in code-point order, which orders ISO
  dates and times correctly); emails are compared in their canonical form and tags case-folded;
- ``contains`` is a substring of a text field; ``exists`` (``value`` true by default, or false)
  says whether the contact has the field at all;
- ``has: address`` is a postal address a letter can go to: a first line and a city or postcode.

A filter that cannot be understood raises :class:`FilterError` naming where (``filter.and[1].op``).
The compiled form is a DynamoDB filter expression: DynamoDB evaluates it where the contacts are
stored, so a count moves no contact over the network and a working list only the matches.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from dispatch.contacts.models import PROPERTIES, TIMES, AttributeType
from dispatch.emails import canonical_email
from dispatch.errors import InvalidRequest
from dispatch.ingest.channels import InvalidValue, normalise_phone
from dispatch.numbers import UnstorableNumber, dynamo_number

OPS = ("eq", "ne", "in", "lt", "lte", "gt", "gte", "contains", "exists")
ORDERED = frozenset({"lt", "lte", "gt", "gte"})
HAS = ("email", "phone", "address")
MAX_DEPTH = 10
MAX_NODES = 100
MAX_IN = 100  # DynamoDB's IN takes at most 100 operands
MAX_EXPRESSION = 4000  # DynamoDB's limit on an expression is 4 KB
SYMBOLS = {"eq": "=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


class FilterError(InvalidRequest):
    """A filter that cannot be understood: ``location`` says where, ``problem`` what."""

    def __init__(self, location: str, problem: str) -> None:
        super().__init__(
            f"the filter is not valid at {location}: {problem}", {"location": location, "problem": problem}
        )


@dataclass(frozen=True, slots=True)
class Compare:
    path: tuple[str, ...]  # ("city",) or ("attributes", "age")
    op: str
    value: Any  # a list for "in"; a bool for "exists"
    kind: AttributeType


@dataclass(frozen=True, slots=True)
class Tags:
    mode: Literal["any", "all"]
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Has:
    what: str


@dataclass(frozen=True, slots=True)
class Group:
    mode: Literal["and", "or"]
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    part: Node


Node = Compare | Tags | Has | Group | Not


def normalise_tag(tag: str) -> str:
    return tag.strip().casefold()


def from_query(text: str | None) -> Any:
    """The filter of ``GET /contacts?filter=<JSON>`` (None: every contact)."""
    if text is None or not text.strip():
        return None
    try:
        return json.loads(text, parse_constant=_not_json)
    except json.JSONDecodeError as exc:
        raise FilterError("filter", f"not JSON ({exc.msg} at character {exc.pos})") from exc
    except ValueError as exc:
        raise FilterError("filter", str(exc)) from exc


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def parse(raw: Any, schema: Mapping[str, AttributeType], region: str = "US") -> Node:
    """The filter ``raw`` (decoded JSON) checked against the organisation's attribute ``schema``;
    phone values are read with the organisation's ``region``."""
    return _Parser(schema, region).node(raw, "filter", 1)


@dataclass
class _Parser:
    schema: Mapping[str, AttributeType]
    region: str
    nodes: int = 0

    def node(self, raw: Any, where: str, depth: int) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FilterError(where, f"the filter has more than {MAX_NODES} parts")
        if depth > MAX_DEPTH:
            raise FilterError(where, f"the filter is nested more than {MAX_DEPTH} deep")
        if not isinstance(raw, dict):
            raise FilterError(where, 'expected an object such as {"field": …, "op": …, "value": …}')
        keys = set(raw)
        if keys & {"and", "or"}:
            mode: Literal["and", "or"] = "and" if "and" in keys else "or"
            _only(raw, where, mode)
            items = raw[mode]
            if not isinstance(items, list) or not items:
                raise FilterError(f"{where}.{mode}", "expected a non-empty list of filters")
            return Group(
                mode,
                tuple(self.node(item, f"{where}.{mode}[{i}]", depth + 1) for i, item in enumerate(items)),
            )
        if "not" in keys:
            _only(raw, where, "not")
            return Not(self.node(raw["not"], f"{where}.not", depth + 1))
        if keys & {"tags_any", "tags_all"}:
            name = "tags_any" if "tags_any" in keys else "tags_all"
            _only(raw, where, name)
            return Tags("any" if name == "tags_any" else "all", _tags(raw[name], f"{where}.{name}"))
        if "has" in keys:
            _only(raw, where, "has")
            if raw["has"] not in HAS:
                raise FilterError(f"{where}.has", f"expected one of {', '.join(HAS)}")
            return Has(str(raw["has"]))
        if "field" in keys:
            return _compare(raw, where, self.schema, self.region)
        raise FilterError(where, "expected field/op/value, tags_any, tags_all, has, and, or or not")


def _only(raw: dict[str, Any], where: str, key: str) -> None:
    extra = sorted(set(raw) - {key})
    if extra:
        raise FilterError(where, f"unexpected {', '.join(extra)} beside {key}")


def _tags(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or len(raw) > MAX_IN:
        raise FilterError(where, f"expected a list of 1 to {MAX_IN} tags")
    tags = []
    for index, tag in enumerate(raw):
        if not isinstance(tag, str) or not normalise_tag(tag):
            raise FilterError(f"{where}[{index}]", "expected a tag (text)")
        tags.append(normalise_tag(tag))
    return tuple(dict.fromkeys(tags))


def _compare(raw: dict[str, Any], where: str, schema: Mapping[str, AttributeType], region: str) -> Compare:
    extra = sorted(set(raw) - {"field", "op", "value"})
    if extra:
        raise FilterError(where, f"unexpected {', '.join(extra)}")
    name = raw["field"]
    if not isinstance(name, str):
        raise FilterError(f"{where}.field", "expected a field name")
    path, kind = _field(name, f"{where}.field", schema)
    op = raw.get("op")
    if op not in OPS:
        raise FilterError(f"{where}.op", f"expected one of {', '.join(OPS)}")
    value_at = f"{where}.value"
    if op == "exists":
        value = raw.get("value", True)
        if not isinstance(value, bool):
            raise FilterError(value_at, "expected true or false")
        return Compare(path, op, value, kind)
    if "value" not in raw:
        raise FilterError(value_at, "a value is required")
    if op in ORDERED and kind is AttributeType.boolean:
        raise FilterError(f"{where}.op", f"{name} is true or false: use eq, ne, in or exists")
    if op == "contains" and kind is not AttributeType.string:
        raise FilterError(f"{where}.op", f"contains is for text; {name} is a {kind.value}")
    if op == "in":
        values = raw["value"]
        if not isinstance(values, list) or not values or len(values) > MAX_IN:
            raise FilterError(value_at, f"expected a list of 1 to {MAX_IN} values")
        typed = [_value(item, kind, path, f"{value_at}[{i}]", region) for i, item in enumerate(values)]
        return Compare(path, op, list(dict.fromkeys(typed)), kind)
    value = _value(raw["value"], kind, path, value_at, region)
    if op == "contains" and not value:
        raise FilterError(value_at, "expected some text to look for")
    return Compare(path, op, value, kind)


def _field(
    name: str, where: str, schema: Mapping[str, AttributeType]
) -> tuple[tuple[str, ...], AttributeType]:
    if name in PROPERTIES or name in TIMES:
        return (name,), AttributeType.string
    prefix, _, attribute = name.partition(".")
    if prefix == "attributes" and attribute:
        kind = schema.get(attribute)
        if kind is None:
            known = ", ".join(sorted(schema)) or "none yet"
            raise FilterError(where, f"no contact has an attribute {attribute!r} (attributes: {known})")
        return ("attributes", attribute), kind
    raise FilterError(
        where,
        f"unknown field {name[:60]!r}: a property ({', '.join(PROPERTIES + TIMES)}) or attributes.<name>",
    )


def _value(raw: Any, kind: AttributeType, path: tuple[str, ...], where: str, region: str) -> Any:
    if kind is AttributeType.boolean:
        if not isinstance(raw, bool):
            raise FilterError(where, "expected true or false")
        return raw
    if kind is AttributeType.number:
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise FilterError(where, "expected a number")
        try:
            dynamo_number(raw)
        except UnstorableNumber as exc:
            raise FilterError(where, str(exc)) from exc
        return raw
    if not isinstance(raw, str):
        raise FilterError(
            where, "expected text" if kind is AttributeType.string else "expected a date (YYYY-MM-DD)"
        )
    if kind is AttributeType.date:
        try:
            return date.fromisoformat(raw).isoformat()
        except ValueError:
            raise FilterError(where, "expected a date (YYYY-MM-DD)") from None
    return _canonical(path, raw, region)


def _canonical(path: tuple[str, ...], text: str, region: str) -> str:
    """Emails and phones are stored canonical: a value for them is compared in the same form."""
    if path == ("email",):
        try:
            return canonical_email(text)
        except ValueError:
            return text.strip().casefold()  # a part of an address, for contains
    if path == ("phone",):
        try:
            return normalise_phone(text, region)
        except InvalidValue:
            return text.strip()
    return text


@dataclass
class Compiled:
    """A DynamoDB filter expression with its placeholders (values not yet in DynamoDB's types)."""

    expression: str
    names: dict[str, str] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)


def compile_filter(node: Node) -> Compiled:
    compiled = Compiled("")
    compiled.expression = _expression(node, compiled)[0]
    if len(compiled.expression) > MAX_EXPRESSION:
        raise FilterError("filter", "the filter is too long for one query; make it simpler")
    return compiled


# How tightly a compiled part binds (DynamoDB: NOT before AND before OR): a part is put in
# parentheses only where its operator binds less than the one around it, because DynamoDB refuses
# parentheses around parentheses ("the expression has redundant parentheses").
OR, AND, NOT, ATOM = 1, 2, 3, 4


def _expression(node: Node, out: Compiled) -> tuple[str, int]:
    """The expression of ``node`` and how tightly it binds."""
    if isinstance(node, Group):
        if len(node.parts) == 1:
            return _expression(node.parts[0], out)
        if node.mode == "or":
            return " OR ".join(_expression(part, out)[0] for part in node.parts), OR
        return " AND ".join(_bound(_expression(part, out), AND) for part in node.parts), AND
    if isinstance(node, Not):
        return "NOT " + _bound(_expression(node.part, out), ATOM), NOT
    if isinstance(node, Tags):
        tags = _name(out, "tags")
        parts = [f"contains({tags}, {_placeholder(out, tag)})" for tag in node.tags]
        if len(parts) == 1:
            return parts[0], ATOM
        return (" OR ".join(parts), OR) if node.mode == "any" else (" AND ".join(parts), AND)
    if isinstance(node, Has):
        if node.what == "address":
            line, city, postcode = (_name(out, name) for name in ("address_line1", "city", "postcode"))
            return (
                f"attribute_exists({line}) AND (attribute_exists({city}) OR attribute_exists({postcode}))",
                AND,
            )
        return f"attribute_exists({_name(out, node.what)})", ATOM
    path = ".".join(_name(out, part) for part in node.path)
    if node.op == "exists":
        return (f"attribute_exists({path})" if node.value else f"attribute_not_exists({path})"), ATOM
    if node.op == "in":
        return f"{path} IN ({', '.join(_placeholder(out, value) for value in node.value)})", ATOM
    if node.op == "contains":
        return f"contains({path}, {_placeholder(out, node.value)})", ATOM
    if node.op == "ne":
        return f"NOT {path} = {_placeholder(out, node.value)}", NOT
    return f"{path} {SYMBOLS[node.op]} {_placeholder(out, node.value)}", ATOM


def _bound(part: tuple[str, int], context: int) -> str:
    """``part`` as an operand of an operator that binds as tightly as ``context``."""
    text, binding = part
    return text if binding >= context else f"({text})"


def _name(out: Compiled, name: str) -> str:
    for placeholder, known in out.names.items():
        if known == name:
            return placeholder
    placeholder = f"#n{len(out.names)}"
    out.names[placeholder] = name
    return placeholder


def _placeholder(out: Compiled, value: Any) -> str:
    placeholder = f":v{len(out.values)}"
    out.values[placeholder] = value
    return placeholder
