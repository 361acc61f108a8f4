"""Signed card links: ``<card id>.<expiry>.<HMAC>``, unguessable and tamper-evident.

The HMAC key comes from Secrets Manager (see :mod:`dispatch.secrets`); expiry is a Unix time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from dispatch.errors import Gone, NotFound


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


def verify(key: bytes, token: str, now: int) -> LinkToken:
    """The card a token names; NotFound for a forged or malformed token, Gone once expired."""
    payload, _, signature = token.rpartition(".")
    card_id, _, expiry = payload.rpartition(".")
    if not card_id or not expiry.isdigit() or not hmac.compare_digest(_signature(key, payload), signature):
        raise NotFound("no such card link")
    if int(expiry) <= now:
        raise Gone("this link has expired")
    return LinkToken(card_id, int(expiry))
