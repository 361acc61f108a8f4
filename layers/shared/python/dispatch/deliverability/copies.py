"""Copies of a provider's account-wide lists of addresses not to message, in the main table.

SNS's opted-out numbers (:mod:`.opt_out`) and SES's account-level suppression list
(:mod:`.account_suppression`) live in the AWS account, not in the product. The sweep copies each
(``pk=<partition>``, ``sk=<address>``, ``reason``) at most once an hour, adding what is new and
removing what left it, so a batch's sender looks a chunk's addresses up with the organisation's
suppression list (one ``BatchGetItem`` per 100) instead of asking the provider per address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.clock import isoformat
from dispatch.config import Settings
from dispatch.dynamo import is_condition_failure, query_all

SYNC_SK = "#SYNC"
SYNC_EVERY = timedelta(hours=1)
BATCH_GET_LIMIT = 100


class ListCopy:
    """One provider list's copy: ``accepts`` says which addresses it can hold (numbers, emails)."""

    def __init__(self, settings: Settings, partition: str, accepts: Callable[[str], bool]) -> None:
        self._table_name = settings.main_table
        self._table = aws.dynamodb_table(settings.main_table)
        self._partition = partition
        self._accepts = accepts

    def members(self, addresses: Iterable[str]) -> dict[str, str]:
        """Which of ``addresses`` are on the list as of the last copy, and why."""
        wanted = sorted({address for address in addresses if self._accepts(address)})
        found: dict[str, str] = {}
        resource = aws.dynamodb_resource()
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            keys = [
                {"pk": self._partition, "sk": address} for address in wanted[start : start + BATCH_GET_LIMIT]
            ]
            request: dict[str, Any] = {
                self._table_name: {
                    "Keys": keys,
                    "ProjectionExpression": "sk, #reason",
                    "ExpressionAttributeNames": {"#reason": "reason"},
                }
            }
            while request:
                response = resource.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table_name, []):
                    found[str(item["sk"])] = str(item["reason"])
                request = response.get("UnprocessedKeys") or {}
        return found

    def claim_sync(self, now: datetime) -> bool:
        """One copy an hour, whichever sweep comes first."""
        try:
            self._table.put_item(
                Item={"pk": self._partition, "sk": SYNC_SK, "at": isoformat(now)},
                ConditionExpression="attribute_not_exists(pk) OR #at <= :due",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={":due": isoformat(now - SYNC_EVERY)},
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def replace(self, entries: Mapping[str, str]) -> tuple[int, int]:
        """The copy becomes ``entries`` (address → reason); returns (added, removed)."""
        held = {
            str(item["sk"]): str(item.get("reason", ""))
            for item in query_all(
                self._table,
                {
                    "KeyConditionExpression": "pk = :pk",
                    "ExpressionAttributeValues": {":pk": self._partition},
                    "ProjectionExpression": "sk, #reason",
                    "ExpressionAttributeNames": {"#reason": "reason"},
                },
            )
            if item["sk"] != SYNC_SK
        }
        with self._table.batch_writer() as writer:
            for address, reason in entries.items():
                if held.get(address) != reason:
                    writer.put_item(Item={"pk": self._partition, "sk": address, "reason": reason})
            for address in held.keys() - entries.keys():
                writer.delete_item(Key={"pk": self._partition, "sk": address})
        return len(entries.keys() - held.keys()), len(held.keys() - entries.keys())
