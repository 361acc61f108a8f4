"""Email addresses of recipients: syntax by email-validator (PRODUCT §2.6).

The library is the authority; validating a million rows through it is much of the cost of
validation, so a fast path stands in front of it for the shape most files hold
(``jane.doe@example.com``): plain dot-atom addresses with an ordinary domain, accented letters
included (``josé.garcía@example.com``), normalised as the library does (the domain lower-cased, the
local part kept). The fast path only ever answers "valid, and this is the normalised form", and
hands anything it is not sure about to the library, so it can never reject what the library
accepts; the ingest tests prove with hypothesis that whatever it returns is exactly what the
library returns.

Phone numbers are in :mod:`dispatch.ingest.phones`: a function that reads addresses (every one
that compares an email, through :mod:`dispatch.emails`) does not load phonenumbers with them.
"""

from __future__ import annotations

import re
import unicodedata

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

from dispatch.ingest.invalid import InvalidValue

# A local part's atom characters here: ASCII letters, digits and _+'- , and any other Unicode
# letter or number (\w beyond ASCII is exactly the categories L and N, which the library allows).
_ATOM = r"[\w+'-]+"
_EMAIL_SHAPE = re.compile(
    rf"({_ATOM}(?:\.{_ATOM})*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+[A-Za-z]{{2,63}})"
)
_ROLE_MAILBOXES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
_RESERVED_TOP_LEVEL = frozenset(name for name in SPECIAL_USE_DOMAIN_NAMES if "." not in name)
_RESERVED_SUFFIXES = tuple("." + name for name in SPECIAL_USE_DOMAIN_NAMES if "." in name)
_MAX_EMAIL = 254
_MAX_LOCAL_PART = 64


def normalise_email(text: str) -> str:
    """The normalised form of an email address (syntax only, no DNS); InvalidValue when invalid."""
    fast = email_fast_path(text)
    if fast is not None:
        return fast
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidValue(str(exc)) from exc


def email_fast_path(text: str) -> str | None:
    """The library's normalised form of a plain address, or None to let the library decide.

    A local part with letters beyond ASCII is taken only in NFC form (the library would
    normalise it and check it again), its length counted in UTF-8 bytes as the library counts
    it; an ASCII one that names a role mailbox (``Postmaster``) is lower-cased as the library
    does (RFC 2142).
    """
    if len(text) > _MAX_EMAIL:
        return None
    match = _EMAIL_SHAPE.fullmatch(text)
    if match is None:
        return None
    local, domain = match.groups()
    if len(local) > _MAX_LOCAL_PART or "--" in domain:  # "--" may be Punycode or an IDNA error
        return None
    if not local.isascii():
        if len(text.encode()) > _MAX_EMAIL or not unicodedata.is_normalized("NFC", local):
            return None
    elif local.lower() in _ROLE_MAILBOXES:
        local = local.lower()
    domain = domain.lower()
    if domain.rpartition(".")[2] in _RESERVED_TOP_LEVEL or domain.endswith(_RESERVED_SUFFIXES):
        return None
    return f"{local}@{domain}"
