"""Counts the AWS API calls of a run on the local stack, and turns them into billable quantities.

The meter wraps moto's WSGI dispatcher, so it sees every request that reaches the emulated AWS
endpoint: those of the handlers and those of moto's Step Functions interpreter (its Lambda tasks
are HTTP ``Invoke`` calls). Each request is named ``service:operation`` from what the wire says:
the SigV4 credential scope for the service, then ``X-Amz-Target`` (JSON protocols), ``Action``
(query protocols) or the REST method and path (S3, Lambda, SES v2).

DynamoDB is billed per item, not per call, so write requests are opened up: every item of a
``BatchWriteItem`` or ``TransactWriteItems`` is one item write, worth one write unit per started KB
of the larger of the stored item before and after the request (AWS's rule; transactions cost
double), and every global secondary index entry the write adds, changes or removes costs its own
write units. The items are looked at in moto's backend just before and after the request. Read
units come from the sizes of the items in the response (per started 4 KB; half for eventually
consistent reads, double for transactional ones).

Requests whose User-Agent carries ``OBSERVER_AGENT`` are the benchmark watching the run, and are
not counted. Nothing here is deployed; production code never imports it.
"""

from __future__ import annotations

import base64
import io
import json
import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol
from urllib.parse import parse_qs

OBSERVER_AGENT = "dispatch-meter-observer"
WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
DYNAMODB_READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
_TARGET_SERVICES = {"DynamoDB": "dynamodb", "AWSStepFunctions": "states", "secretsmanager": "secretsmanager"}
_FORM = "application/x-www-form-urlencoded"
_JSON_OR_FORM = ("application/x-amz-json", _FORM)
_IP_HOST = re.compile(r"^[\d.]*$|^\[")
_S3_LISTS = {"uploads": "ListMultipartUploads", "versions": "ListObjectVersions"}
_S3_LIST_PARAMS = frozenset(
    {
        "prefix",
        "delimiter",
        "marker",
        "encoding-type",
        "max-keys",
        "start-after",
        "continuation-token",
        "fetch-owner",
    }
)
_REST_ROUTES: dict[str, list[tuple[str, re.Pattern[str], str]]] = {
    "lambda": [
        ("POST", re.compile(r"^/2015-03-31/functions/[^/]+/invocations$"), "Invoke"),
        ("POST", re.compile(r"^/2014-11-13/functions/[^/]+/invoke-async/?$"), "InvokeAsync"),
    ],
    "sesv2": [
        ("POST", re.compile(r"^/v2/email/outbound-emails$"), "SendEmail"),
        ("POST", re.compile(r"^/v2/email/outbound-bulk-emails$"), "SendBulkEmail"),
    ],
}

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True, slots=True)
class Request:
    """What the meter needs of one HTTP request (header names lower-case)."""

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True, order=True)
class Call:
    """One kind of request, ``service:operation``: what the breakdown counts."""

    service: str
    operation: str

    def __str__(self) -> str:
        return f"{self.service}:{self.operation}"


# ---------------------------------------------------------------------------------------------------
# Naming a request
# ---------------------------------------------------------------------------------------------------


def classify(request: Request) -> Call:
    """The service and operation a request is for, as AWS would bill and log it."""
    service = _service(request)
    target = request.headers.get("x-amz-target", "")
    if target:
        return Call(service, target.rsplit(".", 1)[-1])
    action = _form_action(request)
    if action:
        return Call(service, action)
    if service == "s3":
        return Call(service, _s3_operation(request))
    for method, pattern, operation in _REST_ROUTES.get(service, []):
        if request.method == method and pattern.match(request.path):
            return Call(service, operation)
    return Call(service, f"{request.method} {request.path}")


def _service(request: Request) -> str:
    """The SigV4 signing name (``ses`` with a ``/v2/`` path is SES v2), else the target's prefix."""
    match = re.search(
        r"Credential=[^/]*/[^/]*/[^/]*/([^/]+)/aws4_request", request.headers.get("authorization", "")
    )
    if match:
        service = match.group(1)
        return "sesv2" if service == "ses" and request.path.startswith("/v2/") else service
    prefix = request.headers.get("x-amz-target", "").split(".", 1)[0].split("_", 1)[0]
    return _TARGET_SERVICES.get(prefix, "unknown")


def _form_action(request: Request) -> str | None:
    """``Action=`` of a query-protocol request (SNS, SES v1, STS, IAM), in the query string or form body."""
    params = parse_qs(request.query)
    if "Action" not in params and request.headers.get("content-type", "").startswith(_FORM):
        params = parse_qs(request.body.decode("utf-8", "replace"))
    return params["Action"][0] if "Action" in params else None


def _s3_operation(request: Request) -> str:
    bucket, key = _s3_bucket_and_key(request)
    params = parse_qs(request.query, keep_blank_values=True)
    if bucket is None:
        return "ListBuckets"
    if key:
        return _s3_object_operation(request, params)
    subresource = next(
        (name for name, values in params.items() if values == [""] and name not in _S3_LIST_PARAMS), ""
    )
    suffix = "".join(part[:1].upper() + part[1:] for part in subresource.split("-"))
    if request.method == "GET":
        if "list-type" in params:
            return "ListObjectsV2"
        return _S3_LISTS.get(subresource, f"GetBucket{suffix}" if subresource else "ListObjects")
    if request.method == "POST":
        return "DeleteObjects" if subresource == "delete" else "PostObject"
    verbs = {
        "PUT": "PutBucket" if subresource else "CreateBucket",
        "HEAD": "HeadBucket",
        "DELETE": "DeleteBucket",
    }
    return verbs.get(request.method, request.method) + suffix


def _s3_object_operation(request: Request, params: Mapping[str, list[str]]) -> str:
    if request.method == "PUT":
        if "x-amz-copy-source" in request.headers:
            return "CopyObject"
        return "UploadPart" if "partNumber" in params else "PutObject"
    if request.method == "POST":
        if "uploads" in params:
            return "CreateMultipartUpload"
        return "CompleteMultipartUpload" if "uploadId" in params else "RestoreObject"
    if request.method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in params else "DeleteObject"
    return {"GET": "GetObject", "HEAD": "HeadObject"}.get(request.method, request.method)


def _s3_bucket_and_key(request: Request) -> tuple[str | None, str]:
    """Virtual-hosted (``bucket.host``) or path-style (``host/bucket/key``) addressing."""
    host = request.headers.get("host", "").split(":")[0]
    labels = host.split(".")
    path = request.path.lstrip("/")
    if len(labels) > 1 and not _IP_HOST.match(host) and labels[0] not in {"s3", "localhost"}:
        return labels[0], path
    bucket, _, key = path.partition("/")
    return (bucket or None), key


def s3_tier(operation: str) -> str:
    """S3's request price class: ``put`` (PUT, COPY, POST, LIST), ``free`` (DELETE) or ``get`` (the rest)."""
    if operation.startswith(("List", "Put", "Copy", "Post", "Create", "Complete", "Upload", "Restore")):
        return "put"
    if operation == "DeleteObjects":  # a POST: billed as one
        return "put"
    if operation.startswith(("Delete", "Abort")):
        return "free"
    return "get"


def dynamodb_kind(operation: str) -> str:
    """``write``, ``read`` or ``control`` (table management and the like, not billed per request)."""
    if operation in DYNAMODB_WRITES:
        return "write"
    return "read" if operation in DYNAMODB_READS else "control"


# ---------------------------------------------------------------------------------------------------
# DynamoDB items and capacity units
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WrittenItem:
    """One item a write request touches: the whole item for a Put, its key otherwise."""

    table: str
    attributes: Mapping[str, Any]
    put: bool
    transactional: bool = False


def written_items(operation: str, request: Mapping[str, Any]) -> list[WrittenItem]:
    """Every item a DynamoDB write request writes (a ConditionCheck in a transaction is billed as one)."""
    if operation == "PutItem":
        return [WrittenItem(request["TableName"], request["Item"], put=True)]
    if operation in {"UpdateItem", "DeleteItem"}:
        return [WrittenItem(request["TableName"], request["Key"], put=False)]
    if operation == "BatchWriteItem":
        return [
            WrittenItem(table, entry["PutRequest"]["Item"], put=True)
            if "PutRequest" in entry
            else WrittenItem(table, entry["DeleteRequest"]["Key"], put=False)
            for table, entries in request.get("RequestItems", {}).items()
            for entry in entries
        ]
    if operation == "TransactWriteItems":
        items = []
        for entry in request.get("TransactItems", []):
            kind, spec = next(iter(entry.items()))
            attributes = spec["Item"] if kind == "Put" else spec["Key"]
            items.append(WrittenItem(spec["TableName"], attributes, put=kind == "Put", transactional=True))
        return items
    return []


def item_size(item: Mapping[str, Any]) -> int:
    """An item's size as DynamoDB bills it: attribute names plus values (typed JSON, as on the wire)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(str(data).encode())
    if kind == "N":
        digits = str(data).lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(base64.b64decode(data))
    if kind in {"SS", "NS", "BS"}:
        return sum(_value_size({kind[0]: element}) for element in data)
    if kind == "M":
        return 3 + sum(1 + len(name.encode()) + _value_size(element) for name, element in data.items())
    if kind == "L":
        return 3 + sum(1 + _value_size(element) for element in data)
    return 1  # BOOL, NULL


def write_units(size: int, *, transactional: bool = False) -> int:
    """One unit per started KB (at least one); a transactional write costs two."""
    units = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return 2 * units if transactional else units


def read_units(operation: str, request: Mapping[str, Any], response: Mapping[str, Any]) -> float:
    """Read units of one successful read request, from the items in ``response``.

    GetItem/BatchGetItem/TransactGetItems round each item up to 4 KB; Query/Scan round their total.
    For a read that projects or filters, ``response`` must hold the whole items it examined
    (``unnarrowed``): that is what DynamoDB bills.
    """
    if operation == "GetItem":
        return _units([item_size(response.get("Item", {}))], request.get("ConsistentRead", False))
    if operation in {"Query", "Scan"}:
        total = sum(item_size(item) for item in response.get("Items", []))
        return _units([total], request.get("ConsistentRead", False))
    if operation == "BatchGetItem":
        tables = request.get("RequestItems", {})
        return sum(
            _units([item_size(item) for item in items], tables.get(table, {}).get("ConsistentRead", False))
            for table, items in response.get("Responses", {}).items()
        )
    if operation == "TransactGetItems":
        return 2 * _units([item_size(entry.get("Item", {})) for entry in response.get("Responses", [])], True)
    return 0.0


_NARROWING = (
    "ProjectionExpression",
    "AttributesToGet",
    "FilterExpression",
    "QueryFilter",
    "ScanFilter",
    "Select",
)


def unnarrowed(operation: str, request: Mapping[str, Any]) -> dict[str, Any] | None:
    """The read without its projection, filter and ``Select`` (what DynamoDB bills: every item it
    examined, whole), with only the names and values its key condition still uses; None when the
    request reads whole items already (or is not a GetItem, Query or Scan)."""
    if operation not in {"GetItem", "Query", "Scan"} or not any(name in request for name in _NARROWING):
        return None
    whole = {name: value for name, value in request.items() if name not in _NARROWING}
    placeholders = set(re.findall(r"[#:][A-Za-z0-9_]+", str(request.get("KeyConditionExpression", ""))))
    for field_name in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
        used = {key: value for key, value in request.get(field_name, {}).items() if key in placeholders}
        whole.pop(field_name, None)
        if used:
            whole[field_name] = used
    return whole


def _units(sizes: Sequence[int], consistent: bool) -> float:
    units = sum(max(1, math.ceil(size / READ_UNIT_BYTES)) for size in sizes)
    return float(units) if consistent else units / 2


@dataclass(frozen=True, slots=True)
class Index:
    """A global secondary index: its key attributes and what it projects (ALL, KEYS_ONLY, INCLUDE)."""

    name: str
    keys: tuple[str, ...]
    projection: str = "ALL"
    included: frozenset[str] = frozenset()

    def entry(self, item: Mapping[str, Any] | None, table_keys: Sequence[str]) -> dict[str, Any] | None:
        """The index's copy of ``item``; None when the item lacks an index key (sparse index)."""
        if item is None or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        wanted = {*self.keys, *table_keys, *self.included}
        return {name: value for name, value in item.items() if name in wanted}


@dataclass(frozen=True, slots=True)
class TableSchema:
    keys: tuple[str, ...]
    indexes: tuple[Index, ...] = ()

    def key_of(self, attributes: Mapping[str, Any]) -> dict[str, Any] | None:
        """The primary key of an item or key; None when it lacks one (DynamoDB will refuse the request)."""
        if any(name not in attributes for name in self.keys):
            return None
        return {name: attributes[name] for name in self.keys}


def index_write_sizes(
    index: Index, table_keys: Sequence[str], before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
) -> list[int]:
    """The index writes one table write causes, by entry size (AWS: an entry added or removed is one
    write, a changed index key two, a changed projected attribute one, anything else none)."""
    old, new = index.entry(before, table_keys), index.entry(after, table_keys)
    if old == new:
        return []
    if old is None or new is None:
        return [item_size(old or new or {})]
    if any(old[key] != new[key] for key in index.keys):
        return [item_size(old), item_size(new)]
    return [item_size(new)]


class ItemStore(Protocol):
    """Where the meter looks at stored items, before and after a write."""

    def schema(self, table: str) -> TableSchema | None: ...

    def item(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None: ...


class MotoItems:
    """Tables and items read straight from moto's backend in this process (not through a request)."""

    def __init__(self) -> None:
        self._schemas: dict[str, TableSchema | None] = {}

    @staticmethod
    def _table(name: str) -> Any:
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        from local.template import REGION

        return dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(name)

    def schema(self, table: str) -> TableSchema | None:
        from moto.core.exceptions import JsonRESTError

        if table not in self._schemas:
            try:
                found = self._table(table)
            except JsonRESTError:
                return None
            self._schemas[table] = TableSchema(
                keys=tuple(key for key in (found.hash_key_attr, found.range_key_attr) if key),
                indexes=tuple(
                    Index(
                        index.name,
                        tuple(index.schema_key_attrs),
                        index.projection.get("ProjectionType", "ALL"),
                        frozenset(index.projection.get("NonKeyAttributes", [])),
                    )
                    for index in found.global_indexes
                ),
            )
        return self._schemas[table]

    def item(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        from moto.dynamodb.models.dynamo_type import DynamoType

        found = self._table(table)
        range_key = DynamoType(key[found.range_key_attr]) if found.range_key_attr else None
        stored = found.get_item(DynamoType(key[found.hash_key_attr]), range_key)
        return dict(stored.to_json()["Attributes"]) if stored is not None else None


# ---------------------------------------------------------------------------------------------------
# The meter
# ---------------------------------------------------------------------------------------------------


@dataclass
class DynamoDbTotals:
    """Item writes, the index writes they cause, and their write units, by item kind (see ``Meter``);
    read units; the largest item written."""

    item_writes: Counter[str] = field(default_factory=Counter)
    index_writes: Counter[str] = field(default_factory=Counter)  # by "<item kind> <index>"
    write_units: Counter[str] = field(default_factory=Counter)  # by item kind and by index, as above
    read_units: float = 0.0
    largest_item_written: int = 0


class Meter:
    """Counts the requests that reach moto's server while ``attached``; safe across server threads.

    ``item_kind`` names what a written item is (by default its table), so the writes can be broken
    down by what the application stores; ``store`` shows the stored items and the tables' indexes.
    """

    def __init__(
        self,
        store: ItemStore | None = None,
        item_kind: Callable[[WrittenItem], str] = lambda item: item.table,
    ) -> None:
        self.calls: Counter[Call] = Counter()
        self.errors: Counter[Call] = Counter()  # 4xx/5xx answers (a failed conditional write is billed too)
        self.dynamodb = DynamoDbTotals()
        self._store = store if store is not None else MotoItems()
        self._item_kind = item_kind
        self._lock = threading.Lock()

    @contextmanager
    def attached(self) -> Iterator[Meter]:
        """Meter every moto server of this process (there is one per local stack) until exit."""
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication

        original = DomainDispatcherApplication.__call__
        meter = self

        def metered(app: Any, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            return meter.wrap(lambda env, start: original(app, env, start))(environ, start_response)

        setattr(DomainDispatcherApplication, "__call__", metered)  # noqa: B010 - a patch, undone below
        try:
            yield self
        finally:
            setattr(DomainDispatcherApplication, "__call__", original)  # noqa: B010

    def wrap(self, app: WsgiApp) -> WsgiApp:
        """A WSGI app that counts each request, then lets ``app`` answer it."""

        def metered(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            request = request_from_environ(environ)
            if OBSERVER_AGENT in request.headers.get("user-agent", ""):
                return app(environ, start_response)
            call = classify(request)
            statuses: list[int] = []

            def capture(status: str, *args: Any) -> Any:
                statuses.append(int(status.split(" ", 1)[0]))
                return start_response(status, *args)

            if call.service != "dynamodb":
                answered = app(environ, capture)
                self._count(call, statuses)
                return answered

            def examined(body: dict[str, Any]) -> dict[str, Any]:
                """What ``app`` answers ``body`` with (a request of the meter's own, not counted)."""
                raw = json.dumps(body).encode()
                shadow = {**environ, "wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw))}
                return _json(_drain(app(shadow, lambda *_: None)))

            def answer() -> bytes:
                return _drain(app(environ, capture))

            return [self._dynamodb(call, request, answer, statuses, examined)]

        return metered

    def _count(self, call: Call, statuses: Sequence[int]) -> None:
        with self._lock:
            self.calls[call] += 1
            if statuses and statuses[0] >= 400:
                self.errors[call] += 1

    def _dynamodb(
        self,
        call: Call,
        request: Request,
        answer: Callable[[], bytes],
        statuses: list[int],
        examined: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> bytes:
        """Answer a DynamoDB request, looking at the items it writes before and after, and count its units.

        A read that projects or filters is billed for the whole items it examined, which its answer
        does not show: the meter asks the same read again without projection and filter
        (``examined``) and sizes those items."""
        body = _json(request.body)
        written = [(item, self._store.schema(item.table)) for item in written_items(call.operation, body)]
        before = [self._stored(item, schema) for item, schema in written]
        response = answer()
        self._count(call, statuses)
        failed = not statuses or statuses[0] >= 400
        whole = unnarrowed(call.operation, body)
        read = examined(whole) if whole is not None and not failed else _json(response)
        units = 0.0 if failed else read_units(call.operation, body, read)
        with self._lock:
            self.dynamodb.read_units += units
        for (item, schema), old in zip(written, before, strict=True):
            self._count_write(item, schema, old, self._stored(item, schema))
        return response

    def _stored(self, item: WrittenItem, schema: TableSchema | None) -> dict[str, Any] | None:
        key = schema.key_of(item.attributes) if schema is not None else None
        return self._store.item(item.table, key) if key is not None else None

    def _count_write(
        self,
        item: WrittenItem,
        schema: TableSchema | None,
        before: Mapping[str, Any] | None,
        after: Mapping[str, Any] | None,
    ) -> None:
        """One item write: units for the larger of the item before and after (at least the request's
        item for a Put), plus the writes of every index whose entry it changed."""
        size = max(
            item_size(before or {}), item_size(after or {}), item_size(item.attributes) if item.put else 0
        )
        kind = self._item_kind(item)
        table_keys = schema.keys if schema is not None else ()
        indexes = schema.indexes if schema is not None else ()
        index_sizes = {
            f"{kind} {index.name}": index_write_sizes(index, table_keys, before, after) for index in indexes
        }
        with self._lock:
            self.dynamodb.item_writes[kind] += 1
            self.dynamodb.write_units[kind] += write_units(size, transactional=item.transactional)
            self.dynamodb.largest_item_written = max(self.dynamodb.largest_item_written, size)
            for label, sizes in index_sizes.items():
                if not sizes:
                    continue
                self.dynamodb.index_writes[label] += len(sizes)
                self.dynamodb.write_units[label] += sum(write_units(entry) for entry in sizes)

    def calls_of(self, service: str) -> dict[str, int]:
        return {call.operation: count for call, count in self.calls.items() if call.service == service}

    def usage(
        self, invocations: Sequence[tuple[str, float]], memory_mb: Mapping[str, int], transitions: int
    ) -> Usage:
        """The billable quantities of the metered run.

        ``invocations`` are (function, seconds) of every Lambda invocation (the local runtime records
        them: S3 notifications and the API reach functions without an HTTP ``Invoke``), ``memory_mb``
        the MemorySize of each function, ``transitions`` the Step Functions state transitions.
        """
        s3: Counter[str] = Counter()
        for operation, count in self.calls_of("s3").items():
            s3[s3_tier(operation)] += count
        sns = self.calls_of("sns")
        sesv2 = self.calls_of("sesv2")
        return Usage(
            dynamodb_write_units=sum(self.dynamodb.write_units.values()),
            dynamodb_read_units=self.dynamodb.read_units,
            lambda_requests=len(invocations),
            lambda_gb_seconds=gb_seconds(invocations, memory_mb),
            state_transitions=transitions,
            s3_put_requests=s3["put"],
            s3_get_requests=s3["get"],
            secretsmanager_calls=sum(self.calls_of("secretsmanager").values()),
            sns_publishes=sns.get("Publish", 0) + sns.get("PublishBatch", 0),
            sesv2_requests=sesv2.get("SendEmail", 0) + sesv2.get("SendBulkEmail", 0),
        )


def request_from_environ(environ: dict[str, Any]) -> Request:
    """The request of a WSGI environ; a JSON or form body is read and put back for the app."""
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    headers["content-type"] = str(environ.get("CONTENT_TYPE", ""))
    body = b""
    length = str(environ.get("CONTENT_LENGTH") or "0")
    if headers["content-type"].startswith(_JSON_OR_FORM) and length.isdigit() and int(length):
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)
    return Request(
        method=str(environ.get("REQUEST_METHOD", "GET")),
        path=str(environ.get("PATH_INFO", "")),
        query=str(environ.get("QUERY_STRING", "")),
        headers=headers,
        body=body,
    )


def _drain(answer: Iterable[bytes]) -> bytes:
    try:
        return b"".join(answer)
    finally:
        close = getattr(answer, "close", None)
        if close is not None:
            close()


def _json(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# ---------------------------------------------------------------------------------------------------
# From quantities to money
# ---------------------------------------------------------------------------------------------------


def state_transitions(events: Iterable[Mapping[str, Any]]) -> int:
    """Billed Step Functions (standard) transitions: one per state entered, Map iterations included."""
    return sum(1 for event in events if str(event.get("type", "")).endswith("StateEntered"))


def gb_seconds(invocations: Iterable[tuple[str, float]], memory_mb: Mapping[str, int]) -> float:
    """Lambda compute: each invocation's duration, rounded up to the millisecond, times its memory."""
    return sum(math.ceil(seconds * 1000) / 1000 * memory_mb[name] / 1024 for name, seconds in invocations)


@dataclass(frozen=True)
class Usage:
    """Billable quantities; a price table has one unit price (USD) per field name."""

    dynamodb_write_units: float = 0.0
    dynamodb_read_units: float = 0.0
    lambda_requests: float = 0.0
    lambda_gb_seconds: float = 0.0
    state_transitions: float = 0.0
    s3_put_requests: float = 0.0  # PUT, COPY, POST, LIST
    s3_get_requests: float = 0.0  # GET, HEAD and the rest (DELETE is free)
    secretsmanager_calls: float = 0.0
    sns_publishes: float = 0.0
    sesv2_requests: float = 0.0

    def scaled(self, factor: float) -> Usage:
        return replace(self, **{item.name: getattr(self, item.name) * factor for item in fields(self)})


def cost_usd(usage: Usage, prices: Mapping[str, float]) -> dict[str, float]:
    """The cost of each quantity; a price missing from the table is a KeyError, never a silent $0."""
    return {item.name: getattr(usage, item.name) * prices[item.name] for item in fields(usage)}
