"""Signed card links: ``<card id>.<expiry>.<HMAC>``, unguessable and tamper-evident.

The HMAC key comes from Secrets Manager (see :mod:`dispatch.secrets`); expiry is a Unix time.
Every token, well-formed or not, costs one HMAC and one constant-time comparison before anything
is decided, so the time a refusal takes does not tell a forged token from a tampered or malformed
one; only a genuine token reaches the expiry check (and then the card store).

Each purpose signs with its own key, derived from the link key (:func:`derived_key`), so a token
made for one purpose is forged for every other: the card link (``/c/…``: the card's data), the
unsubscribe link (``/unsubscribe/…``: only unsubscribing; it is in every email's headers, so it
must not open the card) and a ring_all offer (``/offers/…``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from dispatch.errors import Gone, NotFound

UNSUBSCRIBE = b"batch-dispatch unsubscribe"


@lru_cache(maxsize=8)
def derived_key(link_key: bytes, purpose: bytes) -> bytes:
    """The key for one purpose's tokens: HMAC of the purpose under the link key."""
    return hmac.new(link_key, purpose, hashlib.sha256).digest()


@dataclass(frozen=True, slots=True)
class LinkToken:
    card_id: str
    expires_at: int


def _signature(key: bytes, payload: str) -> str:
    digest = hmac.new(key, payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(key: bytes, card_id: str, expires_at: int) -> str:
    payload = f"{card_id}.{expires_at}"
    return f"{payload}.{_signature(key, payload)}"


def authentic(key: bytes, token: str) -> LinkToken:
    """The card a genuine token names, expired or not (unsubscribing outlives the link);
    NotFound for anything forged, tampered or malformed."""
    payload, _, signature = token.rpartition(".")
    card_id, _, expiry = payload.rpartition(".")
    matches = hmac.compare_digest(_signature(key, payload).encode(), signature.encode("utf-8", "replace"))
    if not (matches and card_id and expiry.isascii() and expiry.isdigit()):
        raise NotFound("no such card link")
    return LinkToken(card_id, int(expiry))


def verify(key: bytes, token: str, now: int) -> LinkToken:
    """The card a token names; NotFound for a forged or malformed token, Gone once expired."""
    link = authentic(key, token)
    if link.expires_at <= now:
        raise Gone("this link has expired")
    return link


def sign_unsubscribe(link_key: bytes, card_id: str, expires_at: int) -> str:
    """The card's unsubscribe token (its own key: it opens nothing but unsubscribing)."""
    return sign(derived_key(link_key, UNSUBSCRIBE), card_id, expires_at)


def unsubscribing(link_key: bytes, token: str) -> LinkToken:
    """The card a genuine unsubscribe token names, expired or not (unsubscribing outlives the
    link); NotFound for anything else — a card link included."""
    return authentic(derived_key(link_key, UNSUBSCRIBE), token)
