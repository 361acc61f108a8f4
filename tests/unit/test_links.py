from __future__ import annotations

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
