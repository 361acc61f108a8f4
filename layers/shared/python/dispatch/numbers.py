"""Numbers DynamoDB can store: the one rule every stored number is checked by.

DynamoDB keeps a number in at most 38 significant digits, with a magnitude from 1E-130 to
9.99…E+125 (or zero); NaN and the infinities do not exist there. boto3 refuses anything else when
it serialises a request ("Inexact", "Overflow", …), which for one card failed a whole chunk's
write. So a number is checked where it enters — a file's cell (a row error), an API body
(:data:`Storable`, a 400) — and :func:`dynamo_number` is also how the stores convert numbers
(``dispatch.dynamo.to_dynamo``), so what is checked is exactly what is written.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from pydantic import AfterValidator

V = TypeVar("V")
SIGNIFICANT_DIGITS = 38
LARGEST_EXPONENT = 125  # 9.99…E+125
SMALLEST_EXPONENT = -130  # 1E-130


class UnstorableNumber(ValueError):
    """A number DynamoDB cannot hold; the message says why, for the person who wrote it."""


def dynamo_number(number: int | float | Decimal) -> Decimal:
    """The number as a Decimal DynamoDB takes (trailing zeros dropped when they would make more
    than 38 digits: 10**40 has one significant digit); :class:`UnstorableNumber` when DynamoDB
    cannot hold it exactly."""
    exact = Decimal(repr(number)) if isinstance(number, float) else Decimal(number)
    if not exact.is_finite():
        raise UnstorableNumber("not a finite number")
    if exact.is_zero():
        return Decimal(0)
    sign, digits, exponent = exact.as_tuple()
    assert isinstance(exponent, int)  # finite
    kept = len(digits)
    while digits[kept - 1] == 0:
        kept -= 1
    exponent += len(digits) - kept
    if kept > SIGNIFICANT_DIGITS:
        raise UnstorableNumber(
            f"has {kept} significant digits; at most {SIGNIFICANT_DIGITS} can be stored exactly"
        )
    magnitude = exponent + kept - 1  # the power of ten of the first digit
    if magnitude > LARGEST_EXPONENT:
        raise UnstorableNumber(f"too large to store (at most 9.99…E+{LARGEST_EXPONENT})")
    if magnitude < SMALLEST_EXPONENT:
        raise UnstorableNumber(f"too close to zero to store (at least 1E{SMALLEST_EXPONENT}, or 0)")
    return exact if len(digits) <= SIGNIFICANT_DIGITS else Decimal((sign, digits[:kept], exponent))


def storable(value: V) -> V:
    """``value`` unchanged when every number in it (itself, or in a list or dict) can be stored;
    :class:`UnstorableNumber` with the reason for the first that cannot."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        dynamo_number(value)
    elif isinstance(value, list | tuple):
        for item in value:
            storable(item)
    elif isinstance(value, dict):
        for item in value.values():
            storable(item)
    return value


# For a field of an API body that is stored: ``Annotated[str | int | float, Storable]``. A number
# DynamoDB cannot hold is then one validation error with the reason (a 400), not a failed write.
Storable = AfterValidator(storable)
