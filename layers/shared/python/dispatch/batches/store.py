"""Batches in the main table.

Items (documented in docs/data-model.md):
- batch: ``pk=ORG#<org>``, ``sk=BATCH#<id>`` (ids sort by creation time, so "newest first" is a
  reverse key query); ``gsi1pk=BATCH#<id>`` finds a batch by id alone. Counters are top-level
  ``count_<name>`` numbers so they can be incremented atomically.
- chunk marker: ``pk=BATCH#<id>``, ``sk=CHUNK#<n>``, the chunk's last counted histogram and a
  version (see ``settle_chunk``), and while cards of it may be in flight ``sending_since`` and
  ``gsi1pk=INFLIGHT#<day>`` (see ``open_chunk``), where the sweep finds them.
- deliveries per chunk: ``pk=BATCH#<id>``, ``sk=GEN#<n>``, messages per channel (for estimates).
- ``revision`` grows with every change to the batch's cards, so an export can tell it is current.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.batches.lifecycle import check_sources, check_transition, sources_of
from dispatch.batches.models import ROW_COUNTERS, Batch, BatchStatus, Counters
from dispatch.clock import now_iso, utcnow
from dispatch.config import Settings
from dispatch.deliverability.reputation import outcome_updates, sends_of
from dispatch.dynamo import (
    applied,
    conflict_on_condition,
    decode_cursor,
    encode_cursor,
    from_dynamo,
    is_condition_failure,
    is_transient,
    owner_by_id,
    query_all,
    to_dynamo,
)
from dispatch.errors import Conflict, NotFound

HISTOGRAM = "cards_"  # batch attributes cards_<status>: the exact per-status card counts
# What marks a chunk in flight (``BatchStore.open_chunk``): kept by a settlement until it may go.
IN_FLIGHT = ("sending_since", "gsi1pk", "gsi1sk", "opened_at", "opener")
IN_FLIGHT_PREFIX = "INFLIGHT#"
_serializer = TypeSerializer()
_INTERNAL = {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "name_key", "task_token"}


def _key(org_id: str, batch_id: str) -> dict[str, str]:
    return {"pk": f"ORG#{org_id}", "sk": f"BATCH#{batch_id}"}


class BatchStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.main_table)
        self._table_name = settings.main_table

    def create(self, batch: Batch) -> bool:
        """Store a new batch; False when a batch with this id already exists (a repeated event)."""
        body = batch.model_dump(mode="json", exclude={"counters"})
        item = {
            **_key(batch.org_id, batch.id),
            "gsi1pk": f"BATCH#{batch.id}",
            "gsi1sk": "BATCH",
            **_name_keys(batch.org_id, batch.id, batch.name),
            **to_dynamo(body),
            **{f"count_{name}": getattr(batch.counters, name) for name in ROW_COUNTERS},
        }
        return applied(
            lambda: self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
        )

    def get(self, org_id: str, batch_id: str) -> Batch:
        item = self._table.get_item(Key=_key(org_id, batch_id), ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("no such batch", {"batch_id": batch_id})
        return _batch(item)

    def find(self, batch_id: str) -> Batch:
        """A batch by id alone (events that carry only the id)."""
        org_id = owner_by_id(self._table, f"BATCH#{batch_id}")
        if org_id is None:
            raise NotFound("no such batch", {"batch_id": batch_id})
        return self.get(org_id, batch_id)

    def transition(
        self,
        org_id: str,
        batch_id: str,
        target: BatchStatus,
        *,
        set_values: Mapping[str, Any] | None = None,
        increments: Mapping[str, int] | None = None,
        sources: Iterable[BatchStatus] | None = None,
    ) -> Batch:
        """Move a batch to ``target`` if its current status allows it (conditional write).

        A lost race or an illegal move raises Conflict naming the current status; ``sources``
        outside the graph (``batches.lifecycle``) are a programming error.
        """
        allowed = sorted(sources if sources is not None else sources_of(target))
        check_sources(allowed, target)
        names = {"#status": "status", "#updated": "updated_at"}
        values: dict[str, Any] = {":target": target.value, ":now": now_iso()}
        sets = ["#status = :target", "#updated = :now"]
        for index, (name, value) in enumerate((set_values or {}).items()):
            names[f"#s{index}"] = name
            values[f":s{index}"] = to_dynamo(value)
            sets.append(f"#s{index} = :s{index}")
        adds = []
        for index, (name, delta) in enumerate((increments or {}).items()):
            names[f"#a{index}"] = name
            adds.append(f"#a{index} :a{index}")
            values[f":a{index}"] = delta
        placeholders = []
        for index, status in enumerate(allowed):
            values[f":from{index}"] = status.value
            placeholders.append(f":from{index}")
        expression = "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else "")
        try:
            result = self._table.update_item(
                Key=_key(org_id, batch_id),
                UpdateExpression=expression,
                ConditionExpression=f"attribute_exists(pk) AND #status IN ({', '.join(placeholders)})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            current = self.get(org_id, batch_id)
            check_transition(current.status, target)
            # The graph allows the move, but this operation starts only from ``allowed``.
            raise Conflict(
                f"the batch is {current.status.value}; this needs it to be {' or '.join(allowed)}",
                {"status": current.status.value, "requested": target.value},
            ) from exc
        return _batch(result["Attributes"])

    def settle_chunk(
        self,
        org_id: str,
        batch_id: str,
        chunk_index: int,
        count: Callable[[], Mapping[str, int]],
        *,
        closing: str | None = None,
        swept_before: str | None = None,
    ) -> None:
        """Make the batch's per-status card counts reflect the chunk's exact histogram, ``count()``.

        The chunk's last histogram lives in a marker item (``pk=BATCH#<id>``, ``sk=CHUNK#<n>``) with
        a version; the marker and the batch's increments change in one transaction conditioned on
        that version. Re-settling the same counts adds nothing; a settlement that loses a race to
        another (a sender's, an event batch's, the sweep's) reads the marker and counts the cards
        again, so the last settlement to land counted every card change made before it: counters
        stay exact under retries, crashes and concurrency. The same transaction adds the change of
        the chunk's ``delivered`` and ``bounced`` cards to account protection's sends (the hour's
        bucket and the batch's tally, :mod:`dispatch.deliverability.reputation`): exact the same way.

        The marker also says whether cards of the chunk may be in flight (``open_chunk``); a
        settlement keeps that as it read it, except:
        - ``closing``: the opener token of a sender that is through with its claims; the mark goes
          when no later sender opened the chunk and no card of it is ``sending``;
        - ``swept_before``: the sweep's cutoff; the mark goes when no card is ``sending`` and the
          last sender opened the chunk before the cutoff (so none can still be claiming: no sender
          runs that long).
        """
        key = {"pk": f"BATCH#{batch_id}", "sk": f"CHUNK#{chunk_index:05d}"}
        client = aws.client("dynamodb")
        for _ in range(20):
            marker = self._table.get_item(Key=key, ConsistentRead=True).get("Item") or {}
            counts = {name: number for name, number in count().items() if number}
            previous = {name: int(value) for name, value in (marker.get("counts") or {}).items()}
            version = int(marker.get("version", 0))
            delta = {
                name: counts.get(name, 0) - previous.get(name, 0)
                for name in set(counts) | set(previous)
                if counts.get(name, 0) != previous.get(name, 0)
            }
            in_flight = {name: marker[name] for name in IN_FLIGHT if name in marker}
            if in_flight and not counts.get("sending"):
                last_opened = str(marker.get("opened_at", ""))
                if (closing is not None and marker.get("opener") == closing) or (
                    swept_before is not None and last_opened < swept_before
                ):
                    in_flight = {}
            if not delta and len(in_flight) == sum(1 for name in IN_FLIGHT if name in marker):
                return
            item = {**key, **in_flight, "version": version + 1, "counts": counts}
            items: list[dict[str, Any]] = [
                {
                    "Put": {
                        "TableName": self._table_name,
                        "Item": {name: _serializer.serialize(value) for name, value in item.items()},
                        "ConditionExpression": "attribute_not_exists(pk) OR version = :v",
                        "ExpressionAttributeValues": {":v": {"N": str(version)}},
                    }
                }
            ]
            if delta:
                names = {f"#s{i}": f"{HISTOGRAM}{name}" for i, name in enumerate(sorted(delta))}
                values = {f":d{i}": {"N": str(delta[name])} for i, name in enumerate(sorted(delta))}
                items.append(
                    {
                        "Update": {
                            "TableName": self._table_name,
                            "Key": {"pk": {"S": f"ORG#{org_id}"}, "sk": {"S": f"BATCH#{batch_id}"}},
                            "UpdateExpression": "ADD revision :one, "
                            + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                            "ExpressionAttributeNames": names,
                            "ExpressionAttributeValues": {**values, ":one": {"N": "1"}},
                        }
                    }
                )
            sends = sends_of(delta)
            if sends:  # account protection's sends: counted here, once, with the cards that made them
                items += outcome_updates(
                    self._table_name, org_id, batch_id, "sends", number=sends, at=utcnow()
                )
            try:
                client.transact_write_items(TransactItems=items)
            except ClientError as exc:
                if is_condition_failure(exc) or is_transient(exc):
                    continue  # another settlement or an opening of this chunk won: read and count again
                raise
            return
        raise Conflict("the chunk's counters are contended; try again")

    def open_chunk(self, batch_id: str, chunk_index: int, at: str) -> str | None:
        """A sender is about to claim cards of the chunk: the marker says so before any claim, so the
        sweep finds the chunk if the sender dies with cards ``sending`` (one write per chunk, where
        an index entry per claimed card cost two). ``sending_since`` is the first opening still
        marked — never later than any claim of a card still ``sending`` — and keys the marker into
        the sparse in-flight listing (``gsi1``: ``INFLIGHT#<day>`` / ``<since>#<batch>#<chunk>``);
        ``opened_at``/``opener`` name the latest opening. The version moves, so a settlement racing
        this opening counts again. Returns the opener token for the sender's closing settlement
        (``settle_chunk(closing=…)``); None when the chunk has no marker (never generated)."""
        opener = f"{at}#{uuid.uuid4().hex}"
        opened = applied(
            lambda: self._table.update_item(
                Key={"pk": f"BATCH#{batch_id}", "sk": f"CHUNK#{chunk_index:05d}"},
                UpdateExpression=(
                    "SET sending_since = if_not_exists(sending_since, :at), "
                    "gsi1pk = if_not_exists(gsi1pk, :day), gsi1sk = if_not_exists(gsi1sk, :since), "
                    "opened_at = :at, opener = :opener ADD version :one"
                ),
                ConditionExpression="attribute_exists(counts)",
                ExpressionAttributeValues={
                    ":at": at,
                    ":day": f"{IN_FLIGHT_PREFIX}{at[:10]}",
                    ":since": f"{at}#{batch_id}#{chunk_index:05d}",
                    ":opener": opener,
                    ":one": 1,
                },
            )
        )
        return opener if opened else None

    def in_flight_chunks(self, day: str, before: str) -> Iterator[tuple[str, int]]:
        """(batch id, chunk index) of every chunk marked in flight (``open_chunk``) on ``day``
        since before ``before``."""
        query: dict[str, Any] = {
            "IndexName": "gsi1",
            "KeyConditionExpression": "gsi1pk = :day AND gsi1sk < :before",
            "ExpressionAttributeValues": {":day": f"{IN_FLIGHT_PREFIX}{day}", ":before": before},
        }
        for item in query_all(self._table, query):
            yield str(item["pk"]).removeprefix("BATCH#"), int(str(item["sk"]).removeprefix("CHUNK#"))

    def chunk_marker(self, batch_id: str, chunk_index: int) -> ChunkMarker | None:
        """The chunk's marker as last written; None when the chunk was never counted."""
        item = self._table.get_item(
            Key={"pk": f"BATCH#{batch_id}", "sk": f"CHUNK#{chunk_index:05d}"}, ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        return ChunkMarker(
            counts={name: int(value) for name, value in (item.get("counts") or {}).items()},
            sending_since=str(item["sending_since"]) if item.get("sending_since") else None,
        )

    def chunk_counts(self, batch_id: str, chunk_index: int) -> dict[str, int] | None:
        """The chunk's last settled histogram; None when it was never counted (not generated yet)."""
        marker = self.chunk_marker(batch_id, chunk_index)
        return None if marker is None else marker.counts

    def record_deliveries(self, batch_id: str, chunk_index: int, by_channel: Mapping[str, int]) -> None:
        """How many messages each channel will carry for a chunk (``sk=GEN#<n>``), for estimates."""
        self._table.put_item(
            Item={"pk": f"BATCH#{batch_id}", "sk": f"GEN#{chunk_index:05d}", "by_channel": dict(by_channel)}
        )

    def deliveries(self, batch_id: str) -> dict[str, int]:
        totals: dict[str, int] = {}
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :gen)",
            "ExpressionAttributeValues": {":pk": f"BATCH#{batch_id}", ":gen": "GEN#"},
        }
        for item in query_all(self._table, query):
            for channel, count in (item.get("by_channel") or {}).items():
                totals[channel] = totals.get(channel, 0) + int(count)
        return totals

    def rename(self, org_id: str, batch_id: str, name: str) -> Batch:
        with conflict_on_condition("no such batch"):
            result = self._table.update_item(
                Key=_key(org_id, batch_id),
                UpdateExpression="SET #name = :name, updated_at = :now, name_key = :key, gsi2sk = :sort",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#name": "name"},
                ExpressionAttributeValues={
                    ":name": name,
                    ":now": now_iso(),
                    ":key": _name_keys(org_id, batch_id, name)["name_key"],
                    ":sort": _name_keys(org_id, batch_id, name)["gsi2sk"],
                },
                ReturnValues="ALL_NEW",
            )
        return _batch(result["Attributes"])

    def update(
        self, org_id: str, batch_id: str, set_values: Mapping[str, Any], statuses: Iterable[BatchStatus]
    ) -> Batch:
        """Change a batch's settings (not its status) while it is in one of ``statuses``; Conflict
        naming its status otherwise."""
        allowed = sorted(statuses)
        names = {"#status": "status", "#updated": "updated_at"}
        values: dict[str, Any] = {":now": now_iso()}
        sets = ["#updated = :now"]
        for index, (name, value) in enumerate(set_values.items()):
            names[f"#s{index}"] = name
            values[f":s{index}"] = to_dynamo(value)
            sets.append(f"#s{index} = :s{index}")
        values.update({f":from{index}": status.value for index, status in enumerate(allowed)})
        try:
            result = self._table.update_item(
                Key=_key(org_id, batch_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=f"attribute_exists(pk) AND #status IN "
                f"({', '.join(f':from{index}' for index in range(len(allowed)))})",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            current = self.get(org_id, batch_id)
            raise Conflict(
                f"the batch is {current.status.value}; this needs it to be {' or '.join(allowed)}",
                {"status": current.status.value},
            ) from exc
        return _batch(result["Attributes"])

    def note(self, org_id: str, batch_id: str, status: BatchStatus, reason: str) -> bool:
        """Set the status reason of a batch still in ``status`` (why it waits); False if it moved on."""
        try:
            self._table.update_item(
                Key=_key(org_id, batch_id),
                UpdateExpression="SET status_reason = :reason, updated_at = :now",
                ConditionExpression="#status = :status",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":reason": reason, ":now": now_iso(), ":status": status.value},
            )
        except ClientError as exc:
            if not is_condition_failure(exc):
                raise
            return False
        return True

    def touch(self, org_id: str, batch_id: str) -> None:
        """A change to a card that moved no counter (a resend of a sent card): a new revision."""
        self._table.update_item(
            Key=_key(org_id, batch_id),
            UpdateExpression="ADD revision :one",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":one": 1},
        )

    def task_token(self, org_id: str, batch_id: str) -> str | None:
        item = self._table.get_item(Key=_key(org_id, batch_id), ConsistentRead=True).get("Item") or {}
        token = item.get("task_token")
        return str(token) if token else None

    def each(
        self, org_id: str, statuses: Iterable[BatchStatus], *, process_id: str | None = None
    ) -> Iterator[Batch]:
        """Every batch of the organisation in one of ``statuses`` (of one process), page by page."""
        wanted = {f":st{index}": status.value for index, status in enumerate(sorted(statuses))}
        values: dict[str, Any] = {**wanted, ":pk": f"ORG#{org_id}", ":prefix": "BATCH#"}
        filters = [f"#status IN ({', '.join(wanted)})"]
        if process_id:
            filters.append("process_id = :process")
            values[":process"] = process_id
        query = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "FilterExpression": " AND ".join(filters),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        }
        return (_batch(item) for item in query_all(self._table, query))

    def list(self, org_id: str, query: BatchQuery) -> tuple[list[Batch], str | None]:
        """A page of the organisation's batches.

        By creation time: the main key order (ids sort by time). By name: index ``gsi2``
        (``gsi2pk=ORG#<org>#BATCH``, ``gsi2sk=<case-folded name>#<id>``). Status and name search
        are filters, so a page may hold fewer than ``limit`` items; follow ``next_cursor``.
        """
        wanted = sorted(query.statuses)
        names: dict[str, str] = {"#status": "status"}
        values: dict[str, Any] = {f":st{index}": status.value for index, status in enumerate(wanted)}
        filters = [f"#status IN ({', '.join(f':st{i}' for i in range(len(wanted)))})"]
        if query.search:
            filters.append("contains(name_key, :search)")
            values[":search"] = query.search.casefold()
        if query.process_id:
            filters.append("process_id = :process")
            values[":process"] = query.process_id
        request: dict[str, Any] = {"ScanIndexForward": query.ascending, "Limit": query.limit}
        if query.sort == "name":
            request["IndexName"] = "gsi2"
            request["KeyConditionExpression"] = "gsi2pk = :pk"
            values[":pk"] = f"ORG#{org_id}#BATCH"
        else:
            request["KeyConditionExpression"] = "pk = :pk AND begins_with(sk, :prefix)"
            values.update({":pk": f"ORG#{org_id}", ":prefix": "BATCH#"})
        request.update(
            FilterExpression=" AND ".join(filters),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )
        start = decode_cursor(query.cursor)
        if start:
            request["ExclusiveStartKey"] = start
        result = self._table.query(**request)
        items = result.get("Items", [])
        if query.sort == "name":  # the index is keys-only: fetch the items themselves
            items = self._get_many(org_id, [str(item["sk"]).removeprefix("BATCH#") for item in items])
        return [_batch(item) for item in items], encode_cursor(result.get("LastEvaluatedKey"))

    def _get_many(self, org_id: str, batch_ids: Sequence[str]) -> Sequence[dict[str, Any]]:
        if not batch_ids:
            return []
        resource = aws.dynamodb_resource()
        keys = [_key(org_id, batch_id) for batch_id in batch_ids]
        found: dict[str, dict[str, Any]] = {}
        request: dict[str, Any] = {self._table_name: {"Keys": keys}}
        while request:
            response = resource.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self._table_name, []):
                found[str(item["sk"])] = item
            request = response.get("UnprocessedKeys") or {}
        return [found[f"BATCH#{batch_id}"] for batch_id in batch_ids if f"BATCH#{batch_id}" in found]


def _name_keys(org_id: str, batch_id: str, name: str) -> dict[str, str]:
    key = name.casefold()
    return {"name_key": key, "gsi2pk": f"ORG#{org_id}#BATCH", "gsi2sk": f"{key}#{batch_id}"}


@dataclass(frozen=True)
class ChunkMarker:
    """What the batch has counted for one chunk, and since when a sender works it (if one does)."""

    counts: dict[str, int]
    sending_since: str | None = None


@dataclass(frozen=True)
class BatchQuery:
    statuses: frozenset[BatchStatus]
    search: str | None = None
    sort: Literal["created", "name"] = "created"
    ascending: bool = False
    limit: int = 25
    cursor: str | None = None
    process_id: str | None = None


def _batch(item: Mapping[str, Any]) -> Batch:
    plain = from_dynamo(dict(item))
    rows = {name: plain.pop(f"count_{name}", 0) for name in ROW_COUNTERS}
    by_status = {
        key.removeprefix(HISTOGRAM): plain.pop(key) for key in list(plain) if key.startswith(HISTOGRAM)
    }
    counters = Counters.build(rows, by_status)
    for name in _INTERNAL:
        plain.pop(name, None)
    return Batch.model_validate({**plain, "counters": counters})
