"""Routes: /batches."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from dispatch import services
from dispatch.batches.models import BatchStatus
from dispatch.batches.service import Decision, NewBatch
from dispatch.errors import InvalidRequest
from dispatch.http.caller import current_caller
from dispatch.http.responses import page

router = Router()


@router.post("/batches", summary="Create a batch and a pre-signed upload for its file")
def create_batch(body: NewBatch) -> tuple[dict[str, Any], int]:
    return services.batch_service().create(current_caller(router), body), 201


@router.get("/batches", summary="List batches, newest first (default: all but archived)")
def list_batches(
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    statuses = _statuses(status)
    items, next_cursor = services.batch_service().list(current_caller(router), statuses, limit, cursor)
    return page((item.public() for item in items), next_cursor)


@router.get("/batches/<batch_id>", summary="Get a batch with its status and counters")
def get_batch(batch_id: str) -> dict[str, Any]:
    return services.batch_service().get(current_caller(router), batch_id).public()


@router.get("/batches/<batch_id>/errors", summary="A pre-signed link to the row-error report (CSV)")
def batch_errors(batch_id: str) -> dict[str, Any]:
    return services.batch_service().error_report(current_caller(router), batch_id)


@router.post("/batches/<batch_id>/approve", summary="Approve a batch pending approval (approver)")
def approve_batch(batch_id: str) -> dict[str, Any]:
    return services.batch_service().approve(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/reject", summary="Reject a batch pending approval, with a reason (approver)"
)
def reject_batch(batch_id: str, body: Annotated[Decision, Body()]) -> dict[str, Any]:
    return services.batch_service().reject(current_caller(router), batch_id, body).public()


def _statuses(raw: str | None) -> list[BatchStatus] | None:
    if not raw:
        return None
    try:
        return [BatchStatus(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise InvalidRequest("unknown status", {"allowed": [status.value for status in BatchStatus]}) from exc
