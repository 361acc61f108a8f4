"""Contacts in the contacts table, and the organisation's attribute schema in the main table.

Contacts table items (docs/data-model.md): ``pk=<org>#<shard>`` (16 shards, ``shard_of(id)``),
``id`` (sort key) = the contact id. An organisation's contacts are 16 partitions, so a count or a
working list reads them as 16 parallel segments; each segment is one key range, read in 1 MB pages
with the filter applied by DynamoDB (a count transfers no contact at all: ``Select=COUNT``).
The organisation is in every key: another organisation's contact is simply not found.

Attribute schema: ``pk=ORG#<org>``, ``sk=CONTACT_SCHEMA``, ``attributes`` = name → type; an
attribute's type is set once (by its first import or contact) and every later value must fit it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from boto3.dynamodb.types import TypeSerializer

from dispatch import aws
from dispatch.config import Settings
from dispatch.contacts.filters import Compiled
from dispatch.contacts.models import SHARDS, AttributeType, Contact, shard_of
from dispatch.dynamo import applied, decode_cursor, encode_cursor, from_dynamo, to_dynamo
from dispatch.errors import NotFound

_SERIALIZER = TypeSerializer()
PAGE_READS = 2 * SHARDS  # DynamoDB pages (1 MB each) a list page may read looking for matches


def partition(org_id: str, shard: int) -> str:
    return f"{org_id}#{shard:02d}"


def key(org_id: str, identifier: str) -> dict[str, str]:
    return {"pk": partition(org_id, shard_of(identifier)), "id": identifier}


def item_of(contact: Contact) -> dict[str, Any]:
    body = contact.model_dump(mode="json", exclude_none=True)
    if not body.get("tags"):
        body.pop("tags", None)
    return {"pk": partition(contact.org_id, shard_of(contact.id)), **to_dynamo(body)}


def contact_of(item: Mapping[str, Any]) -> Contact:
    plain = from_dynamo(dict(item))
    plain.pop("pk", None)
    return Contact.model_validate(plain)


class ContactStore:
    def __init__(self, settings: Settings) -> None:
        self._name = settings.contacts_table
        self._table = aws.dynamodb_table(settings.contacts_table)
        self._main = aws.dynamodb_table(settings.main_table)

    def get(self, org_id: str, contact_id: str) -> Contact:
        if shard_of(contact_id) < 0:
            raise NotFound("no such contact")
        item = self._table.get_item(Key=key(org_id, contact_id), ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("no such contact", {"contact_id": contact_id})
        return contact_of(item)

    def create(self, contact: Contact) -> bool:
        """False when the organisation already has a contact with this external id."""
        return applied(
            lambda: self._table.put_item(
                Item=item_of(contact), ConditionExpression="attribute_not_exists(pk)"
            )
        )

    def replace(self, contact: Contact) -> bool:
        """False when the contact does not exist (any more)."""
        return applied(
            lambda: self._table.put_item(Item=item_of(contact), ConditionExpression="attribute_exists(pk)")
        )

    def delete(self, org_id: str, contact_id: str) -> bool:
        if shard_of(contact_id) < 0:
            return False
        return applied(
            lambda: self._table.delete_item(
                Key=key(org_id, contact_id), ConditionExpression="attribute_exists(pk)"
            )
        )

    def get_many(self, org_id: str, contact_ids: Iterable[str]) -> dict[str, Contact]:
        """The contacts of these ids that exist (BatchGetItem, 100 keys a call)."""
        wanted = list(dict.fromkeys(contact_ids))
        found: dict[str, Contact] = {}
        resource = aws.dynamodb_resource()
        for start in range(0, len(wanted), 100):
            request: dict[str, Any] = {
                self._name: {"Keys": [key(org_id, identifier) for identifier in wanted[start : start + 100]]}
            }
            while request:
                response = resource.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._name, []):
                    contact = contact_of(item)
                    found[contact.id] = contact
                request = response.get("UnprocessedKeys") or {}
        return found

    def put_many(self, contacts: Iterable[Contact]) -> None:
        """Whole contacts, 25 to a BatchWriteItem (unprocessed items retried by boto3)."""
        with self._table.batch_writer() as writer:
            for contact in contacts:
                writer.put_item(Item=item_of(contact))

    def page(
        self, org_id: str, compiled: Compiled | None, limit: int, cursor: str | None
    ) -> tuple[list[Contact], str | None]:
        """Up to ``limit`` matches from where ``cursor`` left off (shard by shard, in id order).
        DynamoDB pages are read whole (1 MB) and cut at ``limit``, the cursor then naming the last
        contact returned; a page reads at most ``PAGE_READS`` of them, so a rare match may leave it
        short, with a cursor to go on."""
        position = decode_cursor(cursor) or {"shard": 0}
        shard = int(position.get("shard", 0))
        start = position.get("key")
        found: list[Contact] = []
        reads = 0
        while shard < SHARDS and len(found) < limit and reads < PAGE_READS:
            request = _resource_values(_query(org_id, shard, compiled))
            if start:
                request["ExclusiveStartKey"] = start
            response = self._table.query(**request)
            reads += 1
            items = response.get("Items", [])
            room = limit - len(found)
            if len(items) > room:
                found.extend(contact_of(item) for item in items[:room])
                start = {"pk": items[room - 1]["pk"], "id": items[room - 1]["id"]}
                break
            found.extend(contact_of(item) for item in items)
            start = response.get("LastEvaluatedKey")
            if not start:
                shard += 1
        if shard >= SHARDS:
            return found, None
        return found, encode_cursor({"shard": shard, **({"key": start} if start else {})})

    def count(self, org_id: str, compiled: Compiled | None) -> int:
        """The exact number of matches: the 16 shards counted in parallel by DynamoDB itself."""
        with ThreadPoolExecutor(max_workers=SHARDS, thread_name_prefix="count") as pool:
            return sum(pool.map(lambda shard: self._count(org_id, shard, compiled), range(SHARDS)))

    def _count(self, org_id: str, shard: int, compiled: Compiled | None) -> int:
        client = aws.client("dynamodb")
        request = _client_values(
            {**_query(org_id, shard, compiled), "TableName": self._name, "Select": "COUNT"}
        )
        total = 0
        while True:
            response = client.query(**request)
            total += int(response["Count"])
            if "LastEvaluatedKey" not in response:
                return total
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def matching(self, org_id: str, shard: int, compiled: Compiled | None) -> Iterator[Contact]:
        """Every match in one shard, in id order, a DynamoDB page (1 MB read) at a time."""
        request = _resource_values(_query(org_id, shard, compiled))
        while True:
            response = self._table.query(**request)
            yield from (contact_of(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def schema(self, org_id: str) -> dict[str, AttributeType]:
        item = self._main.get_item(Key={"pk": f"ORG#{org_id}", "sk": "CONTACT_SCHEMA"}, ConsistentRead=True)
        return {
            name: AttributeType(kind) for name, kind in (item.get("Item", {}).get("attributes") or {}).items()
        }

    def add_attributes(
        self, org_id: str, attributes: Mapping[str, AttributeType]
    ) -> dict[str, AttributeType]:
        """Record the types of new attributes (a known attribute keeps the type it has); the schema."""
        table_key = {"pk": f"ORG#{org_id}", "sk": "CONTACT_SCHEMA"}
        if attributes:
            self._main.update_item(
                Key=table_key,
                UpdateExpression="SET attributes = if_not_exists(attributes, :empty)",
                ExpressionAttributeValues={":empty": {}},
            )
            names = {f"#a{i}": name for i, name in enumerate(attributes)}
            values = {f":t{i}": kind.value for i, kind in enumerate(attributes.values())}
            self._main.update_item(
                Key=table_key,
                UpdateExpression="SET "
                + ", ".join(
                    f"attributes.#a{i} = if_not_exists(attributes.#a{i}, :t{i})" for i in range(len(names))
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        return self.schema(org_id)


def _query(org_id: str, shard: int, compiled: Compiled | None) -> dict[str, Any]:
    request: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": partition(org_id, shard)},
    }
    if compiled is not None:
        request["FilterExpression"] = compiled.expression
        request["ExpressionAttributeValues"].update(compiled.values)
        if compiled.names:
            request["ExpressionAttributeNames"] = dict(compiled.names)
    return request


def _resource_values(request: dict[str, Any]) -> dict[str, Any]:
    return {**request, "ExpressionAttributeValues": to_dynamo(request["ExpressionAttributeValues"])}


def _client_values(request: dict[str, Any]) -> dict[str, Any]:
    values = to_dynamo(request["ExpressionAttributeValues"])
    return {
        **request,
        "ExpressionAttributeValues": {name: _SERIALIZER.serialize(value) for name, value in values.items()},
    }
