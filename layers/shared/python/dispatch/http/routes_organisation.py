"""Routes: /organisation (the caller's own organisation settings)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from dispatch import services
from dispatch.assignment.hours import HoursStatus
from dispatch.http.caller import current_caller
from dispatch.http.contract import documented
from dispatch.organisations.models import HoursCheck, Organisation, OrganisationSettings

router = Router()


@router.get("/organisation", summary="The caller's organisation settings", responses=documented())
def get_organisation() -> Organisation:
    return services.organisation_service().get(current_caller(router))


@router.put(
    "/organisation",
    summary="Replace the organisation settings (admin); a new name or sender sends approved batches back "
    "to approval",
    responses=documented(422, body=True),
)
def put_organisation(body: OrganisationSettings) -> Organisation:
    caller = current_caller(router)
    saved = services.organisation_service().replace(caller, body)
    services.batch_service().content_changed(caller.org_id)  # the name and sender are in every message
    return saved


@router.post(
    "/organisation/business-hours/check",
    summary="Whether business hours (as edited, not saved) are open now or at a moment, and when they "
    "next open and close",
    responses=documented(body=True),
)
def check_business_hours(body: HoursCheck) -> HoursStatus:
    return services.organisation_service().check_hours(current_caller(router), body)
