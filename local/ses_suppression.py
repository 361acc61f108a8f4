"""SES's account-level suppression list, emulated: moto (5.2) does not implement it.

``install`` gives moto's SES v2 the four calls of the list — ``PutSuppressedDestination``,
``GetSuppressedDestination`` (``NotFoundException`` for an address not on it),
``DeleteSuppressedDestination`` and ``ListSuppressedDestinations`` (``NextToken`` pages of
``PageSize``) — in the shapes of the SES v2 API reference, kept on moto's backend of the account
and region (and reset with it), and
``is_listed`` tells the mailbox simulator (:mod:`local.ses_events`) that an email to a listed
address is not sent but bounces with ``bounceSubType`` ``OnAccountSuppressionList``, as SES's does.
What this cannot prove is SES's own behaviour beyond those shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from local.template import ACCOUNT_ID, REGION

_PATH = "/v2/email/suppression/addresses"
_installed = False


@dataclass(frozen=True)
class _Entry:
    address: str
    reason: str  # BOUNCE or COMPLAINT
    at: datetime


_ATTRIBUTE = "local_suppressed_destinations"  # on moto's SES v2 backend: reset with it


def _listed(backend: Any) -> dict[str, _Entry]:
    if not hasattr(backend, _ATTRIBUTE):
        setattr(backend, _ATTRIBUTE, {})
    listed: dict[str, _Entry] = getattr(backend, _ATTRIBUTE)
    return listed


def is_listed(address: str, account: str = ACCOUNT_ID, region: str = REGION) -> bool:
    from moto.sesv2.models import sesv2_backends

    return address.lower() in _listed(sesv2_backends[account][region])


def install() -> None:
    """Idempotent, process-wide; before the first SES v2 request to a moto server."""
    global _installed  # noqa: PLW0603 - a process-wide patch, applied once
    if _installed:
        return
    from moto.core.exceptions import JsonRESTError
    from moto.sesv2.responses import SESV2Response

    def listed(self: Any) -> dict[str, _Entry]:
        return _listed(self.sesv2_backend)

    def address_in_path(self: Any) -> str:
        return unquote(self.path.split("?", 1)[0].rsplit("/", 1)[-1]).lower()

    def put_suppressed_destination(self: Any) -> str:
        body = json.loads(self.body)
        address = str(body["EmailAddress"]).lower()
        listed(self)[address] = _Entry(address, str(body["Reason"]), datetime.now(UTC))
        return "{}"

    def get_suppressed_destination(self: Any) -> str:
        entry = listed(self).get(address_in_path(self))
        if entry is None:
            raise JsonRESTError("NotFoundException", "Email address is not on the suppression list.")
        return json.dumps({"SuppressedDestination": _summary(entry)})

    def delete_suppressed_destination(self: Any) -> str:
        if listed(self).pop(address_in_path(self), None) is None:
            raise JsonRESTError("NotFoundException", "Email address is not on the suppression list.")
        return "{}"

    def list_suppressed_destinations(self: Any) -> str:
        entries = sorted(listed(self).values(), key=lambda entry: entry.address)
        size = int(self._get_param("PageSize") or 1000)
        start = int(self._get_param("NextToken") or 0)
        page = entries[start : start + size]
        result: dict[str, Any] = {"SuppressedDestinationSummaries": [_summary(entry) for entry in page]}
        if start + size < len(entries):
            result["NextToken"] = str(start + size)
        return json.dumps(result)

    # The server routes by these paths (its catch-all ``/v2/.*`` matches one path segment only).
    # Added before the server's first SES v2 request, when it builds its routes.
    from moto.sesv2 import urls

    urls.url_paths[f"{{0}}{_PATH}$"] = SESV2Response.dispatch
    urls.url_paths[f"{{0}}{_PATH}/(?P<EmailAddress>[^/]+)$"] = SESV2Response.dispatch
    for handler in (
        put_suppressed_destination,
        get_suppressed_destination,
        delete_suppressed_destination,
        list_suppressed_destinations,
    ):
        setattr(SESV2Response, handler.__name__, handler)
    _installed = True


def _summary(entry: _Entry) -> dict[str, Any]:
    return {"EmailAddress": entry.address, "Reason": entry.reason, "LastUpdateTime": entry.at.timestamp()}
