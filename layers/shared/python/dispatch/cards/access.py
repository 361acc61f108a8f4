"""The public side of a card: its link, its pre-filled data, and unsubscribing (PRODUCT §5).

Nothing here is authenticated: the signed token is the only credential. A token that is forged,
tampered with or malformed is NotFound and an expired one Gone, decided before any storage is
touched, so nothing is recorded for them. A genuine token of a card that was never delivered and
never will be (generation error, rejected, removed, suppressed) is Gone as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dispatch.batches.models import Batch
from dispatch.batches.store import BatchStore
from dispatch.cards import links
from dispatch.cards.counted import CountedChanges
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso, utcnow
from dispatch.errors import Gone, NotFound
from dispatch.organisations.store import OrganisationStore
from dispatch.organisations.suppression import SuppressionList
from dispatch.processes.models import Process
from dispatch.processes.store import ProcessStore

CLOSED = frozenset({CardStatus.error, CardStatus.rejected, CardStatus.removed, CardStatus.suppressed})


@dataclass(frozen=True, slots=True)
class CardData:
    """What the process page receives, and the one origin allowed to read it (CORS)."""

    body: dict[str, Any]
    origin: str


@dataclass
class CardLinks:
    cards: CardStore
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    counted: CountedChanges
    suppression: SuppressionList
    key: Callable[[], bytes]

    def open(self, token: str) -> str:
        """Record the access and return where to send the browser: the process link, with the token."""
        card, batch = self._live_card(token)
        moment = now_iso()
        # The first access is counted on the batch in the same transaction that records it.
        if card.accessed_at is not None or not self.counted.first_access(batch, card, moment):
            self.counted.later_access(card, moment)
        process = self.processes.get(card.org_id, batch.process_id)
        return _with_token(str(process.link_base_url), token)

    def data(self, token: str) -> CardData:
        """The card's pre-filled values for the process page (nothing is recorded)."""
        card, batch = self._live_card(token)
        process = self.processes.get(card.org_id, batch.process_id)
        body = {
            "card_id": card.id,
            "values": {**dict.fromkeys(field.name for field in process.fields), **card.values},
            "email": card.email,
            "phone": card.phone,
        }
        return CardData(body, _origin(process))

    def unsubscribe_target(self, token: str) -> tuple[Card, str]:
        """The card a (possibly expired) unsubscribe link names and who sent it, for the page; a
        card link is not an unsubscribe link (NotFound)."""
        card = self._card(links.unsubscribing(self.key(), token).card_id)
        organisation = self.organisations.get(card.org_id).name or "the sender"
        return card, organisation

    def unsubscribe(self, token: str) -> str:
        """Every address of the card goes on the organisation's suppression list (idempotent);
        returns who the recipient unsubscribed from."""
        card, organisation = self.unsubscribe_target(token)
        for address in (card.email, card.phone):
            if address:
                self.suppression.add(card.org_id, address, f"unsubscribed via card {card.id}")
        self.cards.set_if_absent(card, {"unsubscribed_at": now_iso()})
        return organisation

    def _live_card(self, token: str) -> tuple[Card, Batch]:
        link = links.verify(self.key(), token, int(utcnow().timestamp()))
        card = self._card(link.card_id)
        if card.status in CLOSED:
            raise Gone("this card is no longer available")
        return card, self.batches.get(card.org_id, card.batch_id)

    def _card(self, card_id: str) -> Card:
        try:
            return self.cards.get(card_id)
        except NotFound as exc:
            raise NotFound("no such card link") from exc


def _with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = [
        (name, value) for name, value in parse_qsl(parts.query, keep_blank_values=True) if name != "token"
    ]
    return urlunsplit(parts._replace(query=urlencode([*query, ("token", token)])))


def _origin(process: Process) -> str:
    parts = urlsplit(str(process.link_base_url))
    return f"{parts.scheme}://{parts.netloc}"
