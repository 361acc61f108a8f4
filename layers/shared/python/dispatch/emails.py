"""The one canonical form of an email address: how every address is stored and compared.

The form is email-validator's normalisation (Unicode NFC, the domain in its IDNA-normalised,
lower-case form; :func:`dispatch.ingest.email_addresses.normalise_email`), then the whole address
case-folded (and recomposed to NFC, which case-folding can undo). RFC 5321 lets a mail server
treat the local part case-sensitively, but none of the mainstream ones do, and people write the
same address in different cases: treating ``ADA@Example.COM`` and ``ada@example.com`` as one
address is what keeps an unsubscribed recipient from being mailed again under another spelling,
and at worst suppresses too much, never too little. SES cannot send to a non-ASCII local part
anyway, so case-folding never changes where a sendable message goes.

Recipients' addresses (ingest, duplicates, the suppression list, SES feedback, unsubscribing, the
address confirmed for an individual distribution) and agents' addresses (login, work email,
``AssignToEmail``) all go through :func:`canonical_email`. An SES sender identity is not a
recipient and keeps its verified spelling (see :mod:`dispatch.organisations.identities`).
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, EmailStr

from dispatch.ingest.email_addresses import normalise_email


def canonical_email(text: str) -> str:
    """The canonical form of an email address; ``InvalidValue`` (a ``ValueError``) when ``text``
    is not one. Idempotent: a canonical address is its own canonical form."""
    return unicodedata.normalize("NFC", normalise_email(text.strip()).casefold())


# An email address field of an API body: validated as an address, stored canonical.
CanonicalEmail = Annotated[EmailStr, AfterValidator(canonical_email)]
