"""The contact filter language, compiled for DynamoDB, against a reference evaluator written from its
documented meaning (dispatch.contacts.filters): for random contacts and random filters, the count
and the matches DynamoDB (moto) returns are exactly the contacts the reference picks."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from dispatch.config import Settings
from dispatch.contacts.filters import compile_filter, parse
from dispatch.contacts.models import SHARDS, AttributeType, Contact, contact_id, has_address
from dispatch.contacts.store import ContactStore
from local.stack import ROOT
from local.template import REGION, load

SCHEMA = {
    "age": AttributeType.number,
    "joined": AttributeType.date,
    "member": AttributeType.boolean,
    "plan": AttributeType.string,
}
TEXT = ["Lyon", "Lyonnais", "Paris", "paris", "Rome"]
EMAILS = ["ada@example.com", "bob@example.com", "cy@other.test"]
DATES = ["2025-12-31", "2026-01-01", "2026-06-30"]
TIMES = ["2026-01-01T10:00:00.000Z", "2026-03-01T10:00:00.000Z"]
TAGS = ["north", "south", "vip"]
NUMBERS = [-1, 0, 2, 2.5, 10]
FIELDS: dict[str, list[Any]] = {
    "city": TEXT,
    "first_name": TEXT,
    "email": EMAILS,
    "postcode": ["11111", "22222"],
    "created_at": TIMES,
    "attributes.age": NUMBERS,
    "attributes.joined": DATES,
    "attributes.member": [True, False],
    "attributes.plan": TEXT,
}
ORDERED = ("lt", "lte", "gt", "gte")
_orgs = itertools.count()


@pytest.fixture(scope="module")
def store() -> Iterator[ContactStore]:
    """The contacts table as template.yaml declares it, in moto."""
    table = load(ROOT / "template.yaml")["Resources"]["ContactsTable"]["Properties"]
    with pytest.MonkeyPatch.context() as patch, mock_aws():
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
            patch.delenv(name, raising=False)
        patch.setenv("AWS_DEFAULT_REGION", REGION)
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName="contacts",
            BillingMode=table["BillingMode"],
            AttributeDefinitions=table["AttributeDefinitions"],
            KeySchema=table["KeySchema"],
        )
        yield ContactStore(Settings(region=REGION, contacts_table="contacts"))


def _maybe(values: list[Any]) -> st.SearchStrategy[Any]:
    return st.none() | st.sampled_from(values)


@st.composite
def contacts(draw: st.DrawFn) -> list[dict[str, Any]]:
    people = []
    for number in range(draw(st.integers(min_value=0, max_value=10))):
        attributes = {
            name: value
            for name, value in (
                ("age", draw(_maybe(NUMBERS))),
                ("joined", draw(_maybe(DATES))),
                ("member", draw(_maybe([True, False]))),
                ("plan", draw(_maybe(TEXT))),
            )
            if value is not None
        }
        people.append(
            {
                "external_id": str(number),
                "first_name": draw(_maybe(TEXT)),
                "email": draw(_maybe(EMAILS)),
                "phone": draw(_maybe(["+14155550101"])),
                "address_line1": draw(_maybe(["1 Main St"])),
                "city": draw(_maybe(TEXT)),
                "postcode": draw(_maybe(["11111", "22222"])),
                "tags": sorted(draw(st.sets(st.sampled_from(TAGS)))),
                "attributes": attributes,
                "created_at": draw(st.sampled_from(TIMES)),
            }
        )
    return people


@st.composite
def comparisons(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(sorted(FIELDS)))
    values = FIELDS[name]
    ops = ["eq", "ne", "in", "exists"]
    if name != "attributes.member":
        ops += list(ORDERED)
    if name in {"city", "first_name", "email", "postcode", "attributes.plan"}:
        ops.append("contains")
    op = draw(st.sampled_from(ops))
    if op == "exists":
        return {"field": name, "op": op, "value": draw(st.booleans())}
    if op == "in":
        return {
            "field": name,
            "op": op,
            "value": draw(st.lists(st.sampled_from(values), min_size=1, max_size=3)),
        }
    if op == "contains":
        text = draw(st.sampled_from(values))
        start = draw(st.integers(min_value=0, max_value=len(text) - 1))
        return {"field": name, "op": op, "value": text[start : start + draw(st.integers(1, 4))]}
    return {"field": name, "op": op, "value": draw(st.sampled_from(values))}


LEAVES = st.one_of(
    comparisons(),
    st.builds(lambda tags: {"tags_any": tags}, st.lists(st.sampled_from(TAGS), min_size=1, max_size=3)),
    st.builds(lambda tags: {"tags_all": tags}, st.lists(st.sampled_from(TAGS), min_size=1, max_size=3)),
    st.builds(lambda what: {"has": what}, st.sampled_from(["email", "phone", "address"])),
)
FILTERS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(lambda parts: {"and": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda parts: {"or": parts}, st.lists(inner, min_size=1, max_size=3)),
        st.builds(lambda part: {"not": part}, inner),
    ),
    max_leaves=8,
)


def _depth(raw: dict[str, Any]) -> int:
    for key in ("and", "or"):
        if key in raw:
            return 1 + max(_depth(part) for part in raw[key])
    return 1 + _depth(raw["not"]) if "not" in raw else 1


def _lookup(person: dict[str, Any], name: str) -> tuple[bool, Any]:
    if name.startswith("attributes."):
        attributes = person["attributes"]
        key = name.split(".", 1)[1]
        return key in attributes, attributes.get(key)
    return person.get(name) is not None, person.get(name)


def _comparable(left: Any, right: Any) -> bool:
    numbers = (int, float)
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool)
    return (isinstance(left, numbers) and isinstance(right, numbers)) or type(left) is type(right)


def reference(raw: dict[str, Any], person: dict[str, Any]) -> bool:
    """The documented meaning, evaluated in Python over the contact as given."""
    if "and" in raw:
        return all(reference(part, person) for part in raw["and"])
    if "or" in raw:
        return any(reference(part, person) for part in raw["or"])
    if "not" in raw:
        return not reference(raw["not"], person)
    if "tags_any" in raw:
        return any(tag in person["tags"] for tag in raw["tags_any"])
    if "tags_all" in raw:
        return all(tag in person["tags"] for tag in raw["tags_all"])
    if "has" in raw:
        if raw["has"] == "address":
            return has_address(person)
        return person.get(raw["has"]) is not None
    present, value = _lookup(person, raw["field"])
    op, wanted = raw["op"], raw["value"]
    if op == "exists":
        return present is wanted
    if op == "ne":
        return not reference({**raw, "op": "eq"}, person)
    if not present:
        return False
    if op == "in":
        return any(_comparable(value, item) and value == item for item in wanted)
    if op == "contains":
        return wanted in value
    if not _comparable(value, wanted):
        return False
    return {
        "eq": value == wanted,
        "lt": value < wanted,
        "lte": value <= wanted,
        "gt": value > wanted,
        "gte": value >= wanted,
    }[op]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(people=contacts(), raw=FILTERS)
def test_dynamodb_matches_exactly_what_the_reference_evaluator_picks(
    store: ContactStore, people: list[dict[str, Any]], raw: dict[str, Any]
) -> None:
    assume(_depth(raw) <= 10)
    org = f"org-{next(_orgs)}"  # a fresh organisation per example: its own 16 partitions
    stored = [
        Contact(
            id=contact_id(org, person["external_id"]), org_id=org, updated_at=person["created_at"], **person
        )
        for person in people
    ]
    store.put_many(stored)
    compiled = compile_filter(parse(raw, SCHEMA))

    expected = {contact.id for contact, person in zip(stored, people, strict=True) if reference(raw, person)}
    found = {contact.id for shard in range(SHARDS) for contact in store.matching(org, shard, compiled)}
    assert found == expected
    assert store.count(org, compiled) == len(expected)
