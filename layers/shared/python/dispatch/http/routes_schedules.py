"""Routes: /schedules (admin manages; every role reads)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dispatch import services
from dispatch.clock import utcnow
from dispatch.http.caller import current_caller
from dispatch.http.contract import Page, documented
from dispatch.http.paging import Cursor, page, start
from dispatch.schedules.models import (
    Cancel,
    CancelledSchedule,
    DraftPreview,
    ScheduleDetail,
    ScheduleDraft,
    ScheduleEdit,
    ScheduleInput,
    SchedulePreview,
    ScheduleTemplate,
    ScheduleView,
)

router = Router()


@router.post(
    "/schedules",
    summary="Create a schedule: run immediately, once later, or recurring (admin)",
    status_code=201,
    responses=documented(404, 409, success=201, body=True),
)
def create_schedule(body: ScheduleInput) -> ScheduleView:
    return services.schedule_service().create(current_caller(router), body, utcnow())


@router.post(
    "/schedules/preview",
    summary="Preview a draft before saving it: timing, next fire times, what a run would do now (admin)",
    responses=documented(404, 409, body=True),
)
def preview_schedule_draft(
    body: ScheduleDraft, count: Annotated[int, Query(ge=1, le=50)] = 5
) -> DraftPreview:
    return services.schedule_service().preview_draft(current_caller(router), body, count, utcnow())


@router.get(
    "/schedules",
    summary='List schedules (default "upcoming": scheduled, recurring, paused, processing)',
    responses=documented(takes_input=True),
)
def list_schedules(
    *,
    view: Annotated[Literal["upcoming", "all"], Query()] = "upcoming",
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Cursor = None,
) -> Page[ScheduleView]:
    items, position = services.schedule_service().listing(
        current_caller(router), view == "upcoming", limit, start(router, cursor), utcnow()
    )
    return page(router, Page[ScheduleView], items, position)


@router.get(
    "/schedules/<schedule_id>",
    summary="A schedule, its next fire and its recent runs",
    responses=documented(404),
)
def get_schedule(schedule_id: str) -> ScheduleDetail:
    return services.schedule_service().get(current_caller(router), schedule_id, utcnow())


@router.patch(
    "/schedules/<schedule_id>",
    summary="Edit name, configuration or timing (admin)",
    responses=documented(404, 409, body=True),
)
def edit_schedule(schedule_id: str, body: ScheduleEdit) -> ScheduleView:
    return services.schedule_service().edit(current_caller(router), schedule_id, body, utcnow())


@router.post(
    "/schedules/<schedule_id>/pause",
    summary="Pause a recurring schedule (admin)",
    responses=documented(404, 409),
)
def pause_schedule(schedule_id: str) -> ScheduleView:
    return services.schedule_service().pause(current_caller(router), schedule_id, utcnow())


@router.post(
    "/schedules/<schedule_id>/resume",
    summary="Resume a paused schedule (admin)",
    responses=documented(404, 409),
)
def resume_schedule(schedule_id: str) -> ScheduleView:
    return services.schedule_service().resume(current_caller(router), schedule_id, utcnow())


@router.post(
    "/schedules/<schedule_id>/cancel",
    summary="Cancel; optionally save it as a template (admin)",
    responses=documented(404, 409, body=True),
)
def cancel_schedule(schedule_id: str, body: Cancel) -> CancelledSchedule:
    return services.schedule_service().cancel(current_caller(router), schedule_id, body, utcnow())


@router.get(
    "/schedules/<schedule_id>/preview",
    summary="The next fire times and what a run would do now",
    responses=documented(404, takes_input=True),
)
def preview_schedule(schedule_id: str, count: Annotated[int, Query(ge=1, le=50)] = 5) -> SchedulePreview:
    return services.schedule_service().preview(current_caller(router), schedule_id, count, utcnow())


@router.get(
    "/schedule-templates",
    summary="Configurations saved when schedules were cancelled",
    responses=documented(),
)
def schedule_templates() -> Page[ScheduleTemplate]:
    templates = services.schedule_service().templates(current_caller(router))
    return page(router, Page[ScheduleTemplate], templates, None)


@router.delete(
    "/schedule-templates/<template_id>",
    summary="Delete a saved schedule template (admin)",
    status_code=204,
    responses=documented(404, success=204),
)
def delete_schedule_template(template_id: str) -> Response[None]:
    services.schedule_service().delete_template(current_caller(router), template_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)
