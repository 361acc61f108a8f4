"""Routes: /processes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dispatch import services
from dispatch.config import get_settings
from dispatch.http.caller import current_caller, public_base_url
from dispatch.http.responses import file_response, page
from dispatch.processes.models import ProcessInput, Templates

router = Router()


@router.post("/processes", summary="Create a process (admin)")
def create_process(body: ProcessInput) -> tuple[dict[str, Any], int]:
    process = services.process_service().create(current_caller(router), body)
    return process.model_dump(mode="json"), 201


@router.get("/processes", summary="List the organisation's processes")
def list_processes(
    limit: Annotated[int, Query(ge=1, le=100)] = 25, cursor: Annotated[str | None, Query()] = None
) -> dict[str, Any]:
    items, next_cursor = services.process_service().list(current_caller(router), limit, cursor)
    return page((item.model_dump(mode="json") for item in items), next_cursor)


@router.get("/processes/<process_id>", summary="Get a process")
def get_process(process_id: str) -> dict[str, Any]:
    return services.process_service().get(current_caller(router), process_id).model_dump(mode="json")


@router.put("/processes/<process_id>", summary="Replace a draft process's definition (admin)")
def replace_process(process_id: str, body: ProcessInput) -> dict[str, Any]:
    return (
        services.process_service().replace(current_caller(router), process_id, body).model_dump(mode="json")
    )


@router.post(
    "/processes/<process_id>/preview",
    summary="Render templates with the process's example row, each part on its own (admin; nothing stored)",
)
def preview_templates(process_id: str, body: Templates) -> dict[str, Any]:
    base = public_base_url(router) or get_settings().api_base_url
    return services.process_service().preview(current_caller(router), process_id, body, base)


@router.get("/processes/<process_id>/example-file", summary="An example recipients file (CSV or XLSX)")
def example_file(
    process_id: str, file_format: Annotated[Literal["csv", "xlsx"], Query(alias="format")] = "csv"
) -> Response[str]:
    body, media_type = services.process_service().example_file(
        current_caller(router), process_id, file_format
    )
    return file_response(body, media_type, f"{process_id}-example.{file_format}")


@router.put("/processes/<process_id>/templates", summary="Replace the channel templates (admin)")
def replace_templates(process_id: str, body: Templates) -> dict[str, Any]:
    caller = current_caller(router)
    process = services.process_service().replace_templates(caller, process_id, body)
    returned = services.batch_service().templates_changed(caller, process_id)
    return {**process.model_dump(mode="json"), "batches_returned_to_approval": returned}


@router.post("/processes/<process_id>/publish", summary="Make a process live (admin)")
def publish_process(process_id: str) -> dict[str, Any]:
    return services.process_service().publish(current_caller(router), process_id).model_dump(mode="json")
