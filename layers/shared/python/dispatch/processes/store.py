"""Processes in the main table.

Item: ``pk=ORG#<org>``, ``sk=PROCESS#<id>``; ``gsi1pk=PROCESS#<id>`` finds a process by id alone
(an S3 drop names only the process).
"""

from __future__ import annotations

from typing import Any

from dispatch import aws
from dispatch.config import Settings
from dispatch.dynamo import (
    conflict_on_condition,
    from_dynamo,
    owner_by_id,
    query_page,
    to_dynamo,
)
from dispatch.errors import NotFound
from dispatch.processes.models import Process


class ProcessStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.main_table)

    def create(self, process: Process) -> None:
        item = {
            "pk": f"ORG#{process.org_id}",
            "sk": f"PROCESS#{process.id}",
            "gsi1pk": f"PROCESS#{process.id}",
            "gsi1sk": "PROCESS",
            **to_dynamo(process.model_dump(mode="json")),
        }
        with conflict_on_condition("the process already exists"):
            self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")

    def get(self, org_id: str, process_id: str) -> Process:
        item = self._table.get_item(Key={"pk": f"ORG#{org_id}", "sk": f"PROCESS#{process_id}"}).get("Item")
        if not item:
            raise NotFound("no such process", {"process_id": process_id})
        return _process(item)

    def find(self, process_id: str) -> Process:
        """A process by id alone, whatever its organisation (for S3 drops)."""
        org_id = owner_by_id(self._table, f"PROCESS#{process_id}")
        if org_id is None:
            raise NotFound("no such process", {"process_id": process_id})
        return self.get(org_id, process_id)

    def update(self, org_id: str, process_id: str, values: dict[str, Any]) -> None:
        """Set the given settings (attribute name → JSON value), the rest untouched."""
        names = {f"#f{n}": name for n, name in enumerate(values)}
        with conflict_on_condition("no such process"):
            self._table.update_item(
                Key={"pk": f"ORG#{org_id}", "sk": f"PROCESS#{process_id}"},
                UpdateExpression="SET " + ", ".join(f"#f{n} = :f{n}" for n in range(len(values))),
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={
                    f":f{n}": to_dynamo(value) for n, value in enumerate(values.values())
                },
            )

    def set_state(self, org_id: str, process_id: str, state: str) -> None:
        with conflict_on_condition("the process changed meanwhile"):
            self._table.update_item(
                Key={"pk": f"ORG#{org_id}", "sk": f"PROCESS#{process_id}"},
                UpdateExpression="SET #state = :state",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":state": state},
            )

    def list(self, org_id: str, limit: int, cursor: str | None) -> tuple[list[Process], str | None]:
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": f"ORG#{org_id}", ":prefix": "PROCESS#"},
            "Limit": limit,
        }
        items, next_cursor = query_page(self._table, query, cursor)
        return [_process(item) for item in items], next_cursor


def _process(item: dict[str, Any]) -> Process:
    return Process.model_validate(from_dynamo(item))
