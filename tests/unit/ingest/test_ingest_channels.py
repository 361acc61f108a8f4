"""The fast paths in front of email-validator and phonenumbers never disagree with the libraries."""

from __future__ import annotations

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis_depth import examples

from dispatch.ingest.email_addresses import email_fast_path, normalise_email
from dispatch.ingest.invalid import InvalidValue
from dispatch.ingest.phones import is_valid_national_number, normalise_phone, phone_fast_path

REGIONS = [
    "US",
    "CA",
    "BS",
    "GB",
    "DE",
    "FR",
    "IT",
    "SM",
    "BR",
    "AR",
    "MX",
    "IN",
    "JP",
    "AU",
    "RU",
    "CN",
    "ZA",
    "NL",
    "HU",
]


def library_email(text: str) -> str | None:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def library_phone(text: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


LABEL = st.from_regex(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,64}[A-Za-z0-9])?", fullmatch=True)
TLD = st.one_of(
    st.from_regex(r"[A-Za-z]{1,64}", fullmatch=True),
    st.sampled_from(
        ["test", "local", "localhost", "invalid", "arpa", "onion", "example", "COM", "xn--p1ai", "1com"]
    ),
)
LOCAL = st.one_of(
    st.from_regex(r"[A-Za-z0-9_+'.\-!#$%&*/=?^`{|}~]{1,70}", fullmatch=True),
    st.sampled_from(["Postmaster", "ABUSE", "info", "Info.Desk", "www"]),
    # Beyond ASCII: letters, numbers, combining marks, decomposed and compatibility forms, spaces, controls.
    st.text(
        st.one_of(
            st.sampled_from("abcXYZ019_+'.-éü\u0301\u0308\u212b\u1100\u1161\u00a0\u200b²Ⅻ٣"),
            st.characters(min_codepoint=0x80, max_codepoint=0x2FFFF),
        ),
        min_size=1,
        max_size=70,
    ),
)
EMAILS = st.one_of(
    st.builds(
        lambda local, labels, tld: f"{local}@{'.'.join([*labels, tld])}",
        LOCAL,
        st.lists(LABEL, max_size=4),
        TLD,
    ),
    st.from_regex(r"[a-z.]{1,10}@[a-z.\-]{1,20}", fullmatch=True),
    st.text(max_size=40),
)


@settings(max_examples=examples(1500), deadline=None)
@given(EMAILS)
@example("Jane.Doe+tag@Example.COM")
@example("a" * 64 + "@" + "b" * 63 + ".com")
@example("a" * 65 + "@example.com")
@example("x@" + ".".join(["a" * 63] * 3) + "." + "c" * 61)
@example("o'brien@example.co.uk")
@example("a@b--c.com")
@example("a@mail.test")
@example("Postmaster@Example.com")
@example("josé.garcía@example.com")
@example("jose\u0301@example.com")
@example("\u212bngstr\u00f6m@example.com")
@example("\u1100\u1161@example.com")
@example("é" * 64 + "@" + "b" * 63 + "." + "c" * 60)
def test_email_fast_path_agrees_with_email_validator(text: str) -> None:
    fast = email_fast_path(text)
    if fast is not None:
        assert fast == library_email(text)


SEPARATORS = st.sampled_from(["", "", "", " ", "-", ".", "(", ")", " (", ") "])
PHONES = st.builds(
    lambda plus, paren, groups, joiners: (
        ("+" if plus else "")
        + ("(" if paren else "")
        + "".join(group + joiner for group, joiner in zip(groups, joiners, strict=False)).strip(" ().-")
        + (groups[-1] if len(joiners) < len(groups) else "")
    ),
    st.booleans(),
    st.booleans(),
    st.lists(st.from_regex(r"[0-9]{1,5}", fullmatch=True), min_size=1, max_size=6),
    st.lists(SEPARATORS, max_size=6),
)


def _example_numbers() -> list[tuple[str, str]]:
    """Each region's example numbers, written the ways people write them."""
    cases = []
    for region in REGIONS:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            for style in (
                phonenumbers.PhoneNumberFormat.NATIONAL,
                phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                phonenumbers.PhoneNumberFormat.E164,
            ):
                cases.append((phonenumbers.format_number(number, style), region))
    return cases


EXAMPLES = _example_numbers()


@settings(max_examples=examples(2500), deadline=None)
@given(PHONES, st.sampled_from(REGIONS))
@example("(201) 555-0123", "US")
@example("1 201 555 0123", "US")
@example("011 44 20 7946 0958", "US")
@example("020 7946 0958", "GB")
@example("+39 06 1234 5678", "GB")
@example("06 1234 5678", "IT")
@example("8 (495) 123-45-67", "RU")
@example("06 20 123 4567", "HU")
def test_phone_fast_path_agrees_with_phonenumbers(text: str, region: str) -> None:
    fast = phone_fast_path(text, region)
    if fast is not None:
        assert fast == library_phone(text, region)


@pytest.mark.parametrize(("text", "region"), EXAMPLES)
def test_phone_fast_path_agrees_on_every_regions_example_numbers(text: str, region: str) -> None:
    fast = phone_fast_path(text, region)
    if fast is not None:
        assert fast == library_phone(text, region)


def _numbers_near_valid_ones() -> list[tuple[int, str]]:
    """Every region's example number of every type, and the numbers one digit away from it
    (changed, added, dropped): valid and invalid numbers close to the patterns' edges."""
    numbers = set()
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in phonenumbers.PhoneNumberType.values():
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            national = str(number.national_number)
            numbers.add((number.country_code, national))
            numbers.add((number.country_code, national + "5"))
            numbers.add((number.country_code, national[:-1]))
            numbers.add((number.country_code, national[:-1] + str((int(national[-1]) + 3) % 10)))
            numbers.add((number.country_code, str((int(national[0]) % 9) + 1) + national[1:]))
    return sorted(numbers)


def test_number_validity_agrees_with_phonenumbers_near_every_example() -> None:
    numbers = _numbers_near_valid_ones()
    verdicts = {
        (country_code, national): phonenumbers.is_valid_number(
            phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
        )
        for country_code, national in numbers
    }
    disagreements = [
        number for number, valid in verdicts.items() if is_valid_national_number(*number) != valid
    ]
    assert disagreements == []
    assert 1000 < sum(verdicts.values()) < len(numbers) - 1000  # many valid numbers, many invalid ones


@settings(max_examples=examples(3000), deadline=None)
@given(
    st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
    st.from_regex(r"[1-9][0-9]{1,16}", fullmatch=True),
)
@example(1, "2015550123")
@example(1, "4165550123")  # Canada: found by validity among the 25 regions of +1
@example(44, "1624456789")  # Isle of Man: GB's neighbour region, found by leading digits
@example(800, "12345678")  # a non-geographic code
def test_number_validity_agrees_with_phonenumbers(country_code: int, national: str) -> None:
    number = phonenumbers.PhoneNumber(country_code=country_code, national_number=int(national))
    assert is_valid_national_number(country_code, national) == phonenumbers.is_valid_number(number)


def test_the_fast_paths_take_the_common_shapes() -> None:
    """Without this, the agreement tests would pass with fast paths that never answer."""
    assert email_fast_path("Jane.Doe+tag@Example.COM") == "Jane.Doe+tag@example.com"
    assert email_fast_path("José.García@Example.COM") == "José.García@example.com"
    assert phone_fast_path("(201) 555-0123", "US") == "+12015550123"
    assert phone_fast_path("+44 20 7946 0958", "US") == "+442079460958"
    taken = sum(phone_fast_path(text, region) is not None for text, region in EXAMPLES)
    assert taken > len(EXAMPLES) // 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Ann@Example.com", "Ann@example.com"), ("ann@bücher.de", "ann@bücher.de"), ('"a b"@example.com', None)],
)
def test_normalise_email_answers_as_the_library(text: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(InvalidValue):
            normalise_email(text)
    else:
        assert normalise_email(text) == expected


@pytest.mark.parametrize(
    ("text", "region", "expected"),
    [
        ("020 7946 0958", "GB", "+442079460958"),
        ("1-800-FLOWERS", "US", "+18003569377"),
        ("tel:+1-201-555-0123", "US", "+12015550123"),
        ("12", "US", None),
        ("+999 123", "US", None),
        ("call me", "US", None),
    ],
)
def test_normalise_phone_answers_as_the_library(text: str, region: str, expected: str | None) -> None:
    if expected is None:
        with pytest.raises(InvalidValue):
            normalise_phone(text, region)
    else:
        assert normalise_phone(text, region) == expected
