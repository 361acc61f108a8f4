"""Routes: /batches."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from dispatch import services
from dispatch.batches.models import BatchStatus
from dispatch.batches.service import CloneRequest, Decision, NewBatch, Rename
from dispatch.batches.store import BatchQuery
from dispatch.errors import InvalidRequest
from dispatch.exports.models import ExportRequest
from dispatch.http.caller import current_caller, public_base_url
from dispatch.http.responses import page

router = Router()
DEFAULT_LIST = frozenset(BatchStatus) - {BatchStatus.archived}


@router.post("/batches", summary="Create a batch and a pre-signed upload for its file")
def create_batch(body: NewBatch) -> tuple[dict[str, Any], int]:
    return services.batch_service().create(current_caller(router), body), 201


@router.get("/batches", summary="List batches (default: all but archived, newest first)")
def list_batches(
    *,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    q: Annotated[str | None, Query(max_length=200, description="part of the name, any case")] = None,
    sort: Annotated[Literal["created", "name"], Query()] = "created",
    order: Annotated[
        Literal["asc", "desc"] | None, Query(description="default: desc by time, asc by name")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    query = BatchQuery(
        statuses=frozenset(_statuses(status) or DEFAULT_LIST),
        search=q or None,
        sort=sort,
        ascending=(order or ("asc" if sort == "name" else "desc")) == "asc",
        limit=limit,
        cursor=cursor,
    )
    items, next_cursor = services.batch_service().list(current_caller(router), query)
    return page((item.public() for item in items), next_cursor)


@router.get("/batches/<batch_id>", summary="Get a batch with its status and counters")
def get_batch(batch_id: str) -> dict[str, Any]:
    return services.batch_service().get(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/exports",
    summary="Export the batch as CSV or XLSX: 200 with a download link when ready, else 202 (ask again)",
)
def export_batch(batch_id: str, body: ExportRequest) -> tuple[dict[str, Any], int]:
    return services.export_service().request(current_caller(router), batch_id, body)


@router.get(
    "/batches/<batch_id>/exports/<export_id>", summary="An export's status, and a fresh download link"
)
def get_export(batch_id: str, export_id: str) -> dict[str, Any]:
    return services.export_service().get(current_caller(router), batch_id, export_id)


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


@router.get(
    "/batches/<batch_id>/dry-run", summary="Row errors, a few rendered cards and the estimated finish"
)
def dry_run(batch_id: str) -> dict[str, Any]:
    caller = current_caller(router)
    return services.batch_service().dry_run(caller, batch_id, services.dry_runs(public_base_url(router)))


@router.post("/batches/<batch_id>/send-remaining", summary="Send every card still ready (sender)")
def send_remaining(batch_id: str) -> dict[str, Any]:
    return services.batch_service().send_remaining(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/retry-failed", summary="Send again the cards that failed with a temporary error"
)
def retry_failed(batch_id: str) -> dict[str, Any]:
    return services.batch_service().retry_failed(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/resume",
    summary="Continue a failed batch from where it stopped (never re-sending a sent card)",
)
def resume_batch(batch_id: str) -> dict[str, Any]:
    return services.batch_service().resume(current_caller(router), batch_id).public()


@router.post("/batches/<batch_id>/complete", summary="Close the batch; unsent cards are removed")
def complete_batch(batch_id: str) -> dict[str, Any]:
    return services.batch_service().complete(current_caller(router), batch_id).public()


@router.post("/batches/<batch_id>/archive", summary="Archive the batch; unsent cards are removed")
def archive_batch(batch_id: str) -> dict[str, Any]:
    return services.batch_service().archive(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/clone", summary="A new batch from a finished one (all, not reached, not accessed)"
)
def clone_batch(batch_id: str, body: CloneRequest) -> tuple[dict[str, Any], int]:
    return services.batch_service().clone(current_caller(router), batch_id, body).public(), 202


@router.patch("/batches/<batch_id>", summary="Rename a batch")
def rename_batch(batch_id: str, body: Rename) -> dict[str, Any]:
    return services.batch_service().rename(current_caller(router), batch_id, body).public()


def _statuses(raw: str | None) -> list[BatchStatus] | None:
    if not raw:
        return None
    try:
        return [BatchStatus(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise InvalidRequest("unknown status", {"allowed": [status.value for status in BatchStatus]}) from exc
