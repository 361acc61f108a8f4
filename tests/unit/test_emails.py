"""The one canonical form of an email address (dispatch.emails)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from dispatch.emails import CanonicalEmail, canonical_email


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("ada@example.com", "ada@example.com"),
        ("ADA@Example.COM", "ada@example.com"),
        ("  Ada.Lovelace+Renewals@EXAMPLE.com ", "ada.lovelace+renewals@example.com"),
        ("José@Exämple.COM", "josé@exämple.com"),  # Unicode: NFC, case-folded, IDNA domain
        ("Jose\u0301@example.com", "josé@example.com"),  # decomposed accent: the same address
        ("STRASSE@example.de", "strasse@example.de"),
        ("straße@example.de", "strasse@example.de"),  # case-folding: ß is ss
    ],
)
def test_every_spelling_of_an_address_has_one_canonical_form(spelling: str, canonical: str) -> None:
    assert canonical_email(spelling) == canonical


@given(st.emails())
def test_the_canonical_form_is_its_own_canonical_form(address: str) -> None:
    try:
        once = canonical_email(address)
    except ValueError:
        return  # hypothesis' addresses include special-use domains, which are not deliverable
    assert canonical_email(once) == once
    assert canonical_email(address.upper()) == once


@pytest.mark.parametrize("text", ["", "ada", "ada@", "@example.com", "ada@example", "ada@@example.com"])
def test_what_is_not_an_address_has_no_canonical_form(text: str) -> None:
    with pytest.raises(ValueError):
        canonical_email(text)


def test_an_api_email_field_is_stored_canonical() -> None:
    class Body(BaseModel):
        email: CanonicalEmail

    assert Body(email="Agent@Example.COM").email == "agent@example.com"
    with pytest.raises(ValidationError):
        Body(email="not an address")
