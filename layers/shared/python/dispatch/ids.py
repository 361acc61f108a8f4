"""Identifiers: time-sortable random ids for new resources, deterministic ids for derived ones.

Deterministic ids are what makes retries idempotent: the same S3 event or the same row always
maps to the same batch or card, so a repeated write is a no-op instead of a duplicate.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case


def _base32(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, rem = divmod(number, 32)
        chars.append(_ALPHABET[rem])
    return "".join(reversed(chars))


def time_sortable_id(moment: datetime, entropy: bytes | None = None) -> str:
    """A 20-character id: 10 characters of milliseconds since the epoch, 10 of entropy.

    Ids created later sort after earlier ones, so "newest first" is a key-order query.
    """
    millis = int(moment.timestamp() * 1000)
    rand = int.from_bytes(entropy if entropy is not None else secrets.token_bytes(7), "big")
    return _base32(millis, 10) + _base32(rand, 10)


def digest_entropy(*parts: str) -> bytes:
    """Seven bytes derived from ``parts``: the entropy of a deterministic id."""
    return hashlib.sha256("\x1f".join(parts).encode()).digest()[:7]


def new_id(moment: datetime) -> str:
    return time_sortable_id(moment)


def card_id(batch_id: str, row: int) -> str:
    """A card's id is its batch and its row number in the file: re-generation rewrites, never adds."""
    return f"{batch_id}-{row:07d}"


def split_card_id(value: str) -> tuple[str, int]:
    batch_id, _, row = value.rpartition("-")
    if not batch_id or not row.isdigit():
        raise ValueError("not a card id")
    return batch_id, int(row)


def derived_id(*parts: str, length: int = 16) -> str:
    """A deterministic id of ``length`` characters from ``parts`` (the same parts, the same id)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return _base32(int.from_bytes(digest[:10], "big"), length)


def spread(identifier: str, buckets: int) -> int:
    """Which of ``buckets`` an id of this module falls in, by its first character (evenly: ids
    derived from digests start with any of the 32 characters alike)."""
    return _ALPHABET.index(identifier[0]) % buckets if identifier[:1] in set(_ALPHABET) else -1
