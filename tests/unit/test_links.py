from __future__ import annotations

import contextlib

import pytest

from dispatch.cards import links
from dispatch.errors import Gone, NotFound

KEY = b"k" * 32


def test_a_signed_token_names_its_card_until_it_expires() -> None:
    token = links.sign(KEY, "01batch-0000007", expires_at=2_000)
    assert links.verify(KEY, token, now=1_999) == links.LinkToken("01batch-0000007", 2_000)
    with pytest.raises(Gone):
        links.verify(KEY, token, now=2_000)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("0000007", "0000008"),  # another card
        lambda t: t.replace(".2000.", ".9999."),  # a later expiry
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # a forged signature
        lambda t: "garbage",
        lambda t: "",
    ],
)
def test_tampered_or_malformed_tokens_are_not_found(tamper) -> None:  # type: ignore[no-untyped-def]
    token = links.sign(KEY, "01batch-0000007", expires_at=2_000)
    with pytest.raises(NotFound):
        links.verify(KEY, tamper(token), now=1_000)


def test_another_key_does_not_verify() -> None:
    token = links.sign(KEY, "c-1", expires_at=2_000)
    with pytest.raises(NotFound):
        links.verify(b"x" * 32, token, now=1_000)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "no-dots-at-all",
        "a.b.c.d",
        "01batch-0000007.notanumber.sig",
        "01batch-0000007.2000.forged",
        "01batch-0000007.2000." + "é" * 43,
        links.sign(b"x" * 32, "01batch-0000007", 2_000),  # another key
        links.sign(KEY, "01batch-0000007", 2_000),  # genuine (expired at now=3_000)
        links.sign(KEY, "01batch-0000007", 9_000),  # genuine and valid
    ],
)
def test_every_token_costs_one_hmac_and_one_constant_time_comparison(
    token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forged, tampered, malformed, expired and valid tokens do the same work before the answer,
    so the time a refusal takes does not say which it was."""
    calls = {"hmac": 0, "compare": 0}
    real_new, real_compare = links.hmac.new, links.hmac.compare_digest

    def counting_new(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["hmac"] += 1
        return real_new(*args, **kwargs)

    def counting_compare(a, b):  # type: ignore[no-untyped-def]
        calls["compare"] += 1
        return real_compare(a, b)

    monkeypatch.setattr(links.hmac, "new", counting_new)
    monkeypatch.setattr(links.hmac, "compare_digest", counting_compare)
    with contextlib.suppress(NotFound, Gone):
        links.verify(KEY, token, now=3_000)
    assert calls == {"hmac": 1, "compare": 1}


def test_an_expired_but_genuine_token_is_still_authentic() -> None:
    """Unsubscribing must outlive the card link."""
    token = links.sign(KEY, "01batch-0000007", expires_at=2_000)
    assert links.authentic(KEY, token) == links.LinkToken("01batch-0000007", 2_000)
    with pytest.raises(NotFound):
        links.authentic(KEY, token[:-1] + ("A" if token[-1] != "A" else "B"))


def test_unsubscribe_tokens_and_card_tokens_are_not_interchangeable() -> None:
    """Each purpose has its own derived key: a card link unsubscribes nothing, an unsubscribe link
    opens no card (and an offer is neither)."""
    card = links.sign(KEY, "01batch-0000007", expires_at=2_000)
    unsubscribe = links.sign_unsubscribe(KEY, "01batch-0000007", expires_at=2_000)
    assert unsubscribe != card
    assert links.unsubscribing(KEY, unsubscribe) == links.LinkToken("01batch-0000007", 2_000)
    assert links.unsubscribing(KEY, links.sign_unsubscribe(KEY, "c-1", 1)).card_id == "c-1"  # never expires
    with pytest.raises(NotFound):
        links.unsubscribing(KEY, card)
    with pytest.raises(NotFound):
        links.verify(KEY, unsubscribe, now=1_000)
    offer_key = links.derived_key(KEY, b"batch-dispatch ring_all offer")
    assert len({KEY, offer_key, links.derived_key(KEY, links.UNSUBSCRIBE)}) == 3
