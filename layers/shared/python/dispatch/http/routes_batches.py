"""Routes: /batches."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from dispatch import services
from dispatch.batches.dry_run import DryRunView
from dispatch.batches.models import BatchStatus, BatchView, ErrorReport, NewBatchView
from dispatch.batches.service import CloneRequest, Decision, NewBatch, Rename
from dispatch.batches.store import BatchQuery
from dispatch.errors import InvalidRequest
from dispatch.exports.models import ExportRequest, ExportView
from dispatch.http.caller import current_caller, public_base_url
from dispatch.http.contract import Page, documented
from dispatch.http.paging import Cursor, page, start

router = Router()
DEFAULT_LIST = frozenset(BatchStatus) - {BatchStatus.archived}


@router.post(
    "/batches",
    summary="Create a batch and a pre-signed upload for its file",
    status_code=201,
    responses=documented(404, 409, success=201, body=True),
)
def create_batch(body: NewBatch) -> NewBatchView:
    return services.batch_service().create(current_caller(router), body)


@router.get(
    "/batches",
    summary="List batches (default: all but archived, newest first)",
    responses=documented(takes_input=True),
)
def list_batches(
    *,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    q: Annotated[str | None, Query(max_length=200, description="part of the name, any case")] = None,
    sort: Annotated[Literal["created", "name"], Query()] = "created",
    order: Annotated[
        Literal["asc", "desc"] | None, Query(description="default: desc by time, asc by name")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Cursor = None,
) -> Page[BatchView]:
    query = BatchQuery(
        statuses=frozenset(_statuses(status) or DEFAULT_LIST),
        search=q or None,
        sort=sort,
        ascending=(order or ("asc" if sort == "name" else "desc")) == "asc",
        limit=limit,
        cursor=start(router, cursor),
    )
    items, position = services.batch_service().list(current_caller(router), query)
    return page(router, Page[BatchView], (item.public() for item in items), position)


@router.get(
    "/batches/<batch_id>", summary="Get a batch with its status and counters", responses=documented(404)
)
def get_batch(batch_id: str) -> BatchView:
    batch = services.batch_service().get(current_caller(router), batch_id)
    return batch.public().model_copy(update={"deferred": services.quiet_hours().summary(batch)})


@router.post(
    "/batches/<batch_id>/exports",
    summary="Export the batch as CSV or XLSX: 200 with a download link when ready, else 202 (ask again)",
    responses=documented(404, 409, also=(202,), body=True),
)
def export_batch(batch_id: str, body: ExportRequest) -> tuple[ExportView, int]:
    return services.export_service().request(current_caller(router), batch_id, body)


@router.get(
    "/batches/<batch_id>/exports/<export_id>",
    summary="An export's status, and a fresh download link",
    responses=documented(404),
)
def get_export(batch_id: str, export_id: str) -> ExportView:
    return services.export_service().get(current_caller(router), batch_id, export_id)


@router.get(
    "/batches/<batch_id>/errors",
    summary="A pre-signed link to the row-error report (CSV)",
    responses=documented(404),
)
def batch_errors(batch_id: str) -> ErrorReport:
    return services.batch_service().error_report(current_caller(router), batch_id)


@router.post(
    "/batches/<batch_id>/approve",
    summary="Approve a batch pending approval (approver)",
    responses=documented(404, 409),
)
def approve_batch(batch_id: str) -> BatchView:
    return services.batch_service().approve(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/reject",
    summary="Reject a batch pending approval, with a reason (approver)",
    responses=documented(404, 409, 422, body=True),
)
def reject_batch(batch_id: str, body: Annotated[Decision, Body()]) -> BatchView:
    return services.batch_service().reject(current_caller(router), batch_id, body).public()


@router.get(
    "/batches/<batch_id>/dry-run",
    summary="Row errors, a few rendered cards and the estimated finish",
    responses=documented(404, 409),
)
def dry_run(batch_id: str) -> DryRunView:
    caller = current_caller(router)
    return services.batch_service().dry_run(caller, batch_id, services.dry_runs(public_base_url(router)))


@router.post(
    "/batches/<batch_id>/send-remaining",
    summary="Send every card still ready (sender)",
    responses=documented(404, 409),
)
def send_remaining(batch_id: str) -> BatchView:
    return services.batch_service().send_remaining(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/retry-failed",
    summary="Send again the cards that failed with a temporary error",
    responses=documented(404, 409),
)
def retry_failed(batch_id: str) -> BatchView:
    return services.batch_service().retry_failed(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/resume",
    summary="Continue a failed batch from where it stopped (never re-sending a sent card)",
    responses=documented(404, 409),
)
def resume_batch(batch_id: str) -> BatchView:
    return services.batch_service().resume(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/complete",
    summary="Close the batch; unsent cards are removed",
    responses=documented(404, 409),
)
def complete_batch(batch_id: str) -> BatchView:
    return services.batch_service().complete(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/archive",
    summary="Archive the batch; unsent cards are removed",
    responses=documented(404, 409),
)
def archive_batch(batch_id: str) -> BatchView:
    return services.batch_service().archive(current_caller(router), batch_id).public()


@router.post(
    "/batches/<batch_id>/clone",
    summary="A new batch from a finished one (all, not reached, not accessed)",
    status_code=202,
    responses=documented(404, 409, success=202, body=True),
)
def clone_batch(batch_id: str, body: CloneRequest) -> BatchView:
    return services.batch_service().clone(current_caller(router), batch_id, body).public()


@router.patch("/batches/<batch_id>", summary="Rename a batch", responses=documented(404, 409, body=True))
def rename_batch(batch_id: str, body: Rename) -> BatchView:
    return services.batch_service().rename(current_caller(router), batch_id, body).public()


def _statuses(raw: str | None) -> list[BatchStatus] | None:
    if not raw:
        return None
    try:
        return [BatchStatus(part.strip()) for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise InvalidRequest("unknown status", {"allowed": [status.value for status in BatchStatus]}) from exc
