"""Recipient addresses: email syntax by email-validator, phone numbers by phonenumbers (PRODUCT §2.6).

The libraries are the authority; validating a million rows through them is most of the cost of
validation, so each has a fast path in front of it for the shapes most files hold
(``jane.doe@example.com``, ``(201) 555-0123``, ``+44 20 7946 0958``):

- the email path accepts plain dot-atom addresses with an ordinary domain, and normalises them
  as the library does (the domain lower-cased, the local part kept);
- the phone path skips the library's text extraction and normalisation (the slow part of
  ``parse``) for digits with ordinary punctuation, declines every input where parse would strip
  an international or national prefix or a leading zero, and leaves the verdict to the
  library's own ``is_valid_number`` and ``format_number``.

A fast path only ever answers "valid, and this is the normalised form", and hands anything it is
not sure about to the library, so it can never reject what the library accepts; the ingest tests
prove with hypothesis that whatever it returns is exactly what the library returns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneMetadata, PhoneNumber

_EMAIL_SHAPE = re.compile(
    r"([A-Za-z0-9_+'-]+(?:\.[A-Za-z0-9_+'-]+)*)@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})"
)
_RESERVED_TOP_LEVEL = frozenset(name for name in SPECIAL_USE_DOMAIN_NAMES if "." not in name)
_RESERVED_SUFFIXES = tuple("." + name for name in SPECIAL_USE_DOMAIN_NAMES if "." in name)
_MAX_EMAIL = 254
_MAX_LOCAL_PART = 64

_PHONE_SHAPE = re.compile(r"(\+)?\(?([0-9][0-9 ().-]*[0-9])")
_PHONE_PUNCTUATION = str.maketrans("", "", " ().-")
_MAX_PHONE_TEXT = 40
_NSN_LENGTHS = range(2, 18)  # phonenumbers' _MIN_LENGTH_FOR_NSN and _MAX_LENGTH_FOR_NSN
_E164 = phonenumbers.PhoneNumberFormat.E164
_PARSE_MESSAGES = {
    NumberParseException.INVALID_COUNTRY_CODE: "not a phone number: the country code is not recognised",
    NumberParseException.TOO_SHORT_NSN: "not a phone number: too short",
    NumberParseException.TOO_SHORT_AFTER_IDD: "not a phone number: too short",
    NumberParseException.TOO_LONG: "not a phone number: too long",
}


class InvalidValue(ValueError):
    """A value that is not what its column needs; the message is shown to people as is."""


def normalise_email(text: str) -> str:
    """The normalised form of an email address (syntax only, no DNS); InvalidValue when invalid."""
    fast = email_fast_path(text)
    if fast is not None:
        return fast
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidValue(str(exc)) from exc


def normalise_phone(text: str, region: str) -> str:
    """The E.164 form of a phone number, read with ``region`` when it has no country code."""
    fast = phone_fast_path(text, region)
    if fast is not None:
        return fast
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException as exc:
        raise InvalidValue(_PARSE_MESSAGES.get(exc.error_type, "not a phone number")) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidValue(f"not a valid phone number (a number without a country code is read as {region})")
    return str(phonenumbers.format_number(number, _E164))


def is_supported_region(region: str) -> bool:
    """Whether phonenumbers knows ``region`` (an ISO 3166 code such as ``US``)."""
    return region in phonenumbers.SUPPORTED_REGIONS


def email_fast_path(text: str) -> str | None:
    """The library's normalised form of a plain address, or None to let the library decide."""
    if len(text) > _MAX_EMAIL:
        return None
    match = _EMAIL_SHAPE.fullmatch(text)
    if match is None:
        return None
    local, domain = match.groups()
    if len(local) > _MAX_LOCAL_PART or "--" in domain:  # "--" may be Punycode or an IDNA error
        return None
    domain = domain.lower()
    if domain.rpartition(".")[2] in _RESERVED_TOP_LEVEL or domain.endswith(_RESERVED_SUFFIXES):
        return None
    return f"{local}@{domain}"


@dataclass(frozen=True, slots=True)
class _Region:
    code: str
    metadata: PhoneMetadata
    country_code: int
    international_prefix: re.Pattern[str] | None


@lru_cache(maxsize=64)
def _region(code: str) -> _Region | None:
    metadata = PhoneMetadata.metadata_for_region(code, None)
    if metadata is None or metadata.country_code is None:
        return None
    prefix = metadata.international_prefix
    return _Region(code, metadata, metadata.country_code, re.compile(prefix) if prefix else None)


@lru_cache(maxsize=512)
def _pattern(regex: str) -> re.Pattern[str]:
    return re.compile(regex)


def phone_fast_path(text: str, region: str) -> str | None:
    """The library's E.164 form of a plainly written valid number, or None to let the library decide.

    Mirrors ``phonenumbers.parse`` for digits with spaces, dots, dashes and parentheses, after an
    optional ``+``. Where parse would strip something (an international prefix, the region's
    country code written without ``+``, a national prefix, leading zeros), it declines.
    """
    if len(text) > _MAX_PHONE_TEXT:
        return None
    match = _PHONE_SHAPE.fullmatch(text)
    home = _region(region)
    if match is None or home is None:
        return None
    digits = match.group(2).translate(_PHONE_PUNCTUATION)
    if match.group(1):
        country_code, national = _split_country_code(digits)
        if country_code is None:
            return None
        number_region = phonenumbers.region_code_for_country_code(country_code)
        metadata = (
            home.metadata
            if number_region == region
            else PhoneMetadata.metadata_for_region_or_calling_code(country_code, number_region)
        )
        if metadata is None:
            return None
    else:
        if home.international_prefix is not None and home.international_prefix.match(digits):
            return None
        if digits.startswith(str(home.country_code)):
            return None
        country_code, national, metadata = home.country_code, digits, home.metadata
    if len(national) not in _NSN_LENGTHS or national.startswith("0"):
        return None
    national_prefix = metadata.national_prefix_for_parsing
    if national_prefix and _pattern(national_prefix).match(national):
        return None
    number = PhoneNumber(country_code=country_code, national_number=int(national))
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, _E164))


def _split_country_code(digits: str) -> tuple[int | None, str]:
    """The calling code at the start of ``digits`` as parse reads it: the shortest known prefix."""
    if len(digits) <= 2 or digits.startswith("0"):  # parse refuses these
        return None, digits
    for length in (1, 2, 3):
        code = int(digits[:length])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[length:]
    return None, digits
