"""Storage helpers: what a refused write means (a condition that failed, or a transient
cancellation), which storage errors are the caller's (400) or to retry (503), and signed cursors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from dispatch.dynamo import (
    PageCursors,
    cursor_key,
    encode_cursor,
    failed_conditions,
    is_condition_failure,
    is_transient,
    storage_error,
)
from dispatch.errors import Busy, InvalidRequest


def cancelled(*codes: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": code} for code in codes],
        },
        "TransactWriteItems",
    )


def failed(code: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, "PutItem")


def test_a_cancelled_transaction_is_a_condition_failure_only_when_a_condition_failed() -> None:
    assert failed_conditions(cancelled("None", "ConditionalCheckFailed", "None")) == [1]
    assert is_condition_failure(cancelled("None", "ConditionalCheckFailed"))
    assert failed_conditions(failed("ConditionalCheckFailedException")) == [0]
    for other in (cancelled("TransactionConflict"), cancelled("None", "ValidationError"), cancelled()):
        assert not is_condition_failure(other)


def test_conflicts_and_throttling_are_transient_and_nothing_else_is() -> None:
    assert is_transient(cancelled("None", "TransactionConflict", "ThrottlingError"))
    assert is_transient(failed("ProvisionedThroughputExceededException"))
    assert not is_transient(cancelled("TransactionConflict", "ConditionalCheckFailed"))
    assert not is_transient(cancelled("ValidationError"))
    assert not is_transient(failed("ResourceNotFoundException"))


@pytest.mark.parametrize("value", [Decimal(10**40 + 1), Decimal("1e200"), Decimal("1e-200"), Decimal("NaN")])
def test_a_number_dynamodb_cannot_hold_is_the_callers_error(value: Decimal) -> None:
    with pytest.raises((ArithmeticError, TypeError)) as refused:
        TypeSerializer().serialize(value)
    assert isinstance(storage_error(refused.value), InvalidRequest)


def test_storage_errors_map_to_retry_or_to_the_caller_and_the_rest_stays_a_fault() -> None:
    assert isinstance(storage_error(cancelled("TransactionConflict")), Busy)
    number = failed("ValidationException", "Number overflow. Attempting to store a number with magnitude")
    assert isinstance(storage_error(number), InvalidRequest)
    assert storage_error(failed("ValidationException", "The provided key element does not match")) is None
    assert storage_error(failed("AccessDeniedException")) is None
    assert storage_error(TypeError("unhashable type")) is None
    assert storage_error(KeyError("x")) is None


KEY = cursor_key(b"k" * 32)
SCOPE = "org-a\n/processes\n"


def test_a_cursor_opens_only_in_the_scope_it_was_sealed_for() -> None:
    cursors = PageCursors(lambda: KEY)
    position = encode_cursor({"pk": "ORG#org-a", "sk": "PROCESS#p1"})
    cursor = cursors.seal(SCOPE, position)
    assert cursor is not None
    assert cursors.open(SCOPE, cursor) == position
    assert cursors.open(SCOPE, None) is None
    assert cursors.seal(SCOPE, None) is None
    sealed_position, _, signature = cursor.rpartition(".")
    for bad in (
        position,  # unsigned
        f"{sealed_position}x.{signature}",  # tampered
        f"{sealed_position}.{signature[:-1]}",  # truncated
        f".{signature}",
        "no dot at all",
        PageCursors(lambda: cursor_key(b"another key" * 3)).seal(SCOPE, position),  # forged
    ):
        with pytest.raises(InvalidRequest):
            cursors.open(SCOPE, bad)
    for scope in ("org-b\n/processes\n", "org-a\n/agents\n", "org-a\n/processes\nsort=name"):
        with pytest.raises(InvalidRequest):
            cursors.open(scope, cursor)


def test_the_cursor_key_is_read_only_when_a_cursor_is() -> None:
    def no_key() -> bytes:
        raise AssertionError("the first page needs no key")

    assert PageCursors(no_key).open(SCOPE, None) is None
    assert PageCursors(no_key).seal(SCOPE, None) is None
    assert cursor_key(b"k" * 32) != b"k" * 32
