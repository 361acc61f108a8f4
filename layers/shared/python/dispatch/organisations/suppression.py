"""The organisation's suppression list: addresses that must not be sent to again.

Items ``pk=ORG#<org>``, ``sk=SUPPRESSED#<address>`` (address normalised: email lower-cased by the
validator, phone E.164). Hard bounces, complaints and unsubscribes add to it; senders look a
chunk's addresses up in batches of 100 before sending.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dispatch import aws
from dispatch.clock import now_iso
from dispatch.config import Settings

BATCH_GET_LIMIT = 100


class SuppressionList:
    def __init__(self, settings: Settings) -> None:
        self._table_name = settings.main_table
        self._table = aws.dynamodb_table(settings.main_table)

    def add(self, org_id: str, address: str, reason: str) -> None:
        self._table.put_item(
            Item={"pk": f"ORG#{org_id}", "sk": f"SUPPRESSED#{address}", "reason": reason, "at": now_iso()}
        )

    def suppressed(self, org_id: str, addresses: Iterable[str]) -> set[str]:
        """Which of ``addresses`` are on the list."""
        wanted = sorted(set(addresses))
        found: set[str] = set()
        resource = aws.dynamodb_resource()
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            keys: list[dict[str, Any]] = [
                {"pk": f"ORG#{org_id}", "sk": f"SUPPRESSED#{address}"}
                for address in wanted[start : start + BATCH_GET_LIMIT]
            ]
            request: dict[str, Any] = {self._table_name: {"Keys": keys, "ProjectionExpression": "sk"}}
            while request:
                response = resource.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table_name, []):
                    found.add(str(item["sk"]).removeprefix("SUPPRESSED#"))
                request = response.get("UnprocessedKeys") or {}
        return found
