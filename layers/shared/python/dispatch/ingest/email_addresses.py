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

email-validator is imported on the first address checked, not with this module: its import
compiles the RFCs' grammars (about a tenth of a function's cold start here), and most functions
import this module — through every model with an address field — without checking one.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from dispatch.ingest.invalid import InvalidValue

# A local part's atom characters here: ASCII letters, digits and _+'- , and any other Unicode
# letter or number (\w beyond ASCII is exactly the categories L and N, which the library allows).
_ATOM = r"[\w+'-]+"
_EMAIL_SHAPE = re.compile(
    rf"({_ATOM}(?:\.{_ATOM})*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?\.)+[A-Za-z]{{2,63}})"
)
_MAX_EMAIL = 254
_MAX_LOCAL_PART = 64


@dataclass(frozen=True)
class _LibraryRules:
    """What the fast path takes from the library, so that it decides as the library does."""

    role_mailboxes: frozenset[str]
    reserved_top_level: frozenset[str]
    reserved_suffixes: tuple[str, ...]


@cache
def _library_rules() -> _LibraryRules:
    from email_validator import SPECIAL_USE_DOMAIN_NAMES
    from email_validator.rfc_constants import CASE_INSENSITIVE_MAILBOX_NAMES

    return _LibraryRules(
        role_mailboxes=frozenset(CASE_INSENSITIVE_MAILBOX_NAMES),
        reserved_top_level=frozenset(name for name in SPECIAL_USE_DOMAIN_NAMES if "." not in name),
        reserved_suffixes=tuple("." + name for name in SPECIAL_USE_DOMAIN_NAMES if "." in name),
    )


def normalise_email(text: str) -> str:
    """The normalised form of an email address (syntax only, no DNS); InvalidValue when invalid."""
    fast = email_fast_path(text)
    if fast is not None:
        return fast
    from email_validator import EmailNotValidError, validate_email

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
    rules = _library_rules()
    if len(local) > _MAX_LOCAL_PART or "--" in domain:  # "--" may be Punycode or an IDNA error
        return None
    if not local.isascii():
        if len(text.encode()) > _MAX_EMAIL or not unicodedata.is_normalized("NFC", local):
            return None
    elif local.lower() in rules.role_mailboxes:
        local = local.lower()
    domain = domain.lower()
    if domain.rpartition(".")[2] in rules.reserved_top_level or domain.endswith(rules.reserved_suffixes):
        return None
    return f"{local}@{domain}"
