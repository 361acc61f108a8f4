"""The one rule for numbers DynamoDB can store, checked against what boto3 will serialise."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import given
from hypothesis import strategies as st

from dispatch.dynamo import from_dynamo, to_dynamo
from dispatch.numbers import UnstorableNumber, dynamo_number, storable

SERIALISER = TypeSerializer()
DESERIALISER = TypeDeserializer()


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        (float("nan"), "not a finite number"),
        (float("inf"), "not a finite number"),
        (Decimal("-Infinity"), "not a finite number"),
        (10**38 + 1, "has 39 significant digits"),
        (Decimal("1.00000000000000000000000000000000000001"), "has 39 significant digits"),
        (1e126, "too large to store"),
        (Decimal("-1E+126"), "too large to store"),
        (1e-131, "too close to zero to store"),
        (5e-324, "too close to zero to store"),
    ],
)
def test_what_dynamodb_cannot_hold_is_refused_with_the_reason(
    number: int | float | Decimal, reason: str
) -> None:
    with pytest.raises(UnstorableNumber, match=reason):
        dynamo_number(number)


@pytest.mark.parametrize(
    "number",
    [
        0,
        -0.0,
        1,
        10**38 - 1,
        10**50,
        -(10**125),
        9.99e125,
        1e-130,
        Decimal("9.9999999999999999999999999999999999999E+125"),
    ],
)
def test_the_limits_themselves_are_stored_exactly(number: int | float | Decimal) -> None:
    stored = DESERIALISER.deserialize(SERIALISER.serialize(dynamo_number(number)))
    assert stored == Decimal(repr(number)) if isinstance(number, float) else stored == number


@given(
    st.one_of(
        st.integers(min_value=-(10**60), max_value=10**60),
        st.floats(allow_nan=True, allow_infinity=True),
        st.decimals(allow_nan=False, allow_infinity=False),
    )
)
def test_every_number_the_rule_accepts_boto3_serialises_exactly(number: int | float | Decimal) -> None:
    """What passes the check is what gets written (boto3 traps any rounding) and reads back equal."""
    try:
        converted = to_dynamo(number)
    except UnstorableNumber:
        return
    serialised = SERIALISER.serialize(converted)
    back = DESERIALISER.deserialize(serialised)
    assert back == (Decimal(repr(number)) if isinstance(number, float) else number)


def test_an_integer_with_more_digits_than_dynamodb_keeps_but_few_significant_ones_reads_back() -> None:
    assert from_dynamo(DESERIALISER.deserialize(SERIALISER.serialize(to_dynamo(10**50)))) == 10**50


def test_storable_checks_every_number_of_a_value_and_nothing_else() -> None:
    assert storable({"a": [1, "x", True, None], "b": 2.5}) == {"a": [1, "x", True, None], "b": 2.5}
    with pytest.raises(UnstorableNumber, match="not a finite number"):
        storable({"a": ["x", [float("nan")]]})
