"""The prospects queue (PRODUCT §7 ``none``, §11 lead queues), kept by blocks of rows.

Prospects are the queue a batch fills wholesale: every card of a batch whose setting assigns
nobody. The other queues are keys of the cards' sparse ``pool`` index, an entry per card; for
prospects that entry was a fifth of the write units a recipient costs (docs/cost.md). So a prospect
card holds its assignment (``state = prospect``) and no ``pool`` key, and the organisation keeps one
item per block of ``BLOCK_ROWS`` rows of a batch that may hold prospects: ``pk = ORG#<org>``,
``sk = PROSPECTS#<batch>#<block>`` in the main table. A listing reads the blocks newest first (batch
ids sort by creation time; a batch's last rows first) and each block's cards with one range query
of the cards table, keeping those still prospects.

A block is noted before any card of it becomes a prospect — a batch's sender notes its chunk's
blocks before sending, the engine the cards' blocks before writing them — so no prospect is ever
outside a listed block. A listing that reads a whole block and finds no prospect in it removes the
block, unless it was noted again since it was read (``version``) or within ``SETTLES``: a sender
fills the blocks it noted for at most one invocation of the send function (15 minutes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, now_iso, utcnow
from dispatch.config import Settings
from dispatch.dynamo import FILTER_CALLS, FILTER_READS, applied
from dispatch.errors import InvalidRequest
from dispatch.observability import logger

BLOCK_ROWS = 1000  # file rows a block spans: a chunk of the template's default size spans one or two
SETTLES = timedelta(hours=1)  # beyond the send function's 15 minutes: a noted block is filling
PREFIX = "PROSPECTS#"
BLOCKS_PER_CALL = 25


def block_key(batch_id: str, block: int) -> str:
    return f"{PREFIX}{batch_id}#{block:09d}"


@dataclass(frozen=True)
class Block:
    """A noted block: its key, its batch and rows, and the version the listing read."""

    sk: str
    batch_id: str
    first_row: int
    last_row: int
    version: int

    @classmethod
    def of(cls, item: dict[str, Any]) -> Block:
        batch_id, block = str(item["sk"]).removeprefix(PREFIX).rsplit("#", 1)
        first = int(block) * BLOCK_ROWS
        return cls(str(item["sk"]), batch_id, first, first + BLOCK_ROWS - 1, int(item.get("version", 0)))


class ProspectBlocks:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.main_table)

    def note(self, org_id: str, batch_id: str, rows: Iterable[int]) -> None:
        """The rows' blocks may hold prospects from now on: one write a block, each a new
        ``version`` (a chunk of the template's 1,000 accepted rows spans one or two blocks)."""
        for block in sorted({row // BLOCK_ROWS for row in rows}):
            self._table.update_item(
                Key={"pk": f"ORG#{org_id}", "sk": block_key(batch_id, block)},
                UpdateExpression="SET noted_at = :at ADD version :one",
                ExpressionAttributeValues={":at": now_iso(), ":one": 1},
            )

    def page(
        self,
        org_id: str,
        cards: CardStore,
        limit: int,
        cursor: dict[str, Any] | None,
        *,
        batch_id: str | None = None,
        keep: Callable[[Card], bool],
    ) -> tuple[list[Card], dict[str, Any] | None]:
        """Up to ``limit`` prospects that ``keep`` accepts, newest first, and where the next page
        starts (None: no more). As :func:`dispatch.dynamo.query_filtered`, a page is short only when
        it is the last or when ``FILTER_CALLS`` reads found too few. The cursor is a block and the
        row the listing stopped above (``{"block", "row"}``): the next page reads that block's rows
        below it, then the older blocks."""
        prefix = PREFIX + (f"{batch_id}#" if batch_id else "")
        top, below = _start(cursor, prefix)
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :top",
            "ExpressionAttributeValues": {":pk": f"ORG#{org_id}", ":low": prefix, ":top": top},
            "ScanIndexForward": False,
            "Limit": BLOCKS_PER_CALL,
        }
        kept: list[Card] = []
        calls = 0
        while calls < FILTER_CALLS:
            calls += 1
            found = self._table.query(**query)
            for block in (Block.of(item) for item in found.get("Items", [])):
                whole = below is None or block.sk != top or below > block.last_row
                row = block.last_row + 1 if below is None or whole else below
                seen = 0
                while row > block.first_row:
                    if calls == FILTER_CALLS:  # the next page goes on from here
                        return kept, {"block": block.sk, "row": row}
                    calls += 1
                    page, row = cards.prospects_below(
                        block.batch_id, block.first_row, row, max(limit - len(kept), FILTER_READS)
                    )
                    seen += len(page)
                    for card in page:
                        if keep(card):
                            kept.append(card)
                            if len(kept) == limit:
                                return kept, {"block": block.sk, "row": card.row}
                if whole and seen == 0:
                    self._forget(org_id, block)
            if "LastEvaluatedKey" not in found:
                return kept, None
            query["ExclusiveStartKey"] = found["LastEvaluatedKey"]
        return kept, {"block": str(query["ExclusiveStartKey"]["sk"]), "row": 0}  # read: go on below it

    def _forget(self, org_id: str, block: Block) -> None:
        """Remove a block read whole without a prospect — unless noted since (see the module).
        Housekeeping: a failure (throttling, say) leaves the block for the next listing instead of
        failing this one."""
        try:
            applied(
                lambda: self._table.delete_item(
                    Key={"pk": f"ORG#{org_id}", "sk": block.sk},
                    ConditionExpression="version = :read AND noted_at < :settled",
                    ExpressionAttributeValues={
                        ":read": block.version,
                        ":settled": isoformat(utcnow() - SETTLES),
                    },
                )
            )
        except ClientError as exc:
            logger.warning(
                "an empty prospect block was kept", error=exc.response.get("Error", {}).get("Code")
            )


def _start(cursor: dict[str, Any] | None, prefix: str) -> tuple[str, int | None]:
    """The highest block key to read and, in it, the row to read below (None: all of it)."""
    if cursor is None:
        return prefix + "~", None  # "~" sorts after every id character
    block, row = cursor.get("block"), cursor.get("row")
    if not (isinstance(block, str) and block.startswith(prefix) and isinstance(row, int | Decimal)):
        raise InvalidRequest("the cursor is not valid")
    return block, int(row)
