"""What a card's templates see: the row's fields by name, plus link, unsubscribe_url, batch_name
and organisation. Built the same way at generation and at send time."""

from __future__ import annotations

from typing import Any

from dispatch.cards import links
from dispatch.processes.models import Process


def card_links(api_base_url: str, key: bytes, card_id: str, expires_at: int) -> tuple[str, str]:
    token = links.sign(key, card_id, expires_at)
    base = api_base_url.rstrip("/")
    return f"{base}/c/{token}", f"{base}/unsubscribe/{token}"


def template_context(
    process: Process,
    values: dict[str, Any],
    *,
    link: str,
    unsubscribe_url: str,
    batch_name: str,
    organisation: str,
) -> dict[str, Any]:
    """Every field of the process is defined (a column the file left out is empty); only a name the
    process does not have is an undefined-variable error."""
    return {
        **dict.fromkeys((field.name for field in process.fields), None),
        **values,
        "link": link,
        "unsubscribe_url": unsubscribe_url,
        "batch_name": batch_name,
        "organisation": organisation,
    }
