"""SES's account-level suppression list, consulted for email (issue 19, item 5).

SES keeps, per account and region, the addresses that hard-bounced or complained (and any an
operator put there). It never sends to them: a send is accepted, then reported as a bounce with
``bounceSubType`` ``OnAccountSuppressionList``, which :mod:`dispatch.delivery.feedback` turns into a
``suppressed`` card. To skip such addresses before sending, without one SES call per recipient
(``GetSuppressedDestination`` for a million-recipient batch is out of the question), the sweep
copies the list hourly (``ListSuppressedDestinations``, 1,000 a page; :mod:`.copies`) and a batch's
sender looks a chunk's addresses up in the copy, with the organisation's own list. An individual
distribution asks SES about its one address (``GetSuppressedDestination``), so an address listed
since the last copy counts too.

A full copy each hour reads the whole list: about a thousand pages for a million addresses, within
the API's rate; a far larger list would want the copy made incremental (``StartDate``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.config import Settings
from dispatch.deliverability.copies import ListCopy
from dispatch.emails import canonical_email

PARTITION = "SES_SUPPRESSED"
PAGE_SIZE = 1000


def reason(ses_reason: str) -> str:
    """Why a card is refused: the list, and why SES put the address on it (BOUNCE, COMPLAINT)."""
    return f"on the SES account-level suppression list ({ses_reason.lower()})"


def account_suppression_copy(settings: Settings) -> ListCopy:
    return ListCopy(settings, PARTITION, lambda address: "@" in address)


class AccountSuppression:
    def __init__(self, copy: ListCopy) -> None:
        self.copy = copy

    def sync(self, now: datetime) -> dict[str, int] | None:
        """Copy SES's account-level list (at most hourly; None when not due)."""
        if not self.copy.claim_sync(now):
            return None
        entries: dict[str, str] = {}
        request: dict[str, Any] = {"PageSize": PAGE_SIZE}
        while True:
            page = aws.client("sesv2").list_suppressed_destinations(**request)
            for summary in page.get("SuppressedDestinationSummaries", []):
                try:
                    entries[canonical_email(summary["EmailAddress"])] = reason(summary["Reason"])
                except ValueError:
                    continue  # not an address this application could send to
            token = page.get("NextToken")
            if not token:
                break
            request = {"PageSize": PAGE_SIZE, "NextToken": token}
        added, removed = self.copy.replace(entries)
        return {"listed": len(entries), "added": added, "removed": removed}

    def listed_now(self, addresses: Iterable[str]) -> dict[str, str]:
        """Ask SES about each email address (an individual distribution: one address)."""
        ses = aws.client("sesv2")
        listed: dict[str, str] = {}
        for address in addresses:
            if "@" not in address:
                continue
            try:
                found = ses.get_suppressed_destination(EmailAddress=address)["SuppressedDestination"]
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") == "NotFoundException":
                    continue
                raise
            listed[address] = reason(found["Reason"])
        return listed
