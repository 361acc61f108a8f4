"""Routes: /schedules (admin manages; every role reads)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dispatch import services
from dispatch.clock import utcnow
from dispatch.http.caller import current_caller
from dispatch.http.responses import page
from dispatch.schedules.models import Cancel, ScheduleEdit, ScheduleInput

router = Router()


@router.post("/schedules", summary="Create a schedule: run immediately, once later, or recurring (admin)")
def create_schedule(body: ScheduleInput) -> tuple[dict[str, Any], int]:
    return services.schedule_service().create(current_caller(router), body, utcnow()), 201


@router.get(
    "/schedules", summary='List schedules (default "upcoming": scheduled, recurring, paused, processing)'
)
def list_schedules(
    *,
    view: Annotated[Literal["upcoming", "all"], Query()] = "upcoming",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    items, next_cursor = services.schedule_service().listing(
        current_caller(router), view == "upcoming", limit, cursor, utcnow()
    )
    return page(items, next_cursor)


@router.get("/schedules/<schedule_id>", summary="A schedule, its next fire and its recent runs")
def get_schedule(schedule_id: str) -> dict[str, Any]:
    return services.schedule_service().get(current_caller(router), schedule_id, utcnow())


@router.patch("/schedules/<schedule_id>", summary="Edit name, configuration or timing (admin)")
def edit_schedule(schedule_id: str, body: ScheduleEdit) -> dict[str, Any]:
    return services.schedule_service().edit(current_caller(router), schedule_id, body, utcnow())


@router.post("/schedules/<schedule_id>/pause", summary="Pause a recurring schedule (admin)")
def pause_schedule(schedule_id: str) -> dict[str, Any]:
    return services.schedule_service().pause(current_caller(router), schedule_id, utcnow())


@router.post("/schedules/<schedule_id>/resume", summary="Resume a paused schedule (admin)")
def resume_schedule(schedule_id: str) -> dict[str, Any]:
    return services.schedule_service().resume(current_caller(router), schedule_id, utcnow())


@router.post("/schedules/<schedule_id>/cancel", summary="Cancel; optionally save it as a template (admin)")
def cancel_schedule(schedule_id: str, body: Cancel) -> dict[str, Any]:
    return services.schedule_service().cancel(current_caller(router), schedule_id, body, utcnow())


@router.get("/schedules/<schedule_id>/preview", summary="The next fire times and what a run would do now")
def preview_schedule(schedule_id: str, count: Annotated[int, Query(ge=1, le=50)] = 5) -> dict[str, Any]:
    return services.schedule_service().preview(current_caller(router), schedule_id, count, utcnow())


@router.get("/schedule-templates", summary="Configurations saved when schedules were cancelled")
def schedule_templates() -> dict[str, Any]:
    return page(services.schedule_service().templates(current_caller(router)), None)
