"""What a card's templates see: the row's fields by name, plus link, unsubscribe_url, batch_name
and organisation. Built by one function, at generation and again at send time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatch.cards import links
from dispatch.cards.models import Card
from dispatch.processes.models import Process


@dataclass(frozen=True, slots=True)
class LinkConfig:
    api_base_url: str
    key: bytes
    ttl_days: int


def card_context(
    process: Process,
    values: dict[str, Any],
    *,
    card_id: str,
    expires_at: int,
    link_config: LinkConfig,
    batch_name: str,
    organisation: str,
    due_date: str | None = None,
) -> dict[str, Any]:
    """Every field of the process is defined (a column the file left out is empty); only a name the
    process does not have is an undefined-variable error. A batch's ``due_date`` (a communication's)
    is a variable too, over a field of that name; without one, a row's own ``due_date`` stays."""
    token = links.sign(link_config.key, card_id, expires_at)
    unsubscribe = links.sign_unsubscribe(link_config.key, card_id, expires_at)
    base = link_config.api_base_url.rstrip("/")
    return {
        **dict.fromkeys((field.name for field in process.fields), None),
        **values,
        "link": f"{base}/c/{token}",
        "unsubscribe_url": f"{base}/unsubscribe/{unsubscribe}",
        "batch_name": batch_name,
        "organisation": organisation,
        **({"due_date": due_date} if due_date is not None else {}),
    }


def stored_card_context(
    card: Card,
    process: Process,
    *,
    link_config: LinkConfig,
    batch_name: str,
    organisation: str,
    due_date: str | None = None,
) -> dict[str, Any]:
    """The context of a card already stored (send time, dry runs): its own link expiry."""
    return card_context(
        process,
        card.values,
        card_id=card.id,
        expires_at=card.link_expires_at,
        link_config=link_config,
        batch_name=batch_name,
        organisation=organisation,
        due_date=due_date,
    )
