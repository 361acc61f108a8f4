"""The cost meter: naming requests, counting DynamoDB items and units, and the price arithmetic."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from local.metering import (
    OBSERVER_AGENT,
    Call,
    Index,
    Meter,
    Request,
    TableSchema,
    Usage,
    classify,
    cost_usd,
    dynamodb_kind,
    gb_seconds,
    index_write_sizes,
    item_size,
    read_units,
    request_from_environ,
    s3_tier,
    state_transitions,
    write_units,
    written_items,
)


def signed(service: str) -> dict[str, str]:
    """The headers botocore sends for a SigV4-signed request to ``service``."""
    return {
        "authorization": (
            f"AWS4-HMAC-SHA256 Credential=local/20250601/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host;x-amz-date, Signature=abc"
        ),
        "host": "127.0.0.1:4566",
    }


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            Request(
                "POST",
                "/",
                headers={**signed("dynamodb"), "x-amz-target": "DynamoDB_20120810.BatchWriteItem"},
            ),
            Call("dynamodb", "BatchWriteItem"),
        ),
        (
            Request(
                "POST", "/", headers={**signed("states"), "x-amz-target": "AWSStepFunctions.SendTaskSuccess"}
            ),
            Call("states", "SendTaskSuccess"),
        ),
        (
            Request(
                "POST",
                "/",
                headers={**signed("secretsmanager"), "x-amz-target": "secretsmanager.GetSecretValue"},
            ),
            Call("secretsmanager", "GetSecretValue"),
        ),
        (
            Request(
                "POST",
                "/",
                headers={**signed("sns"), "content-type": "application/x-www-form-urlencoded; charset=utf-8"},
                body=b"Action=Publish&Version=2010-03-31&PhoneNumber=%2B14155550100&Message=hi",
            ),
            Call("sns", "Publish"),
        ),
        (
            Request("GET", "/", query="Action=SendEmail&Version=2010-12-01", headers=signed("ses")),
            Call("ses", "SendEmail"),
        ),
        (Request("POST", "/v2/email/outbound-emails", headers=signed("ses")), Call("sesv2", "SendEmail")),
        (
            Request(
                "POST",
                "/2015-03-31/functions/batch-dispatch-local-SendFunction/invocations",
                headers=signed("lambda"),
            ),
            Call("lambda", "Invoke"),
        ),
        (
            Request("POST", "/", headers={"x-amz-target": "DynamoDB_20120810.Query"}),
            Call("dynamodb", "Query"),
        ),
    ],
)
def test_names_the_service_and_operation(request_: Request, expected: Call) -> None:
    assert classify(request_) == expected


@pytest.mark.parametrize(
    ("method", "path", "query", "extra", "operation"),
    [
        ("PUT", "/bucket/staging/b1/chunk-0.jsonl", "", {}, "PutObject"),
        ("PUT", "/bucket/copy", "", {"x-amz-copy-source": "/bucket/original"}, "CopyObject"),
        ("PUT", "/bucket/big", "partNumber=2&uploadId=u", {}, "UploadPart"),
        ("GET", "/bucket/drop/p1/recipients.csv", "", {}, "GetObject"),
        ("HEAD", "/bucket/drop/p1/recipients.csv", "", {}, "HeadObject"),
        ("DELETE", "/bucket/staging/b1/chunk-0.jsonl", "", {}, "DeleteObject"),
        ("GET", "/bucket", "list-type=2&prefix=staging%2Fb1%2F", {}, "ListObjectsV2"),
        ("GET", "/bucket", "prefix=", {}, "ListObjects"),
        ("GET", "/bucket", "location", {}, "GetBucketLocation"),
        ("PUT", "/bucket", "notification", {}, "PutBucketNotification"),
        ("PUT", "/bucket", "", {}, "CreateBucket"),
        ("POST", "/bucket", "delete", {}, "DeleteObjects"),
        ("POST", "/bucket", "", {}, "PostObject"),
        ("POST", "/bucket/big", "uploads", {}, "CreateMultipartUpload"),
        ("GET", "/", "", {}, "ListBuckets"),
    ],
)
def test_names_s3_operations_from_method_path_and_query(
    method: str, path: str, query: str, extra: dict[str, str], operation: str
) -> None:
    request = Request(method, path, query=query, headers={**signed("s3"), **extra})
    assert classify(request) == Call("s3", operation)


def test_reads_the_bucket_from_a_virtual_hosted_address() -> None:
    headers = {**signed("s3"), "host": "bucket.localhost:4566"}
    assert classify(Request("GET", "/staging/b1/chunk-0.jsonl", headers=headers)) == Call("s3", "GetObject")
    assert classify(Request("GET", "/", query="list-type=2", headers=headers)) == Call("s3", "ListObjectsV2")


@pytest.mark.parametrize(
    ("operation", "tier"),
    [
        ("PutObject", "put"),
        ("CopyObject", "put"),
        ("PostObject", "put"),
        ("ListObjectsV2", "put"),
        ("DeleteObjects", "put"),
        ("GetObject", "get"),
        ("HeadObject", "get"),
        ("DeleteObject", "free"),
    ],
)
def test_sorts_s3_operations_into_price_tiers(operation: str, tier: str) -> None:
    assert s3_tier(operation) == tier


@pytest.mark.parametrize(
    ("operation", "kind"),
    [
        ("BatchWriteItem", "write"),
        ("UpdateItem", "write"),
        ("Query", "read"),
        ("GetItem", "read"),
        ("DescribeTable", "control"),
    ],
)
def test_tells_dynamodb_reads_from_writes(operation: str, kind: str) -> None:
    assert dynamodb_kind(operation) == kind


def test_every_item_of_a_batch_write_is_a_write() -> None:
    request = {
        "RequestItems": {
            "cards": [
                {"PutRequest": {"Item": {"batch_id": {"S": "b1"}, "row": {"N": "1"}}}},
                {"PutRequest": {"Item": {"batch_id": {"S": "b1"}, "row": {"N": "2"}}}},
            ],
            "main": [{"DeleteRequest": {"Key": {"pk": {"S": "ORG#o"}, "sk": {"S": "BATCH#b1"}}}}],
        }
    }
    items = written_items("BatchWriteItem", request)
    assert [(item.table, item.put, item.transactional) for item in items] == [
        ("cards", True, False),
        ("cards", True, False),
        ("main", False, False),
    ]
    assert items[2].attributes == {"pk": {"S": "ORG#o"}, "sk": {"S": "BATCH#b1"}}


def test_every_item_of_a_transaction_is_a_transactional_write() -> None:
    key = {"pk": {"S": "ORG#o"}, "sk": {"S": "BATCH#b1"}}
    request = {
        "TransactItems": [
            {"Put": {"TableName": "main", "Item": {"pk": {"S": "BATCH#b1"}, "sk": {"S": "GEN#0"}}}},
            {"Update": {"TableName": "main", "Key": key, "UpdateExpression": "ADD n :one"}},
            {
                "ConditionCheck": {
                    "TableName": "main",
                    "Key": key,
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ]
    }
    items = written_items("TransactWriteItems", request)
    assert [(item.put, item.transactional) for item in items] == [(True, True), (False, True), (False, True)]
    assert items[1].attributes == key


def test_reads_write_nothing() -> None:
    assert written_items("Query", {"TableName": "main"}) == []


def test_sizes_an_item_as_dynamodb_does() -> None:
    # names 2+1+4+1 = 8; "ORG#a" 5; 12345 -> (5 digits + 1) // 2 + 1 = 4; BOOL 1; map 3 + (1 + 1 + 2) = 7
    item = {
        "pk": {"S": "ORG#a"},
        "n": {"N": "12345"},
        "flag": {"BOOL": True},
        "m": {"M": {"a": {"S": "xy"}}},
    }
    assert item_size(item) == 8 + 5 + 4 + 1 + 7


def test_sizes_binary_by_its_decoded_bytes_and_lists_with_their_overhead() -> None:
    assert item_size({"b": {"B": "AAEC"}}) == 1 + 3  # base64 of three bytes
    assert item_size({"l": {"L": [{"S": "ab"}, {"NULL": True}]}}) == 1 + 3 + (1 + 2) + (1 + 1)


@pytest.mark.parametrize(
    ("size", "transactional", "units"),
    [(0, False, 1), (1024, False, 1), (1025, False, 2), (3000, False, 3), (1024, True, 2), (1025, True, 4)],
)
def test_write_units_per_started_kilobyte(size: int, transactional: bool, units: int) -> None:
    assert write_units(size, transactional=transactional) == units


def _item(size: int) -> dict[str, Any]:
    """An item of exactly ``size`` bytes: name ``v`` (1) plus a string of ``size - 1``."""
    return {"v": {"S": "x" * (size - 1)}}


def test_read_units_of_a_get_depend_on_consistency_and_size() -> None:
    response = {"Item": _item(5000)}
    assert read_units("GetItem", {"ConsistentRead": True}, response) == 2.0
    assert read_units("GetItem", {}, response) == 1.0
    assert read_units("GetItem", {"ConsistentRead": True}, {}) == 1.0  # a miss is still a read


def test_a_query_rounds_its_total_not_each_item() -> None:
    response = {"Items": [_item(1000)] * 5}  # 5000 bytes: two 4 KB units, not five
    assert read_units("Query", {"ConsistentRead": True}, response) == 2.0
    assert read_units("Query", {}, response) == 1.0


def test_a_batch_get_rounds_each_item_with_its_table_consistency() -> None:
    request = {"RequestItems": {"main": {"ConsistentRead": True}, "cards": {}}}
    response = {"Responses": {"main": [_item(100), _item(100)], "cards": [_item(100)]}}
    assert read_units("BatchGetItem", request, response) == 2.5


def test_writes_are_not_read_units() -> None:
    assert read_units("PutItem", {}, {"Attributes": _item(100)}) == 0.0


def environ(request: Request) -> dict[str, Any]:
    """A WSGI environ as werkzeug builds it from ``request``."""
    headers = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in request.headers.items()}
    return {
        **headers,
        "REQUEST_METHOD": request.method,
        "PATH_INFO": request.path,
        "QUERY_STRING": request.query,
        "CONTENT_TYPE": request.headers.get("content-type", ""),
        "CONTENT_LENGTH": str(len(request.body)),
        "wsgi.input": io.BytesIO(request.body),
    }


def dynamodb_request(operation: str, body: dict[str, Any], agent: str = "Boto3/1.35") -> Request:
    headers = {
        **signed("dynamodb"),
        "x-amz-target": f"DynamoDB_20120810.{operation}",
        "content-type": "application/x-amz-json-1.0",
        "user-agent": agent,
    }
    return Request("POST", "/", headers=headers, body=json.dumps(body).encode())


class Items:
    """An in-memory stand-in for moto's tables: ``cards`` (sparse KEYS_ONLY index ``claims``) and ``main``."""

    schemas = {
        "cards": TableSchema(
            ("batch_id", "row"), (Index("claims", ("claim_day", "claimed_at"), "KEYS_ONLY"),)
        ),
        "main": TableSchema(("pk",)),
    }

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], dict[str, Any]] = {}

    def schema(self, table: str) -> TableSchema | None:
        return self.schemas.get(table)

    def item(self, table: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        return self.items.get((table, json.dumps(key, sort_keys=True)))

    def store(self, table: str, item: dict[str, Any]) -> None:
        self.items[(table, json.dumps(self.schemas[table].key_of(item), sort_keys=True))] = item

    def delete(self, table: str, key: dict[str, Any]) -> None:
        del self.items[(table, json.dumps(key, sort_keys=True))]


def card(row: int, size: int, **extra: dict[str, Any]) -> dict[str, Any]:
    """A card of exactly ``size`` bytes (without ``extra``): batch_id "b" (9), row (5), pad (3 + n)."""
    return {"batch_id": {"S": "b"}, "row": {"N": str(row)}, "pad": {"S": "x" * (size - 17)}, **extra}


CLAIM = {"claim_day": {"S": "2025-06-01"}, "claimed_at": {"S": "2025-06-01T10:00:00Z"}}


def answering(
    status: str,
    body: dict[str, Any],
    seen: list[bytes] | None = None,
    effect: Callable[[], None] = lambda: None,
) -> Callable[..., Iterable[bytes]]:
    """A stand-in for moto: records the body it was given, applies ``effect``, answers ``body``."""

    def app(env: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        (seen if seen is not None else []).append(env["wsgi.input"].read())
        effect()
        start_response(status, [("Content-Type", "application/x-amz-json-1.0")])
        return [json.dumps(body).encode()]

    return app


def send(meter: Meter, request: Request, app: Callable[..., Iterable[bytes]]) -> list[bytes]:
    return list(meter.wrap(app)(environ(request), lambda *_: None))


def test_the_meter_counts_calls_items_and_units_and_passes_the_request_on() -> None:
    items = Items()
    items.store("main", {"pk": {"S": "ORG#o"}, "pad": {"S": "x" * 1495}})  # 2 + 5 + 3 + 1495 = 1505 bytes
    meter = Meter(store=items)
    new_cards = [card(1, 1500), card(2, 200)]
    body = {
        "RequestItems": {
            "cards": [{"PutRequest": {"Item": item}} for item in new_cards],
            "main": [{"DeleteRequest": {"Key": {"pk": {"S": "ORG#o"}}}}],
        }
    }

    def apply() -> None:
        for item in new_cards:
            items.store("cards", item)
        items.delete("main", {"pk": {"S": "ORG#o"}})

    request = dynamodb_request("BatchWriteItem", body)
    seen: list[bytes] = []
    answer = send(meter, request, answering("200 OK", {"UnprocessedItems": {}}, seen, apply))
    assert seen == [request.body]  # moto still reads the whole body
    assert answer == [b'{"UnprocessedItems": {}}']
    assert meter.calls == {Call("dynamodb", "BatchWriteItem"): 1}
    assert meter.dynamodb.item_writes == {"cards": 2, "main": 1}
    assert meter.dynamodb.write_units == {"cards": 2 + 1, "main": 2}  # new cards: 1500 B -> 2, 200 B -> 1
    assert meter.dynamodb.index_writes == {}  # unclaimed cards are not in the sparse index
    assert meter.dynamodb.largest_item_written == 1505


def test_an_update_is_billed_by_the_larger_of_the_item_before_and_after() -> None:
    items = Items()
    items.store("cards", card(1, 900))
    meter = Meter(store=items)
    request = dynamodb_request(
        "UpdateItem", {"TableName": "cards", "Key": {"batch_id": {"S": "b"}, "row": {"N": "1"}}}
    )
    send(meter, request, answering("200 OK", {}, effect=lambda: items.store("cards", card(1, 2100))))
    assert meter.dynamodb.write_units == {"cards": 3}


def test_index_entries_added_and_removed_are_billed_as_writes() -> None:
    items = Items()
    items.store("cards", card(1, 500))
    meter = Meter(store=items)
    request = dynamodb_request(
        "UpdateItem", {"TableName": "cards", "Key": {"batch_id": {"S": "b"}, "row": {"N": "1"}}}
    )
    send(meter, request, answering("200 OK", {}, effect=lambda: items.store("cards", card(1, 500, **CLAIM))))
    assert meter.dynamodb.index_writes == {"cards claims": 1}  # claimed: an entry in the sparse index
    send(meter, request, answering("200 OK", {}, effect=lambda: items.store("cards", card(1, 600))))
    assert meter.dynamodb.index_writes == {"cards claims": 2}  # sent: the entry is removed
    assert meter.dynamodb.item_writes == {"cards": 2}
    assert meter.dynamodb.write_units == {"cards": 2, "cards claims": 2}


@pytest.mark.parametrize(
    ("index", "before", "after", "sizes"),
    # entry sizes: "pk"+"a" 3, "k"+"b" 2, "k"+"cc" 3, "x"/"y"+"22" 3
    [
        (Index("i", ("k",), "KEYS_ONLY"), {"pk": {"S": "a"}}, {"pk": {"S": "a"}, "k": {"S": "b"}}, [5]),
        (Index("i", ("k",), "KEYS_ONLY"), {"pk": {"S": "a"}, "k": {"S": "b"}}, {"pk": {"S": "a"}}, [5]),
        (
            Index("i", ("k",), "KEYS_ONLY"),
            {"pk": {"S": "a"}, "k": {"S": "b"}},
            {"pk": {"S": "a"}, "k": {"S": "cc"}},
            [5, 6],
        ),
        (
            Index("i", ("k",), "KEYS_ONLY"),
            {"pk": {"S": "a"}, "k": {"S": "b"}, "x": {"S": "1"}},
            {"pk": {"S": "a"}, "k": {"S": "b"}, "x": {"S": "2"}},
            [],
        ),
        (
            Index("i", ("k",), "INCLUDE", frozenset({"x"})),
            {"pk": {"S": "a"}, "k": {"S": "b"}, "x": {"S": "1"}},
            {"pk": {"S": "a"}, "k": {"S": "b"}, "x": {"S": "22"}},
            [8],
        ),
        (
            Index("i", ("k",)),
            {"pk": {"S": "a"}, "k": {"S": "b"}, "y": {"S": "1"}},
            {"pk": {"S": "a"}, "k": {"S": "b"}, "y": {"S": "22"}},
            [8],
        ),
        (Index("i", ("k",)), None, {"pk": {"S": "a"}}, []),
    ],
    ids=[
        "added",
        "removed",
        "key changed",
        "unprojected change",
        "included change",
        "all projected",
        "not indexed",
    ],
)
def test_index_writes_follow_what_the_index_holds(
    index: Index, before: dict[str, Any] | None, after: dict[str, Any], sizes: list[int]
) -> None:
    assert index_write_sizes(index, ("pk",), before, after) == sizes


def test_a_failed_conditional_write_is_still_billed_and_shown_as_an_error() -> None:
    items = Items()
    items.store("cards", card(1, 300, **CLAIM))
    meter = Meter(store=items)
    request = dynamodb_request(
        "UpdateItem", {"TableName": "cards", "Key": {"batch_id": {"S": "b"}, "row": {"N": "1"}}}
    )
    failure = {"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}
    send(meter, request, answering("400 Bad Request", failure))
    assert meter.errors == {Call("dynamodb", "UpdateItem"): 1}
    assert meter.dynamodb.write_units == {"cards": 1}  # nothing changed: no index write


def test_the_meter_counts_read_units_from_the_response() -> None:
    meter = Meter(store=Items())
    request = dynamodb_request("Query", {"TableName": "cards", "ConsistentRead": True})
    send(meter, request, answering("200 OK", {"Items": [_item(3000), _item(3000)]}))
    assert meter.dynamodb.read_units == 2.0
    assert meter.dynamodb.item_writes == {}


def test_the_meter_names_items_with_the_given_kind() -> None:
    meter = Meter(store=Items(), item_kind=lambda item: f"{item.table} {item.attributes['pk']['S'][:4]}")
    request = dynamodb_request("PutItem", {"TableName": "main", "Item": {"pk": {"S": "RATE#email"}}})
    send(meter, request, answering("200 OK", {}))
    assert meter.dynamodb.item_writes == {"main RATE": 1}


def test_the_observer_is_not_counted() -> None:
    meter = Meter(store=Items())
    request = dynamodb_request("GetItem", {"TableName": "main"}, agent=f"Boto3/1.35 {OBSERVER_AGENT}")
    send(meter, request, answering("200 OK", {}))
    assert meter.calls == {}


def test_other_services_are_counted_without_touching_the_body() -> None:
    meter = Meter(store=Items())
    request = Request(
        "PUT", "/bucket/drop/p/file.csv", headers={**signed("s3"), "content-type": "text/csv"}, body=b"a,b"
    )
    seen: list[bytes] = []
    send(meter, request, answering("200 OK", {}, seen))
    assert seen == [b"a,b"]
    assert meter.calls == {Call("s3", "PutObject"): 1}


def test_reading_the_environ_puts_a_form_body_back() -> None:
    body = b"Action=Publish&Message=hi"
    env = environ(
        Request("POST", "/", headers={"content-type": "application/x-www-form-urlencoded"}, body=body)
    )
    assert request_from_environ(env).body == body
    assert env["wsgi.input"].read() == body


def test_usage_gathers_the_billable_quantities_of_a_run() -> None:
    meter = Meter(store=Items())
    meter.calls.update(
        {
            Call("s3", "PutObject"): 3,
            Call("s3", "ListObjectsV2"): 1,
            Call("s3", "GetObject"): 5,
            Call("s3", "DeleteObject"): 7,
            Call("sesv2", "SendEmail"): 10,
            Call("sns", "Publish"): 4,
            Call("sns", "CreateTopic"): 1,
            Call("secretsmanager", "GetSecretValue"): 2,
            Call("lambda", "Invoke"): 9,  # billed as Lambda requests, from the invocations
        }
    )
    meter.dynamodb.write_units.update({"cards": 30, "main": 4})
    meter.dynamodb.read_units = 2.5
    usage = meter.usage(
        [("send", 0.5), ("send", 0.25), ("api", 0.1)], {"send": 1024, "api": 512}, transitions=29
    )
    assert usage == Usage(
        dynamodb_write_units=34,
        dynamodb_read_units=2.5,
        lambda_requests=3,
        lambda_gb_seconds=0.75 + 0.05,
        state_transitions=29,
        s3_put_requests=4,
        s3_get_requests=5,
        secretsmanager_calls=2,
        sns_publishes=4,
        sesv2_requests=10,
    )


def test_gb_seconds_round_each_invocation_up_to_the_millisecond() -> None:
    assert gb_seconds([("f", 0.0101), ("f", 0.002)], {"f": 512}) == pytest.approx((0.011 + 0.002) * 0.5)


def test_state_transitions_are_the_states_entered() -> None:
    events = [
        {"type": "ExecutionStarted"},
        {"type": "MapStateEntered"},
        {"type": "MapIterationStarted"},
        {"type": "TaskStateEntered"},
        {"type": "TaskStateExited"},
        {"type": "ChoiceStateEntered"},
        {"type": "SucceedStateEntered"},
        {"type": "ExecutionSucceeded"},
    ]
    assert state_transitions(events) == 4


def test_prices_a_run_per_million_recipients_by_hand() -> None:
    # A 10,000-recipient run, scaled by 100 to a million; prices in USD per unit.
    run = Usage(
        dynamodb_write_units=30_000,
        dynamodb_read_units=2_000,
        lambda_requests=25,
        lambda_gb_seconds=200,
        state_transitions=30,
        s3_put_requests=12,
        s3_get_requests=12,
        secretsmanager_calls=20,
        sesv2_requests=10_000,
    )
    prices = {
        "dynamodb_write_units": 0.625e-6,
        "dynamodb_read_units": 0.125e-6,
        "lambda_requests": 0.2e-6,
        "lambda_gb_seconds": 0.0000133334,
        "state_transitions": 0.000025,
        "s3_put_requests": 0.000005,
        "s3_get_requests": 0.0000004,
        "secretsmanager_calls": 0.000005,
        "sns_publishes": 0.5e-6,
        "sesv2_requests": 0.0,
    }
    costs = cost_usd(run.scaled(100), prices)
    # 3,000,000 WRU x $0.625/M = 1.875; 200,000 RRU x $0.125/M = 0.025; 2,500 requests x $0.2/M = 0.0005;
    # 20,000 GB-s x 0.0000133334 = 0.266668; 3,000 transitions x 0.000025 = 0.075; 1,200 PUT x 0.000005
    # = 0.006; 1,200 GET x 0.0000004 = 0.00048; 2,000 secret reads x 0.000005 = 0.01
    assert costs == pytest.approx(
        {
            "dynamodb_write_units": 1.875,
            "dynamodb_read_units": 0.025,
            "lambda_requests": 0.0005,
            "lambda_gb_seconds": 0.266668,
            "state_transitions": 0.075,
            "s3_put_requests": 0.006,
            "s3_get_requests": 0.00048,
            "secretsmanager_calls": 0.01,
            "sns_publishes": 0.0,
            "sesv2_requests": 0.0,
        }
    )
    assert sum(costs.values()) == pytest.approx(2.258648)


def test_a_missing_price_fails_instead_of_costing_nothing() -> None:
    with pytest.raises(KeyError, match="dynamodb_read_units"):
        cost_usd(Usage(), {"dynamodb_write_units": 1.0})


def test_a_projected_or_filtered_read_is_billed_for_the_whole_items_it_examined() -> None:
    """DynamoDB bills a Query by the items it reads, before its projection and its filter: the
    meter asks again without them (counting only the request the application made)."""
    meter = Meter(store=Items())
    body = {
        "TableName": "cards",
        "KeyConditionExpression": "batch_id = :b AND #row BETWEEN :first AND :last",
        "FilterExpression": "#status = :sending",
        "ProjectionExpression": "#row, claimed_at",
        "ExpressionAttributeNames": {"#row": "row", "#status": "status"},
        "ExpressionAttributeValues": {
            ":b": {"S": "b"},
            ":first": {"N": "0"},
            ":last": {"N": "9"},
            ":sending": {"S": "sending"},
        },
        "ConsistentRead": True,
    }
    seen: list[bytes] = []

    def app(env: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        asked = json.loads(env["wsgi.input"].read())
        seen.append(asked)
        start_response("200 OK", [])
        whole = "ProjectionExpression" not in asked
        items = [_item(3000), _item(3000)] if whole else [{"row": {"N": "1"}}]
        return [json.dumps({"Items": items}).encode()]

    answer = send(meter, dynamodb_request("Query", body), app)
    assert json.loads(answer[0]) == {"Items": [{"row": {"N": "1"}}]}  # the application's answer
    assert meter.dynamodb.read_units == 2.0  # 6,000 bytes examined, consistent
    assert meter.calls == {Call("dynamodb", "Query"): 1}
    assert seen[1] == {
        "TableName": "cards",
        "KeyConditionExpression": "batch_id = :b AND #row BETWEEN :first AND :last",
        "ExpressionAttributeNames": {"#row": "row"},
        "ExpressionAttributeValues": {":b": {"S": "b"}, ":first": {"N": "0"}, ":last": {"N": "9"}},
        "ConsistentRead": True,
    }
