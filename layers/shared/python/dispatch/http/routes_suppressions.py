"""Routes: /suppressions (admins manage the organisation's suppression list; every change audited)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dispatch import services
from dispatch.deliverability.suppressions import (
    AuditEntry,
    ImportResult,
    NewSuppression,
    Suppressed,
    SuppressionImport,
)
from dispatch.http.caller import current_caller
from dispatch.http.contract import Page, documented
from dispatch.http.paging import Cursor, page, start
from dispatch.http.responses import file_response

router = Router()


@router.get(
    "/suppressions",
    summary="The suppression list (admin), in address order; q: part of the address",
    responses=documented(takes_input=True),
)
def list_suppressions(
    *,
    q: Annotated[str | None, Query(max_length=320)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Cursor = None,
) -> Page[Suppressed]:
    items, position = services.suppression_admin().search(
        current_caller(router), q, limit, start(router, cursor)
    )
    return page(router, Page[Suppressed], items, position)


@router.post(
    "/suppressions",
    summary="Suppress an address with a reason (admin; audited)",
    status_code=201,
    responses=documented(success=201, body=True),
)
def add_suppression(body: NewSuppression) -> Suppressed:
    return services.suppression_admin().add(current_caller(router), body)


@router.delete(
    "/suppressions/<address>",
    summary="Remove an address from the suppression list (admin; audited): it may be sent to again",
    status_code=204,
    responses=documented(404, success=204, takes_input=True),
)
def remove_suppression(
    address: str, reason: Annotated[str | None, Query(max_length=500)] = None
) -> Response[None]:
    services.suppression_admin().remove(current_caller(router), address, reason)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/suppressions/import",
    summary="Suppress many addresses with one reason (admin; audited; up to 1000)",
    responses=documented(body=True),
)
def import_suppressions(body: SuppressionImport) -> ImportResult:
    return services.suppression_admin().import_(current_caller(router), body)


@router.get(
    "/suppressions/export",
    summary="The suppression list as CSV (admin)",
    responses={
        **documented(),
        200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
    },
)
def export_suppressions() -> Response[str]:
    body = services.suppression_admin().export(current_caller(router))
    return file_response(body, "text/csv; charset=utf-8", "suppressions.csv")


@router.get(
    "/suppressions/audit",
    summary="Changes to the suppression list, newest first (admin)",
    responses=documented(takes_input=True),
)
def suppression_audit(
    *, limit: Annotated[int, Query(ge=1, le=100)] = 25, cursor: Cursor = None
) -> Page[AuditEntry]:
    items, position = services.suppression_admin().audit(current_caller(router), limit, start(router, cursor))
    return page(router, Page[AuditEntry], items, position)
