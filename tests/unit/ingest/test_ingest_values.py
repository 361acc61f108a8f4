"""The number column's shortcuts never change a verdict: every value and every error is what the
full DynamoDB check (dispatch.numbers.dynamo_number) on the digits as written gives."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis_depth import examples

from dispatch.ingest.invalid import InvalidValue
from dispatch.ingest.models import Cell, Value
from dispatch.ingest.values import cell_text, converter
from dispatch.numbers import UnstorableNumber, dynamo_number
from dispatch.processes.models import FieldType

number = converter(FieldType.number, "US")


def reference(cell: Cell, text: str) -> Value | str:
    """The value, or the error message, of the full check: the digits of a decimal as written,
    then the number kept (``text`` is a well-formed number)."""
    written = text.replace(",", "")
    try:
        if isinstance(cell, int | float):
            value: int | float = cell
        elif "." in written or "e" in written.casefold():
            dynamo_number(Decimal(written))
            value = float(written)
        else:
            value = int(written)
        dynamo_number(value)
    except UnstorableNumber as exc:
        return str(exc)
    return value


def verdict(cell: Cell, text: str) -> Value | str:
    try:
        return number(cell, text)
    except InvalidValue as exc:
        return str(exc) if isinstance(exc.__cause__, UnstorableNumber) else f"not a number: {exc}"


DECIMALS = st.one_of(
    st.from_regex(r"[+-]?[0-9]{1,45}(\.[0-9]{0,45})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
    st.from_regex(r"[+-]?0\.0{0,140}[1-9][0-9]{0,5}", fullmatch=True),
    st.from_regex(r"[+-]?[0-9]{1,3}(,[0-9]{3}){1,14}(\.[0-9]{0,30})?", fullmatch=True),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)


@settings(max_examples=examples(3000), deadline=None)
@given(DECIMALS)
@example("1" + "0" * 37 + ".5")  # 39 characters: checked as written
@example("1" * 37 + ".1")  # 38 characters
@example("9" * 38 + ".9")
@example("-0." + "0" * 35 + "1")
def test_written_numbers_get_the_full_checks_verdict(text: str) -> None:
    assert verdict(text, text) == reference(text, text)


@settings(max_examples=examples(2000), deadline=None)
@given(st.one_of(st.floats(), st.integers(min_value=-(10**45), max_value=10**45)))
@example(1e100)
@example(1e-100)
@example(-1e-101)
@example(10**38)
@example(10**38 - 1)
@example(-(10**38))
@example(9.99e125)
@example(1e126)
@example(5e-324)
def test_a_workbooks_numbers_get_the_full_checks_verdict(cell: float) -> None:
    assert verdict(cell, cell_text(cell)) == reference(cell, cell_text(cell))
