"""The public card-link routes through the links function: access tracking, pre-filled data,
unsubscribe. Bad tokens record nothing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from moto.ses.models import ses_backends

from dispatch import services
from dispatch.batches.models import Batch
from dispatch.batches.store import BatchStore
from dispatch.cards import links
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings
from dispatch.organisations.suppression import SuppressionList
from dispatch.secrets import link_signing_key


@pytest.fixture
def sent(sending_batch: Callable[..., tuple[Settings, Batch]]) -> tuple[Settings, Batch, list[Card]]:
    settings, batch = sending_batch(5, email_rate=2000.0)
    [chunk] = batch.chunks
    services.workflow(settings).send("org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings))
    return settings, batch, list(CardStore(settings).in_rows(batch.id, 0, 10**7))


def token_for(settings: Settings, card: Card, expires_at: int | None = None) -> str:
    return links.sign(link_signing_key(settings), card.id, expires_at or card.link_expires_at)


def unsubscribe_token_for(settings: Settings, card: Card, expires_at: int | None = None) -> str:
    return links.sign_unsubscribe(link_signing_key(settings), card.id, expires_at or card.link_expires_at)


def _next_card(token: str) -> str:
    card_id, expiry, signature = token.rsplit(".", 2)
    batch_id, row = card_id.rsplit("-", 1)
    return f"{batch_id}-{int(row) + 1:07d}.{expiry}.{signature}"


def public(deployed: Any, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """The links function's response, its (REST, multi-value) headers flattened."""
    response = dict(deployed.invoke("LinksFunction", deployed.api_event(method, path, **kwargs)))
    multi = response.get("multiValueHeaders") or {}
    response["headers"] = {**(response.get("headers") or {}), **{k: v[-1] for k, v in multi.items()}}
    return response


def test_opening_a_card_records_the_access_and_redirects_with_the_token(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, batch, cards = sent
    card = cards[0]
    token = token_for(settings, card)
    for _ in range(3):
        response = public(deployed, "GET", f"/c/{token}")
        assert response["statusCode"] == 302
    location = urlsplit(response["headers"]["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://forms.example.com/renewal"
    assert parse_qs(location.query)["token"] == [token]
    assert response["headers"]["Cache-Control"] == "no-store"
    opened = CardStore(settings).get(card.id)
    assert opened.access_count == 3
    assert opened.accessed_at is not None
    assert opened.last_accessed_at is not None
    assert opened.accessed_at <= opened.last_accessed_at
    assert len(opened.accesses) == 3
    assert BatchStore(settings).get("org-a", batch.id).counters.accessed == 1  # cards, not clicks


def test_concurrent_first_clicks_count_the_card_once(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]], serialised_moto: None
) -> None:
    settings, batch, cards = sent
    card_links = services.card_links(settings)
    tokens = [token_for(settings, card) for card in cards[:2]]
    start = threading.Barrier(10)

    def click(token: str) -> None:
        start.wait()
        card_links.open(token)

    threads = [threading.Thread(target=click, args=(tokens[n % 2],)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store = CardStore(settings)
    assert [store.get(card.id).access_count for card in cards[:2]] == [5, 5]
    assert BatchStore(settings).get("org-a", batch.id).counters.accessed == 2


@pytest.mark.parametrize(
    ("mangle", "status"),
    [
        (lambda token: token[:-3] + ("xyz" if not token.endswith("xyz") else "abc"), 404),  # forged
        (_next_card, 404),  # another card, the same signature
        (lambda token: "nonsense", 404),
    ],
)
def test_bad_tokens_are_refused_and_record_nothing(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]], mangle: Callable[[str], str], status: int
) -> None:
    settings, batch, cards = sent
    card = cards[0]
    token = mangle(token_for(settings, card))
    for path in (f"/c/{token}", f"/c/{token}/data"):
        response = public(deployed, "GET", path)
        assert response["statusCode"] == status
        assert json.loads(response["body"])["error"]["code"] == "not_found"
    assert CardStore(settings).get(card.id).access_count == 0
    assert BatchStore(settings).get("org-a", batch.id).counters.accessed == 0


def test_an_expired_link_is_gone_and_records_nothing(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, _batch, cards = sent
    token = token_for(settings, cards[0], expires_at=int(time.time()) - 1)
    for path in (f"/c/{token}", f"/c/{token}/data"):
        assert public(deployed, "GET", path)["statusCode"] == 410
    assert CardStore(settings).get(cards[0].id).access_count == 0


def test_a_removed_card_is_gone(deployed: Any, sent: tuple[Settings, Batch, list[Card]]) -> None:
    settings, _, cards = sent
    CardStore(settings).change(cards[0], CardStatus.removed, {})
    assert public(deployed, "GET", f"/c/{token_for(settings, cards[0])}")["statusCode"] == 410


def test_the_process_page_gets_the_prefilled_values_from_its_own_origin_only(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, _, cards = sent
    card = cards[0]
    token = token_for(settings, card)
    response = public(deployed, "GET", f"/c/{token}/data")
    assert response["statusCode"] == 200
    assert response["headers"]["Access-Control-Allow-Origin"] == "https://forms.example.com"
    body = json.loads(response["body"])
    assert body["card_id"] == card.id
    assert body["values"]["first_name"] == card.values["first_name"]
    assert body["email"] == card.email
    preflight = public(deployed, "OPTIONS", f"/c/{token}/data")
    assert preflight["statusCode"] == 204
    assert preflight["headers"]["Access-Control-Allow-Origin"] == "https://forms.example.com"
    assert CardStore(settings).get(card.id).access_count == 0  # reading the data is not an access


def test_unsubscribe_page_then_one_click_post_suppresses_the_address(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, _, cards = sent
    card = cards[0]
    expired = unsubscribe_token_for(settings, card, expires_at=int(time.time()) - 3600)  # outlives the link
    page = public(deployed, "GET", f"/unsubscribe/{expired}")
    assert page["statusCode"] == 200
    assert page["headers"]["Content-Type"].startswith("text/html")
    assert "<form method=post>" in page["body"]
    assert SuppressionList(settings).suppressed("org-a", [card.email or ""]) == set()
    for _ in range(2):  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click"; repeats are harmless
        done = public(deployed, "POST", f"/unsubscribe/{expired}", body="List-Unsubscribe=One-Click")
        assert done["statusCode"] == 200
        assert "no longer receive" in done["body"]
    assert SuppressionList(settings).suppressed("org-a", [card.email or ""]) == {card.email}
    assert CardStore(settings).get(card.id).unsubscribed_at is not None
    again = public(deployed, "GET", f"/unsubscribe/{expired}")
    assert "no longer receive" in again["body"]


def test_a_forged_unsubscribe_link_changes_nothing(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, _, cards = sent
    forged = unsubscribe_token_for(settings, cards[0])[:-4] + "AAAA"
    response = public(deployed, "POST", f"/unsubscribe/{forged}", body="List-Unsubscribe=One-Click")
    assert response["statusCode"] == 404
    assert "not valid" in response["body"]
    assert SuppressionList(settings).suppressed("org-a", [cards[0].email or ""]) == set()


def test_a_card_link_cannot_unsubscribe(deployed: Any, sent: tuple[Settings, Batch, list[Card]]) -> None:
    """The process page holds the card's token: it must not be able to unsubscribe the recipient."""
    settings, _, cards = sent
    card_token = token_for(settings, cards[0])
    for method in ("GET", "POST"):
        response = public(deployed, method, f"/unsubscribe/{card_token}", body="List-Unsubscribe=One-Click")
        assert (response["statusCode"], "not valid" in response["body"]) == (404, True)
    assert SuppressionList(settings).suppressed("org-a", [cards[0].email or ""]) == set()
    assert CardStore(settings).get(cards[0].id).unsubscribed_at is None


def test_an_unsubscribe_link_cannot_open_the_card_or_read_its_data(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    """The unsubscribe URL travels in every email's List-Unsubscribe header: it reads nothing."""
    settings, _, cards = sent
    card = cards[0]
    sent_emails = ses_backends["123456789012"]["us-east-1"].sent_messages
    [email] = [m for m in sent_emails if m.destinations["ToAddresses"] == [card.email]]
    [header] = [h["value"] for h in email.local_sent_email.headers if h["name"] == "List-Unsubscribe"]
    unsubscribe = header.removeprefix("<https://api.test/unsubscribe/").removesuffix(">")
    assert unsubscribe != token_for(settings, card)
    for path in (f"/c/{unsubscribe}", f"/c/{unsubscribe}/data"):
        response = public(deployed, "GET", path)
        assert response["statusCode"] == 404
        assert card.values["first_name"] not in response["body"]
    assert CardStore(settings).get(card.id).access_count == 0
    assert unsubscribe == unsubscribe_token_for(settings, card)
