"""The organisation's suppression list: addresses that must not be sent to again.

Items ``pk=ORG#<org>``, ``sk=SUPPRESSED#<address>``, the address in its canonical form (email:
:func:`dispatch.emails.canonical_email`; phone: E.164, as ingest stores it). Both writing and
looking up go through that form here, so an address suppressed in one spelling is suppressed in
every other. Hard bounces, complaints and unsubscribes add to it; senders look a chunk's
addresses up in batches of 100 before sending.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from dispatch import aws
from dispatch.clock import now_iso
from dispatch.config import Settings
from dispatch.emails import canonical_email

BATCH_GET_LIMIT = 100


class SuppressionList:
    def __init__(self, settings: Settings) -> None:
        self._table_name = settings.main_table
        self._table = aws.dynamodb_table(settings.main_table)

    def add(self, org_id: str, address: str, reason: str) -> None:
        """Suppress an address (idempotent); ValueError for an email that is not an address."""
        self._table.put_item(
            Item={
                "pk": f"ORG#{org_id}",
                "sk": f"SUPPRESSED#{canonical_address(address)}",
                "reason": reason,
                "at": now_iso(),
            }
        )

    def suppressed(self, org_id: str, addresses: Iterable[str]) -> set[str]:
        """Which of ``addresses`` (as given) are on the list, in whatever spelling."""
        spellings: dict[str, set[str]] = {}
        for address in addresses:
            try:
                spellings.setdefault(canonical_address(address), set()).add(address)
            except ValueError:
                continue  # not an address: it cannot have been suppressed
        wanted = sorted(spellings)
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
                    found |= spellings[str(item["sk"]).removeprefix("SUPPRESSED#")]
                request = response.get("UnprocessedKeys") or {}
        return found


def canonical_address(address: str) -> str:
    """An email in its canonical form, a phone number (E.164 already) as it is."""
    return canonical_email(address) if "@" in address else address.strip()
