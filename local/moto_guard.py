"""Where moto is not safe under concurrent requests, and AWS is, the local stack and the tests patch it.

moto's in-memory DynamoDB is not thread-safe: a query can iterate an item while another thread
updates it ("dictionary changed size during iteration"). Real DynamoDB is. The local stack (and
tests with concurrent senders) let moto answer one DynamoDB request at a time; the application's
own concurrency is untouched. DynamoDB requests never call back into other services, so the lock
cannot deadlock. More patches: failed transactions roll back item by item, a query reads its own
partition only, each service's request router is built once under a lock, and two of moto's costs
per item that grow with a table's size of items (not with anything DynamoDB does) are cut
(:func:`fast_items`), as are moto's SQS costs per message that grow with the queue's length
(:func:`fast_queues`) and its server's search for each request's service (:func:`fast_dispatch`)."""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.RLock()
_installed = False
_transactions_patched = False
_routers_patched = False
_partitions_patched = False
_items_patched = False
_queues_patched = False
_dispatch_patched = False
_partition = threading.local()


def serialise_dynamodb() -> None:
    """Idempotent: wrap moto's DynamoDB request handling in one process-wide lock."""
    global _installed  # noqa: PLW0603 - a process-wide patch, applied once
    if _installed:
        return
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _LOCK:
            return original(self)

    setattr(DynamoHandler, "call_action", call_action)  # noqa: B010 - a patch
    _installed = True


def item_level_transactions() -> None:
    """Idempotent: moto rolls a failed TransactWriteItems back by deep-copying every table it
    touches before each transaction — a cost proportional to the table (seconds per transaction
    once a table holds 10,000 cards). This keeps moto's own logic but snapshots only the items the
    transaction names, and restores those on failure: the same outcome, at the cost of the items."""
    global _transactions_patched  # noqa: PLW0603 - a process-wide patch, applied once
    if _transactions_patched:
        return
    import copy
    import types

    from moto.dynamodb import models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    def shallow_for_tables(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    # The module's own name for ``copy``: only its table snapshots become references.
    setattr(models, "copy", types.SimpleNamespace(deepcopy=shallow_for_tables))  # noqa: B010 - a patch
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Any, DynamoType, DynamoType | None, Any]] = []
        for entry in transact_items:
            _, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            key = op.get("Key") or {
                name: op["Item"][name] for name in (table.hash_key_attr, table.range_key_attr) if name
            }
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
            current = table.get_item(hash_value, range_value)
            saved.append((table, hash_value, range_value, copy.deepcopy(current)))
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                if item is None:
                    table.delete_item(hash_value, range_value)
                elif range_value is not None:
                    table.items[hash_value][range_value] = item
                else:
                    table.items[hash_value] = item
            raise

    setattr(models.DynamoDBBackend, "transact_write_items", transact_write_items)  # noqa: B010 - a patch
    _transactions_patched = True


def partition_queries() -> None:
    """Idempotent: moto answers a table query by walking every item of the table to find the
    partition's — a cost that grows with everything the shared local stack ever stored (10,000
    batches of one organisation slow every other organisation's list). DynamoDB reads the
    partition alone. This hands moto's own query logic (sorting, paging, filters, limits, all
    unchanged) only the queried partition's items; index queries are left as they are."""
    global _partitions_patched  # noqa: PLW0603 - a process-wide patch, applied once
    if _partitions_patched:
        return
    from moto.dynamodb.models.table import Table

    original_query = Table.query
    original_all_items = Table.all_items

    def all_items(self: Any) -> Any:
        scope = getattr(_partition, "scope", None)
        if scope is None or scope[0] is not self:
            return original_all_items(self)
        stored = self.items.get(scope[1])
        if stored is None:
            return []
        return list(stored.values()) if self.range_key_attr else [stored]

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name or hash_key is None:
            return original_query(self, hash_key, *args, **kwargs)
        _partition.scope = (self, hash_key)
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _partition.scope = None

    setattr(Table, "all_items", all_items)  # noqa: B010 - a patch
    setattr(Table, "query", query)  # noqa: B010 - a patch
    _partitions_patched = True


def serialise_router_creation() -> None:
    """Idempotent: moto builds a service's request router (a werkzeug URL map, compiled with
    ``ast.parse``) on the first request for that service. Concurrent first requests — a sender's
    pool of SES calls — compile at once, and CPython 3.11 before 3.11.8 can fail concurrent
    ``ast.parse`` calls ("AST constructor recursion depth mismatch", cpython#106905). One lock around
    the (one-time) creation; requests after it are untouched."""
    global _routers_patched  # noqa: PLW0603 - a process-wide patch, applied once
    if _routers_patched:
        return
    from moto.core.routing import ServiceOperationRouter

    original = ServiceOperationRouter._get_router
    lock = threading.Lock()

    def get_router(self: Any, protocol: str) -> Any:
        with lock:
            return original(self, protocol)

    setattr(ServiceOperationRouter, "_get_router", get_router)  # noqa: B010 - a patch
    _routers_patched = True


# The members of a DynamoDB AttributeValue that JSON carries as they are (B and BS are base64'd).
_PLAIN_MEMBERS = frozenset({"S", "N", "SS", "NS", "M", "L", "NULL", "BOOL"})


def _plain_attribute(value: Any) -> bool:
    """An AttributeValue in its wire form already, with no binary anywhere in it."""
    if type(value) is not dict or len(value) != 1:
        return False
    (member, inner), *_ = value.items()
    if member not in _PLAIN_MEMBERS:
        return False
    if member == "M":
        return type(inner) is dict and all(_plain_attribute(v) for v in inner.values())
    if member == "L":
        return type(inner) is list and all(_plain_attribute(v) for v in inner)
    if member in {"SS", "NS"}:
        return type(inner) is list and all(type(v) is str for v in inner)
    return type(inner) in {str, bool}


def fast_items() -> None:
    """Idempotent: two of moto's DynamoDB costs per item, measured by bench/communication.py (100,000
    contacts materialised into a batch on the local stack), cut without changing a result:

    - moto checks an item's 400 KB limit as it builds the item, summing the sizes of all the
      attributes set so far at each attribute: quadratic in the attributes (a contact or a card
      has 15-30). The item is built the same way and its total size checked once — the same limit
      and error, since the last partial sum was the largest.
    - moto's request parser and response serializer walk botocore's shapes for every attribute
      of every item written or read (the serializer: about 5 ms an item of 15 attributes a query
      returns). An AttributeValue is in its JSON wire form on both sides; one with no binary in
      it (B, BS: base64 on the wire, bytes inside moto) is passed on as it is, the rest take the
      walk as before.
    """
    global _items_patched  # noqa: PLW0603 - a process-wide patch, applied once
    if _items_patched:
        return
    from moto.core.parse import BaseJSONParser
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def item_init(self: Any, hash_key: Any, range_key: Any, attrs: dict[str, Any]) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > 405000:
            raise ItemSizeTooLarge
        self.attrs = LimitedSizeDict()
        dict.update(self.attrs, values)  # each later change is still checked by LimitedSizeDict

    original_structure = BaseJSONSerializer._serialize_type_structure

    def serialize_structure(self: Any, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if key and shape.name == "AttributeValue" and _plain_attribute(value):
            self._default_serialize(serialized, value, shape, key)
            return
        original_structure(self, serialized, value, shape, key)

    original_parse: Any = BaseJSONParser._parse_structure  # untyped in moto

    def parse_structure(self: Any, shape: Any, value: Any) -> Any:
        if shape.name == "AttributeValue" and _plain_attribute(value):
            return value
        return original_parse(self, shape, value)

    setattr(Item, "__init__", item_init)  # noqa: B010 - a patch
    setattr(BaseJSONSerializer, "_serialize_type_structure", serialize_structure)  # noqa: B010 - a patch
    setattr(BaseJSONParser, "_parse_structure", parse_structure)  # noqa: B010 - a patch
    _items_patched = True


def fast_queues() -> None:
    """Idempotent: moto's SQS costs per message that grow with the queue (a delivery-events queue
    holds thousands while a chunk is sent), cut without changing a result:

    - deleting a message walks the queue twice, building each message's list of receipt handles
      at every step, then rebuilds the queue: a cost per deleted message proportional to the
      queue. Here one walk finds the message (receipt handles are unique: ``generate_receipt_handle``
      is random) and the queue is rebuilt without it, as moto does.
    - every receive and attribute count reads the clock twice per message in the queue (visible?
      delayed?). Here the clock is read once per walk; a message never delayed (``delayed_until``
      0) is not delayed by any clock, so its delay is not looked at (a delay still follows
      whatever ``Message.delayed`` says: :mod:`local.moto_clock`).
    """
    global _queues_patched  # noqa: PLW0603 - a process-wide patch, applied once
    if _queues_patched:
        return
    from moto.core.utils import unix_time_millis
    from moto.sqs.exceptions import ReceiptHandleIsInvalid
    from moto.sqs.models import Queue

    def delete_message(self: Any, receipt_handle: str) -> None:
        if receipt_handle in self.deleted_messages:
            return  # already deleted: moto handles a second delete gracefully
        messages = self._messages
        index = next(
            (
                index
                for index, message in enumerate(messages)
                if message.receipt_handle == receipt_handle or receipt_handle in message._old_receipt_handles
            ),
            None,
        )
        if index is None:
            raise ReceiptHandleIsInvalid()
        message = messages[index]
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)
        self._messages = messages[:index] + messages[index + 1 :]

    def visible_now(self: Any) -> list[Any]:
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not (m.delayed_until and m.delayed)]

    def not_visible(self: Any) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    def delayed(self: Any) -> int:
        return sum(1 for m in self._messages if m.delayed_until and m.delayed)

    setattr(Queue, "delete_message", delete_message)  # noqa: B010 - a patch
    setattr(Queue, "messages", property(visible_now))  # noqa: B010
    setattr(Queue, "approximate_number_of_messages_not_visible", property(not_visible))  # noqa: B010
    setattr(Queue, "approximate_number_of_messages_delayed", property(delayed))  # noqa: B010
    _queues_patched = True


def fast_dispatch() -> None:
    """Idempotent: moto's server finds the service of every request from its host by listing its
    own package directory (an ``isdir`` for each of about 150 services) and then matching URL
    patterns — 8 % of the cost benchmark's samples under py-spy. The answer depends on the host
    alone (the directory and the patterns are moto's, fixed), so it is kept per host."""
    global _dispatch_patched  # noqa: PLW0603 - a process-wide patch, applied once
    if _dispatch_patched:
        return
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.get_backend_for_host
    found: dict[str | None, Any] = {}

    def get_backend_for_host(self: Any, host: str | None) -> Any:
        if host not in found:  # moto calls this under its dispatcher's lock
            found[host] = original(self, host)
        return found[host]

    setattr(DomainDispatcherApplication, "get_backend_for_host", get_backend_for_host)  # noqa: B010 - a patch
    _dispatch_patched = True
