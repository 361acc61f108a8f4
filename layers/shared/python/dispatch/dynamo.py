"""Small helpers shared by the DynamoDB stores: value conversion, cursors and error mapping."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal, DecimalException
from functools import cached_property
from typing import Any

from botocore.exceptions import ClientError

from dispatch.errors import Busy, Conflict, DispatchError, InvalidRequest
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


_CURSOR_PURPOSE = b"batch-dispatch page cursor"


def cursor_key(link_key: bytes) -> bytes:
    """The key that signs page cursors, derived from the link key for this purpose only (as offer
    tokens are): no card link's signature is a valid cursor's, nor the other way round."""
    return hmac.new(link_key, _CURSOR_PURPOSE, hashlib.sha256).digest()


class PageCursors:
    """The cursors a list endpoint hands out and takes back: ``<position>.<HMAC>``, where the
    position is :func:`encode_cursor`'s and the HMAC covers it together with its scope — the
    organisation and the query the page belongs to. A cursor is only accepted for the scope it
    was given for: a forged, tampered, truncated or another query's (or organisation's) cursor is
    an :class:`InvalidRequest`, found before the position is read.

    ``key`` is called only when a cursor is signed or checked (a first page needs no key)."""

    def __init__(self, key: Callable[[], bytes]) -> None:
        self._load_key = key

    @cached_property
    def _key(self) -> bytes:
        return self._load_key()

    def _signature(self, scope: str, position: str) -> str:
        digest = hmac.new(self._key, f"{scope}\0{position}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def seal(self, scope: str, position: str | None) -> str | None:
        """The cursor to hand out for the next page (None: there is none)."""
        return f"{position}.{self._signature(scope, position)}" if position else None

    def open(self, scope: str, cursor: str | None) -> str | None:
        """The position a cursor handed back continues from (None: the first page)."""
        if not cursor:
            return None
        position, _, signature = cursor.rpartition(".")
        genuine = hmac.compare_digest(
            self._signature(scope, position).encode(), signature.encode("utf-8", "replace")
        )
        if not (genuine and position):
            raise InvalidRequest("the cursor is not valid for this list; start again from the first page")
        return position


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


FILTER_READS = 100  # items read per call when a page is filtered (most may be left out)
FILTER_CALLS = 20  # at most this many calls (about 20 MB read) for one filtered page


def query_filtered(
    table: Any,
    query: dict[str, Any],
    start: dict[str, Any] | None,
    limit: int,
    *,
    keep: Callable[[dict[str, Any]], bool],
    key_names: tuple[str, ...],
    max_calls: int = FILTER_CALLS,
    expand: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """A page of up to ``limit`` items that ``keep`` accepts (filtered by the caller, after any
    ``FilterExpression`` of the query), and where the next page starts (None: the query is
    exhausted). Calls are made until the page is full: a page is short only when it is the last —
    or when ``max_calls`` reads found too few (a search over a large list), which bounds one
    request's work; its key then continues the list. ``key_names``: the attributes of the index's
    (and table's) key, from which a page that ends mid-call continues after its last item.
    ``expand``: what each call's items become before ``keep`` sees them (a keys-only index's
    entries: their items, read; it keeps the entries' key attributes)."""
    request = dict(query)
    if start:
        request["ExclusiveStartKey"] = start
    kept: list[dict[str, Any]] = []
    for _ in range(max_calls):
        request["Limit"] = max(limit - len(kept), FILTER_READS)
        page = table.query(**request)
        items = page.get("Items", [])
        if expand is not None:
            items = expand(items)
        last = page.get("LastEvaluatedKey")
        for index, item in enumerate(items):
            if keep(item):
                kept.append(item)
            if len(kept) == limit:
                ended = index == len(items) - 1
                return kept, last if ended else {name: item[name] for name in key_names}
        if last is None:
            return kept, None
        request["ExclusiveStartKey"] = last
    return kept, request["ExclusiveStartKey"]


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


# Why DynamoDB cancels a transaction, per item (``CancellationReasons``): a condition that did not
# hold is the caller's answer; these are transient (another transaction on the same items,
# throttling) and say nothing about the data. ``None`` marks the items that were fine.
CONDITION_FAILED = "ConditionalCheckFailed"
TRANSIENT_REASONS = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded", "RequestLimitExceeded"}
)
TRANSIENT_ERRORS = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
        "InternalServerError",  # a 5xx after the SDK's own retries
        "ServiceUnavailable",
    }
)
UNSTORABLE_NUMBER = (
    "a number cannot be stored: at most 38 significant digits, a magnitude from 1e-130 to 1e126, "
    "and no NaN or Infinity"
)


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def cancellation_reasons(exc: ClientError) -> list[str]:
    """Each item's reason of a cancelled transaction, in item order (``None``: it was fine)."""
    return [str(reason.get("Code", "None")) for reason in exc.response.get("CancellationReasons") or []]


def failed_conditions(exc: ClientError) -> list[int]:
    """Which items' conditions did not hold: of a cancelled transaction, by index; ``[0]`` for a
    single conditional write that failed."""
    if error_code(exc) == "ConditionalCheckFailedException":
        return [0]
    return [index for index, code in enumerate(cancellation_reasons(exc)) if code == CONDITION_FAILED]


def is_condition_failure(exc: ClientError) -> bool:
    """A conditional write, or a transaction, refused because a condition did not hold (another
    writer got there first). A transaction cancelled for any other reason is not one."""
    return bool(failed_conditions(exc))


def is_transient(exc: ClientError) -> bool:
    """Refused for now, not for the data: throttling, or a transaction cancelled only because of
    a concurrent transaction or throttling. The same write may succeed on a fresh attempt."""
    if error_code(exc) in TRANSIENT_ERRORS:
        return True
    if error_code(exc) != "TransactionCanceledException":
        return False
    reasons = {code for code in cancellation_reasons(exc) if code != "None"}
    return bool(reasons) and reasons <= TRANSIENT_REASONS


def storage_error(exc: BaseException) -> DispatchError | None:
    """The domain error a storage failure means, when it is not the service's own fault: a
    transient refusal (:class:`Busy`: try again) or a number DynamoDB cannot hold
    (:class:`InvalidRequest`); None for anything else. Validation rejects unstorable numbers
    before they are written; this names the ones that reach the table anyway."""
    if isinstance(exc, DecimalException) or (
        isinstance(exc, TypeError) and str(exc) == "Infinity and NaN not supported"  # boto3's serializer
    ):
        return InvalidRequest(UNSTORABLE_NUMBER)
    if not isinstance(exc, ClientError):
        return None
    if is_transient(exc):
        return Busy("the data is being changed by another request or the service is busy; try again")
    message = str(exc.response.get("Error", {}).get("Message", ""))
    if error_code(exc) == "ValidationException" and "number" in message.casefold():
        return InvalidRequest(UNSTORABLE_NUMBER)
    return None


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
