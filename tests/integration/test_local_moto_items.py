"""The local stack's fast path for moto's DynamoDB items (local/moto_guard.py ``fast_items``)
changes no result: every attribute type comes back as written (binary included, which takes moto's
own path), through PutItem, BatchWriteItem, GetItem and Query with a filter; an item over 400 KB is
still refused, whether it is written whole or grows past the limit by an update."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local.moto_guard import fast_items

ITEM: dict[str, Any] = {
    "pk": {"S": "org#01"},
    "id": {"S": "a"},
    "empty": {"S": ""},
    "number": {"N": "1.50"},
    "flag": {"BOOL": False},
    "nothing": {"NULL": True},
    "strings": {"SS": ["x", "y"]},
    "numbers": {"NS": ["1", "2"]},
    "blob": {"B": b"\x00\xff"},
    "blobs": {"BS": [b"\x01"]},
    "nested": {"M": {"list": {"L": [{"N": "2"}, {"S": "é"}, {"B": b"zz"}, {"M": {}}]}}},
}


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    fast_items()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "id", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "id", "AttributeType": "S"},
            ],
        )
        yield client


def test_every_attribute_type_comes_back_as_written(dynamodb: Any) -> None:
    dynamodb.put_item(TableName="t", Item=ITEM)
    second = {**ITEM, "id": {"S": "b"}, "flag": {"BOOL": True}}
    dynamodb.batch_write_item(RequestItems={"t": [{"PutRequest": {"Item": second}}]})
    assert dynamodb.get_item(TableName="t", Key={"pk": ITEM["pk"], "id": ITEM["id"]})["Item"] == ITEM
    found = dynamodb.query(
        TableName="t",
        KeyConditionExpression="pk = :pk",
        FilterExpression="flag = :flag AND contains(strings, :x)",
        ExpressionAttributeValues={":pk": {"S": "org#01"}, ":flag": {"BOOL": True}, ":x": {"S": "x"}},
    )
    assert (found["Count"], found["ScannedCount"], found["Items"]) == (1, 2, [second])


def test_an_item_over_400_kb_is_still_refused(dynamodb: Any) -> None:
    key = {"pk": {"S": "org#01"}, "id": {"S": "big"}}
    with pytest.raises(ClientError) as whole:
        dynamodb.put_item(TableName="t", Item={**key, "a": {"S": "x" * 300_000}, "b": {"S": "y" * 110_000}})
    assert "Item size has exceeded the maximum allowed size" in str(whole.value)
    dynamodb.put_item(TableName="t", Item={**key, "a": {"S": "x" * 300_000}})
    with pytest.raises(ClientError) as grown:
        dynamodb.update_item(
            TableName="t",
            Key=key,
            UpdateExpression="SET b = :b",
            ExpressionAttributeValues={":b": {"S": "y" * 110_000}},
        )
    assert "Item size" in str(grown.value)
