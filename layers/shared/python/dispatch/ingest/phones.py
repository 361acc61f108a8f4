"""Phone numbers of recipients: read and judged by phonenumbers (PRODUCT §2.6).

The library is the authority; validating a million rows through it is much of the cost of
validation, so a fast path stands in front of it for the shapes most files hold
(``(201) 555-0123``, ``+44 20 7946 0958``): it skips the library's text extraction and
normalisation (the slow part of ``parse``) for digits with ordinary punctuation, declines every
input where parse would strip an international or national prefix or a leading zero, and judges
the number by the library's own metadata, as ``is_valid_number`` does (see
:func:`is_valid_national_number`). The fast path only ever answers "valid, and this is the
normalised form", and hands anything it is not sure about to the library, so it can never reject
what the library accepts; the ingest tests prove with hypothesis that whatever it returns is
exactly what the library returns.

Email addresses are in :mod:`dispatch.ingest.email_addresses`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, NumberParseException, PhoneMetadata, PhoneNumberDesc
from phonenumbers import timezone as number_zones

from dispatch.ingest.invalid import InvalidValue

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


def time_zones(number: str) -> tuple[str, ...]:
    """The time zones phonenumbers places a stored (E.164) number in; none when it cannot read it."""
    try:
        parsed = phonenumbers.parse(number)
    except NumberParseException:
        return ()
    return tuple(number_zones.time_zones_for_number(parsed))


def is_supported_region(region: str) -> bool:
    """Whether phonenumbers knows ``region`` (an ISO 3166 code such as ``US``)."""
    return region in phonenumbers.SUPPORTED_REGIONS


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
    if not is_valid_national_number(country_code, national):
        return None
    return f"+{country_code}{national}"  # format_number's E.164: no leading zero, nothing to format


def _split_country_code(digits: str) -> tuple[int | None, str]:
    """The calling code at the start of ``digits`` as parse reads it: the shortest known prefix."""
    if len(digits) <= 2 or digits.startswith("0"):  # parse refuses these
        return None, digits
    for length in (1, 2, 3):
        code = int(digits[:length])
        if code in COUNTRY_CODE_TO_REGION_CODE:
            return code, digits[length:]
    return None, digits


def is_valid_national_number(country_code: int, national: str) -> bool:
    """``phonenumbers.is_valid_number`` for the number ``+<country_code><national>`` (``national``
    is ASCII digits without a leading zero), judged by the same metadata with compiled patterns.

    The library finds the number's region (the first region of the country code where it
    matches the leading digits, else where it is valid) and checks the number there; each check
    walks the number types one by one, looking each pattern up again. For a number with the
    country code 1, shared by 25 regions, that is two full walks per number, most of the cost
    of validating a US phone column. Here a region found by validity needs no second check.
    """
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code, ())
    if len(regions) == 1:
        return _number_patterns(country_code, regions[0]).valid(national)
    for region in regions:
        patterns = _number_patterns(country_code, region)
        if patterns.leading_digits is None:
            if patterns.valid(national):
                return True
        elif patterns.leading_digits.match(national):
            return patterns.valid(national)
    return False


@dataclass(frozen=True, slots=True)
class _Description:
    """A PhoneNumberDesc, compiled: the lengths it allows (none listed: any) and its pattern."""

    lengths: frozenset[int]
    pattern: re.Pattern[str]

    def matches(self, national: str) -> bool:
        if self.lengths and len(national) not in self.lengths:
            return False
        return self.pattern.fullmatch(national) is not None


@dataclass(frozen=True, slots=True)
class _NumberPatterns:
    """What the library checks of a region: a valid number matches the general description and
    at least one number type (which type does not matter here, so the common ones come first)."""

    leading_digits: re.Pattern[str] | None
    general: _Description | None
    types: tuple[_Description, ...]

    def valid(self, national: str) -> bool:
        return (
            self.general is not None
            and self.general.matches(national)
            and any(kind.matches(national) for kind in self.types)
        )


_NO_PATTERNS = _NumberPatterns(None, None, ())


@lru_cache(maxsize=512)
def _number_patterns(country_code: int, region: str) -> _NumberPatterns:
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
    if metadata is None:
        return _NO_PATTERNS
    # The library's order of types, but fixed line and mobile first; mobile is not tried when
    # its pattern is fixed line's (the library answers from fixed line alone then).
    mobile = () if metadata.same_mobile_and_fixed_line_pattern else (metadata.mobile,)
    kinds = (
        metadata.fixed_line,
        *mobile,
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    )
    leading = metadata.leading_digits
    return _NumberPatterns(
        re.compile(leading) if leading is not None else None,
        _description(metadata.general_desc),
        tuple(compiled for kind in kinds if (compiled := _description(kind)) is not None),
    )


def _description(desc: PhoneNumberDesc | None) -> _Description | None:
    """None for a description that matches nothing (absent, or without a pattern)."""
    if desc is None or not desc.national_number_pattern:
        return None
    return _Description(frozenset(desc.possible_length or ()), re.compile(desc.national_number_pattern))
