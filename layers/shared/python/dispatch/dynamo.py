"""Small helpers shared by the DynamoDB stores: value conversion, cursors and error mapping."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from dispatch.errors import Conflict, InvalidRequest
from dispatch.numbers import SIGNIFICANT_DIGITS, dynamo_number

_EXACT_INT = 10**SIGNIFICANT_DIGITS  # every integer below it in magnitude is stored as it is


def to_dynamo(value: Any) -> Any:
    """DynamoDB takes no floats: numbers become (recursively) the Decimal DynamoDB stores, by the
    one rule of :mod:`dispatch.numbers` (UnstorableNumber for a number it cannot hold)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and -_EXACT_INT < value < _EXACT_INT:
        return value  # stored as it is: the common case, without the conversion
    if isinstance(value, int | float | Decimal):
        return dynamo_number(value)
    if isinstance(value, dict):
        return {key: to_dynamo(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_dynamo(item) for item in value]
    return value


def from_dynamo(value: Any) -> Any:
    """Decimals back to int or float, recursively."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: from_dynamo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [from_dynamo(item) for item in value]
    if isinstance(value, set):
        return sorted(from_dynamo(item) for item in value)
    return value


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    raw = json.dumps(from_dynamo(last_key), separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidRequest("the cursor is not valid") from exc
    if not isinstance(value, dict):
        raise InvalidRequest("the cursor is not valid")
    return dict(to_dynamo(value))


def query_all(table: Any, query: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every item a query matches, page after page (1 MB each): memory stays flat."""
    request = dict(query)
    while True:
        page = table.query(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def query_page(
    table: Any, query: dict[str, Any], cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of a query from an opaque cursor (None: the first page), and the next page's cursor."""
    request = dict(query)
    start = decode_cursor(cursor)
    if start:
        request["ExclusiveStartKey"] = start
    page = table.query(**request)
    return list(page.get("Items", [])), encode_cursor(page.get("LastEvaluatedKey"))


def owner_by_id(table: Any, id_key: str) -> str | None:
    """The organisation owning the item whose ``gsi1pk`` is ``id_key`` (keys-only index: the
    organisation is read from the item's ``pk``, ``ORG#<org>``); None when there is none."""
    result = table.query(
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :pk",
        ExpressionAttributeValues={":pk": id_key},
        Limit=1,
    )
    items = result.get("Items", [])
    return str(items[0]["pk"]).removeprefix("ORG#") if items else None


# DynamoDB errors that a later attempt may not meet (throttling, a conflicting transaction, a 5xx).
TRANSIENT = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


def is_transient(exc: ClientError) -> bool:
    """Worth another attempt: throttling or a service fault, also inside a cancelled transaction."""
    error = exc.response.get("Error", {})
    if error.get("Code") in TRANSIENT:
        return True
    reasons = exc.response.get("CancellationReasons") or []
    return any(reason.get("Code") in {"ThrottlingError", "TransactionConflict"} for reason in reasons)


def is_condition_failure(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    return code in {"ConditionalCheckFailedException", "TransactionCanceledException"}


def applied(write: Callable[[], object]) -> bool:
    """Run a conditional write; False when its condition did not hold (another writer got there
    first), any other error is raised."""
    try:
        write()
    except ClientError as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


@contextmanager
def conflict_on_condition(message: str) -> Iterator[None]:
    """Turn a failed conditional write into a domain :class:`Conflict`."""
    try:
        yield
    except ClientError as exc:
        if is_condition_failure(exc):
            raise Conflict(message) from exc
        raise
