"""Routes: /organisation (the caller's own organisation settings)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from dispatch import services
from dispatch.http.caller import current_caller
from dispatch.organisations.models import OrganisationSettings

router = Router()


@router.get("/organisation", summary="The caller's organisation settings")
def get_organisation() -> dict[str, Any]:
    return services.organisation_service().get(current_caller(router))


@router.put(
    "/organisation",
    summary="Replace the organisation settings (admin); a new name sends approved batches back to approval",
)
def put_organisation(body: OrganisationSettings) -> dict[str, Any]:
    caller = current_caller(router)
    saved = services.organisation_service().replace(caller, body)
    services.batch_service().content_changed(caller.org_id)  # the name is in every message
    return saved
