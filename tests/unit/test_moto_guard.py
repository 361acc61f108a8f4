"""The moto patches the local stack and the tests rely on."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from moto.core import routing

from local.moto_guard import serialise_router_creation


def test_a_services_router_is_built_once_however_many_first_requests_arrive_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Building one compiles a werkzeug map with ``ast.parse``, which CPython 3.11.7 cannot do in
    several threads at once (a sender's pool of first SES calls failed a test that way)."""
    serialise_router_creation()
    built: list[int] = []
    original = routing.get_router_class

    def counting(service: str, protocol: str) -> Any:
        router_class = original(service, protocol)
        assert router_class is not None

        def build(model: Any) -> Any:
            built.append(threading.get_ident())
            return router_class(model)

        return build

    monkeypatch.setattr(routing, "get_router_class", counting)
    router = routing.ServiceOperationRouter(routing.get_service_model("sesv2"))
    start = threading.Barrier(12)

    def first_request() -> None:
        start.wait()
        router._get_router("rest-json")

    threads = [threading.Thread(target=first_request) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1


def test_a_query_reads_its_partition_only_and_answers_as_before() -> None:
    """The shared local stack's table holds every organisation's items; a query must cost its own
    partition, as in DynamoDB, and answer exactly what moto's unpatched query answers."""
    import boto3
    from moto import mock_aws
    from moto.dynamodb.models.table import Table

    from local.moto_guard import partition_queries

    def answers(client: Any) -> list[Any]:
        pages = []
        request: dict[str, Any] = {
            "TableName": "t",
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "FilterExpression": "#state IN (:a, :b)",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {
                ":pk": {"S": "ORG#a"},
                ":prefix": {"S": "BATCH#"},
                ":a": {"S": "sent"},
                ":b": {"S": "pending"},
            },
            "ScanIndexForward": False,
            "Limit": 7,
        }
        while True:
            page = client.query(**request)
            pages.append([item["sk"]["S"] for item in page["Items"]])
            if "LastEvaluatedKey" not in page:
                return pages
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for org in ("a", "b"):
            for index in range(30):
                state = ("sent", "pending", "failed")[index % 3]
                item = {"pk": {"S": f"ORG#{org}"}, "sk": {"S": f"BATCH#{index:03d}"}, "state": {"S": state}}
                client.put_item(TableName="t", Item=item)
        before = answers(client)
        partition_queries()
        walked: list[int] = []
        original = Table.all_items

        def counting(self: Any) -> Any:
            items = original(self)
            walked.append(len(items))
            return items

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(Table, "all_items", counting)
            after = answers(client)
    assert after == before
    assert [len(page) for page in after] == [4, 5, 5, 4, 2]  # filtered after each read of 7, as DynamoDB does
    assert before[0][0] == "BATCH#028"  # newest first; 029 is failed
    assert walked
    assert max(walked) == 30  # the partition's 30 items, never the table's 60
