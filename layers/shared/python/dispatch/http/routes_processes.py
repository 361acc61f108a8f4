"""Routes: /processes."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dispatch import services
from dispatch.config import get_settings
from dispatch.http.caller import current_caller, public_base_url
from dispatch.http.contract import Page, documented
from dispatch.http.paging import Cursor, page, start
from dispatch.http.responses import file_response
from dispatch.processes.example_file import CSV_TYPE, XLSX_TYPE
from dispatch.processes.models import (
    Process,
    ProcessChanged,
    ProcessChanges,
    ProcessInput,
    Templates,
    TemplatesPreview,
)

router = Router()


@router.post(
    "/processes",
    summary="Create a process (admin)",
    status_code=201,
    responses=documented(422, success=201, body=True),
)
def create_process(body: ProcessInput) -> Process:
    return services.process_service().create(current_caller(router), body)


@router.get("/processes", summary="List the organisation's processes", responses=documented(takes_input=True))
def list_processes(limit: Annotated[int, Query(ge=1, le=100)] = 25, cursor: Cursor = None) -> Page[Process]:
    items, position = services.process_service().list(current_caller(router), limit, start(router, cursor))
    return page(router, Page[Process], items, position)


@router.get("/processes/<process_id>", summary="Get a process", responses=documented(404))
def get_process(process_id: str) -> Process:
    return services.process_service().get(current_caller(router), process_id)


@router.post(
    "/processes/<process_id>/preview",
    summary="Render templates with the process's example row, each part on its own (admin; nothing stored)",
    responses=documented(404, body=True),
)
def preview_templates(process_id: str, body: Templates) -> TemplatesPreview:
    base = public_base_url(router) or get_settings().api_base_url
    return services.process_service().preview(current_caller(router), process_id, body, base)


@router.get(
    "/processes/<process_id>/example-file",
    summary="An example recipients file (CSV or XLSX)",
    responses={
        **documented(404, takes_input=True),
        200: {
            "description": "The file, as an attachment",
            "content": {media_type: {"schema": {"type": "string"}} for media_type in (CSV_TYPE, XLSX_TYPE)},
        },
    },
)
def example_file(
    process_id: str, file_format: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "csv"
) -> Response[str]:
    body, media_type = services.process_service().example_file(
        current_caller(router), process_id, file_format
    )
    return file_response(body, media_type, f"{process_id}-example.{file_format}")


@router.put(
    "/processes/<process_id>/templates",
    summary="Replace the channel templates (admin)",
    responses=documented(404, 422, body=True),
)
def replace_templates(process_id: str, body: Templates) -> ProcessChanged:
    caller = current_caller(router)
    process = services.process_service().replace_templates(caller, process_id, body)
    returned = services.batch_service().content_changed(caller.org_id, process_id=process_id)
    return ProcessChanged.model_validate({**dict(process), "batches_returned_to_approval": returned})


@router.patch(
    "/processes/<process_id>",
    summary="Change any setting of a process (admin); batches whose approved content it changes "
    "go back to approval",
    responses=documented(404, 422, body=True),
)
def update_process(process_id: str, body: ProcessChanges) -> ProcessChanged:
    caller = current_caller(router)
    process = services.process_service().update(caller, process_id, body)
    returned = services.batch_service().content_changed(caller.org_id, process_id=process_id)
    return ProcessChanged.model_validate({**dict(process), "batches_returned_to_approval": returned})


@router.post(
    "/processes/<process_id>/publish", summary="Make a process live (admin)", responses=documented(404, 422)
)
def publish_process(process_id: str) -> Process:
    return services.process_service().publish(current_caller(router), process_id)
