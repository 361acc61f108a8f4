"""Routes: /organisation (the caller's own organisation settings)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from dispatch.auth import Role
from dispatch.config import get_settings
from dispatch.http.caller import current_caller
from dispatch.organisations.models import OrganisationSettings
from dispatch.organisations.store import OrganisationStore

router = Router()


@router.get("/organisation", summary="The caller's organisation settings")
def get_organisation() -> dict[str, Any]:
    caller = current_caller(router)
    settings = OrganisationStore(get_settings()).get(caller.org_id)
    return {"id": caller.org_id, **settings.model_dump(mode="json")}


@router.put("/organisation", summary="Replace the organisation settings (admin)")
def put_organisation(body: OrganisationSettings) -> dict[str, Any]:
    caller = current_caller(router)
    caller.require(Role.admin)
    saved = OrganisationStore(get_settings()).put(caller.org_id, body)
    return {"id": caller.org_id, **saved.model_dump(mode="json")}
