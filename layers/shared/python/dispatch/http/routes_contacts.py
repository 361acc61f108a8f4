"""Routes: /contacts (PRODUCT §8): imports, contacts one by one, filtered lists, history, messages."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dispatch import services
from dispatch.batches.models import BatchView
from dispatch.communications.models import OneOffMessage
from dispatch.contacts.filters import from_query
from dispatch.contacts.models import (
    Contact,
    ContactImportView,
    ContactInput,
    ContactPage,
    HistoryEntry,
    NewImport,
    NewImportView,
)
from dispatch.http.caller import current_caller
from dispatch.http.contract import Page, documented
from dispatch.http.paging import Cursor, page, start

router = Router()


@router.post(
    "/contacts/imports",
    summary="Import contacts from a CSV or XLSX file: the import and a pre-signed upload for it",
    status_code=201,
    responses=documented(success=201, body=True),
)
def create_import(body: NewImport) -> NewImportView:
    return services.contact_service().create_import(current_caller(router), body)


@router.get(
    "/contacts/imports/<import_id>",
    summary="An import: status, counts created / updated / rejected, a link to the row-error CSV",
    responses=documented(404),
)
def get_import(import_id: str) -> ContactImportView:
    return services.contact_service().get_import(current_caller(router), import_id)


@router.post(
    "/contacts",
    summary="Create a contact",
    status_code=201,
    responses=documented(409, success=201, body=True),
)
def create_contact(body: ContactInput) -> Contact:
    return services.contact_service().create(current_caller(router), body)


@router.get(
    "/contacts",
    summary="Contacts matching a filter (URL-encoded JSON), paged; count=true adds the exact count",
    responses=documented(takes_input=True),
)
def list_contacts(
    *,
    filter: Annotated[
        str | None, Query(max_length=8000, description="the filter as JSON (see the README)")
    ] = None,
    count: Annotated[bool, Query(description="also count every match")] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Cursor = None,
) -> ContactPage:
    found = services.contact_service().search(
        current_caller(router), from_query(filter), count=count, limit=limit, cursor=start(router, cursor)
    )
    paged = page(router, Page[Contact], found.items, found.next_cursor)
    return ContactPage(items=paged.items, next_cursor=paged.next_cursor, count=found.count)


@router.get("/contacts/<contact_id>", summary="A contact", responses=documented(404))
def get_contact(contact_id: str) -> Contact:
    return services.contact_service().get(current_caller(router), contact_id)


@router.put(
    "/contacts/<contact_id>",
    summary="Replace a contact (its external id stays)",
    responses=documented(404, 409, body=True),
)
def replace_contact(contact_id: str, body: ContactInput) -> Contact:
    return services.contact_service().replace(current_caller(router), contact_id, body)


@router.delete(
    "/contacts/<contact_id>",
    summary="Delete a contact; what was sent to it stays in its history",
    status_code=204,
    responses=documented(404, success=204),
)
def delete_contact(contact_id: str) -> None:
    services.contact_service().delete(current_caller(router), contact_id)


@router.get(
    "/contacts/<contact_id>/history",
    summary="Every card and letter the contact received, newest first, with status and batch",
    responses=documented(404, takes_input=True),
)
def contact_history(
    contact_id: str, *, limit: Annotated[int, Query(ge=1, le=100)] = 25, cursor: Cursor = None
) -> Page[HistoryEntry]:
    items, position = services.contact_service().history(
        current_caller(router), contact_id, limit, start(router, cursor)
    )
    return page(router, Page[HistoryEntry], items, position)


@router.post(
    "/contacts/<contact_id>/messages",
    summary="A one-off message to one contact (Create Log): a batch of one card, sent as any batch is",
    status_code=202,
    responses=documented(404, 409, 422, success=202, body=True),
)
def message_contact(contact_id: str, body: OneOffMessage) -> BatchView:
    return services.communication_service().message(current_caller(router), contact_id, body).public()
