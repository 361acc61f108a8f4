"""Contacts over the API (PRODUCT §8): one by one, filtered lists with exact counts, each contact's
history, and contact imports (a pre-signed upload; the file is imported when it arrives).

Every contact operation needs the sender role (the people who prepare lists); every item is the
caller's organisation's, whose id is part of every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from dispatch import aws
from dispatch.auth import Caller, Role
from dispatch.batches.models import Upload
from dispatch.batches.store import BatchStore
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, now_iso, utcnow
from dispatch.config import Settings
from dispatch.contacts import filters
from dispatch.contacts.imports_store import ImportStore, import_key
from dispatch.contacts.models import (
    PROPERTIES,
    Contact,
    ContactImport,
    ContactImportView,
    ContactInput,
    ContactPage,
    HistoryEntry,
    ImportStatus,
    NewImport,
    NewImportView,
    contact_id,
)
from dispatch.contacts.store import ContactStore
from dispatch.contacts.values import email_of, phone_of, tags_of, text_of, typed_attributes
from dispatch.downloads import download_link
from dispatch.errors import Conflict, InvalidRequest, NotFound
from dispatch.ids import new_id
from dispatch.ingest.channels import InvalidValue
from dispatch.organisations.store import OrganisationStore


@dataclass
class ContactService:
    settings: Settings
    contacts: ContactStore
    imports: ImportStore
    organisations: OrganisationStore
    cards: CardStore
    batches: BatchStore

    def create(self, caller: Caller, body: ContactInput) -> Contact:
        caller.require(Role.sender)
        moment = now_iso()
        contact = self._contact(caller, body, created_at=moment, updated_at=moment)
        if not self.contacts.create(contact):
            raise Conflict(
                "the organisation has a contact with this external id; update it instead",
                {"contact_id": contact.id, "external_id": body.external_id},
            )
        return contact

    def get(self, caller: Caller, identifier: str) -> Contact:
        caller.require(Role.sender)
        return self.contacts.get(caller.org_id, identifier)

    def replace(self, caller: Caller, identifier: str, body: ContactInput) -> Contact:
        caller.require(Role.sender)
        current = self.contacts.get(caller.org_id, identifier)
        if body.external_id != current.external_id:
            raise Conflict(
                "the external id is the contact's key and cannot change; create another contact",
                {"external_id": current.external_id},
            )
        contact = self._contact(caller, body, created_at=current.created_at, updated_at=now_iso())
        if not self.contacts.replace(contact):
            raise NotFound("no such contact", {"contact_id": identifier})
        return contact

    def delete(self, caller: Caller, identifier: str) -> None:
        """The contact goes; what was sent to it stays on its cards (its history)."""
        caller.require(Role.sender)
        if not self.contacts.delete(caller.org_id, identifier):
            raise NotFound("no such contact", {"contact_id": identifier})

    def compiled(self, org_id: str, raw: Any) -> filters.Compiled | None:
        """The filter ``raw`` (decoded JSON; None: every contact) checked and compiled (400 if not)."""
        if raw is None:
            return None
        region = self.organisations.get(org_id).default_phone_region
        return filters.compile_filter(filters.parse(raw, self.contacts.schema(org_id), region))

    def count(self, org_id: str, raw: Any) -> int:
        return self.contacts.count(org_id, self.compiled(org_id, raw))

    def search(self, caller: Caller, raw: Any, *, count: bool, limit: int, cursor: str | None) -> ContactPage:
        caller.require(Role.sender)
        compiled = self.compiled(caller.org_id, raw)
        items, position = self.contacts.page(caller.org_id, compiled, limit, cursor)
        total = self.contacts.count(caller.org_id, compiled) if count else None
        return ContactPage(items=items, next_cursor=position, count=total)

    def history(
        self, caller: Caller, identifier: str, limit: int, cursor: str | None
    ) -> tuple[list[HistoryEntry], str | None]:
        """Every card and letter the contact received, newest first — kept after the contact is
        deleted (the cards are the history); 404 when there is neither contact nor history."""
        caller.require(Role.sender)
        cards, position = self.cards.for_contact(caller.org_id, identifier, limit, cursor)
        if not cards and cursor is None:
            self.contacts.get(caller.org_id, identifier)  # NotFound unless the contact exists
        batches: dict[str, tuple[str | None, str | None]] = {}
        entries = []
        for card in cards:
            if card.batch_id not in batches:
                try:
                    batch = self.batches.get(caller.org_id, card.batch_id)
                    batches[card.batch_id] = (batch.name, batch.status.value)
                except NotFound:
                    batches[card.batch_id] = (None, None)
            name, status = batches[card.batch_id]
            entries.append(
                HistoryEntry(
                    card_id=card.id,
                    batch_id=card.batch_id,
                    batch_name=name,
                    batch_status=status,
                    status=card.status.value,
                    channels=card.channels,
                    letter=card.letter,
                    created_at=card.created_at,
                    sent_at=card.sent_at,
                    letter_printed_at=card.letter_printed_at,
                    error=card.error,
                )
            )
        return entries, position

    def create_import(self, caller: Caller, body: NewImport) -> NewImportView:
        """An import waiting for its file, and a pre-signed POST that accepts one within limits."""
        caller.require(Role.sender)
        moment = utcnow()
        job = ContactImport(
            id=new_id(moment),
            org_id=caller.org_id,
            file_name=body.file_name,
            status=ImportStatus.uploading,
            created_by=caller.user_id,
            created_by_email=caller.email,
            created_at=isoformat(moment),
            updated_at=isoformat(moment),
        )
        self.imports.create(job)
        ttl = self.settings.upload_url_ttl_seconds
        post = aws.client("s3").generate_presigned_post(
            Bucket=self.settings.bucket,
            Key=import_key(caller.org_id, job.id),
            Conditions=[["content-length-range", 1, self.settings.max_file_bytes]],
            ExpiresIn=ttl,
        )
        upload = Upload(
            method="POST",
            url=post["url"],
            fields=post["fields"],
            expires_at=isoformat(moment + timedelta(seconds=ttl)),
            max_bytes=self.settings.max_file_bytes,
        )
        return NewImportView.model_validate({**dict(job), "upload": upload})

    def get_import(self, caller: Caller, import_id: str) -> ContactImportView:
        caller.require(Role.sender)
        job = self.imports.get(caller.org_id, import_id)
        errors = None
        if job.report_key and job.rejected:
            errors = download_link(
                self.settings, job.report_key, "text/csv; charset=utf-8", f"{job.id}-errors.csv"
            )
        return ContactImportView.model_validate({**dict(job), "errors": errors})

    def _contact(self, caller: Caller, body: ContactInput, *, created_at: str, updated_at: str) -> Contact:
        """The stored form of ``body``: every value normalised and typed, or a 400 naming each
        problem; new attributes join the organisation's schema."""
        region = self.organisations.get(caller.org_id).default_phone_region
        problems: list[dict[str, str]] = []
        values: dict[str, Any] = {}
        for name in PROPERTIES:
            raw = getattr(body, name)
            if not raw:
                continue
            try:
                if name == "email":
                    values[name] = email_of(raw)
                elif name == "phone":
                    values[name] = phone_of(raw, region)
                else:
                    values[name] = text_of(raw)
            except InvalidValue as exc:
                problems.append({"location": f"body.{name}", "message": str(exc)})
        schema = self.contacts.schema(caller.org_id)
        attributes, new, wrong = typed_attributes(body.attributes, schema)
        problems += [{"location": f"body.attributes.{name}", "message": text} for name, text in wrong.items()]
        if not problems and new:
            settled = self.contacts.add_attributes(caller.org_id, new)
            raced = [name for name, kind in new.items() if settled.get(name) is not kind]
            problems += [
                {
                    "location": f"body.attributes.{name}",
                    "message": f"the attribute is a {settled[name].value}",
                }
                for name in raced
            ]
        if problems:
            raise InvalidRequest("the contact is not valid", {"errors": problems})
        return Contact(
            id=contact_id(caller.org_id, values["external_id"]),
            org_id=caller.org_id,
            **values,
            tags=tags_of(body.tags),
            attributes=attributes,
            created_at=created_at,
            updated_at=updated_at,
        )
