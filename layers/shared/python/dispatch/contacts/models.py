"""Contacts: an organisation's stored recipients (PRODUCT §8, seed 004's "assemblies").

A contact is known by its ``external_id`` (unique in the organisation: the key an import updates
by); its ``id`` is derived from the organisation and that external id, so the same external id is
always the same contact — created once, updated after, and after a deletion created again with its
history intact. Email and phone are stored in the one canonical form (:mod:`dispatch.emails`, E.164
read with the organisation's region); tags case-folded; attributes typed by the organisation's
attribute schema (string, number, date, boolean).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dispatch.batches.models import Upload
from dispatch.downloads import DownloadLink
from dispatch.ids import derived_id, spread
from dispatch.views import View

SHARDS = 16  # a contact's partition is <org>#<shard>: counts and working lists read the shards in parallel
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
AttributeName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")]
AttributeValue = str | int | float | bool
PROPERTIES = (
    "external_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postcode",
    "country",
)
ADDRESS = ("address_line1", "address_line2", "city", "region", "postcode", "country")
TIMES = ("created_at", "updated_at")


class AttributeType(StrEnum):
    string = "string"
    number = "number"
    date = "date"
    boolean = "boolean"


def contact_id(org_id: str, external_id: str) -> str:
    """The contact's id: 16 characters derived from the organisation and the external id."""
    return derived_id("contact", org_id, external_id)


def shard_of(identifier: str) -> int:
    """The shard a contact id lives in (its first character, spread evenly over the shards)."""
    return spread(identifier, SHARDS)


class ContactInput(BaseModel):
    """The body of ``POST /contacts`` and ``PUT /contacts/{id}`` (a whole contact)."""

    model_config = ConfigDict(extra="forbid")

    external_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    first_name: Text | None = None
    last_name: Text | None = None
    email: Annotated[str, StringConstraints(strip_whitespace=True, max_length=320)] | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)] | None = None
    address_line1: Text | None = None
    address_line2: Text | None = None
    city: Text | None = None
    region: Text | None = None
    postcode: Text | None = None
    country: Text | None = None
    tags: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]] = (
        Field(default_factory=list, max_length=100)
    )
    attributes: dict[AttributeName, AttributeValue] = Field(default_factory=dict, max_length=200)


class Contact(View):
    """A stored contact. Absent properties are None; ``attributes`` hold only what is set."""

    id: str
    org_id: str
    external_id: str
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None
    tags: list[str] = Field(default_factory=list)
    attributes: dict[str, AttributeValue] = Field(default_factory=dict)
    created_at: str
    updated_at: str

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def postal(self) -> PostalAddress | None:
        """The address a letter goes to; None without one (a first line and a city or postcode)."""
        if not has_address(self.model_dump()):
            return None
        return PostalAddress(
            name=self.name or None,
            **{field: getattr(self, field) for field in ADDRESS if getattr(self, field)},
        )


def has_address(item: dict[str, Any]) -> bool:
    """A postal address a letter can go to: its first line, and a city or a postcode."""
    return bool(item.get("address_line1")) and bool(item.get("city") or item.get("postcode"))


class PostalAddress(View):
    """Where a letter goes: the contact's name and address, as stored on its card."""

    name: str | None = None
    address_line1: str
    address_line2: str | None = None
    city: str | None = None
    region: str | None = None
    postcode: str | None = None
    country: str | None = None

    def lines(self) -> list[str]:
        locality = " ".join(part for part in (self.postcode, self.city) if part)
        return [
            line
            for line in (
                self.name,
                self.address_line1,
                self.address_line2,
                locality,
                self.region,
                self.country,
            )
            if line
        ]


class ContactPage(View):
    """``GET /contacts``: a page of matches; with ``count=true``, ``count`` is the exact number of
    contacts the filter matches (all pages together)."""

    items: list[Contact]
    next_cursor: str | None = Field(description="the cursor of the next page; null on the last page")
    count: int | None = None


class ImportStatus(StrEnum):
    uploading = "uploading"
    importing = "importing"
    done = "done"
    invalid = "invalid"


class NewImport(BaseModel):
    """The body of ``POST /contacts/imports``."""

    model_config = ConfigDict(extra="forbid")

    file_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class ContactImport(View):
    """A contacts file and what became of it: every non-blank data row is created, updated or
    rejected (with its reasons in the row-error CSV)."""

    id: str
    org_id: str
    file_name: str
    status: ImportStatus
    status_reason: str | None = None
    created: int = 0
    updated: int = 0
    rejected: int = 0
    rows: int = 0
    attributes: dict[str, AttributeType] = Field(
        default_factory=dict, description="the file's attribute columns"
    )
    created_by: str
    created_by_email: str | None = None
    created_at: str
    updated_at: str
    source_version: str | None = Field(default=None, exclude=True)
    report_key: str | None = Field(default=None, exclude=True)


class ContactImportView(ContactImport):
    errors: DownloadLink | None = Field(
        default=None, description="the row-error CSV, when rows were rejected"
    )


class NewImportView(ContactImport):
    upload: Upload


class HistoryEntry(View):
    """A card (and its letter) a contact received, with its batch."""

    card_id: str
    batch_id: str
    batch_name: str | None
    batch_status: str | None
    status: str
    channels: list[str]
    letter: bool
    created_at: str
    sent_at: str | None
    letter_printed_at: str | None
    error: str | None
