"""Routes: /agents, /groups, and the agent-facing card routes (claim, assign, my available cards,
my assigned cards, recording work on a card)."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict

from dispatch import services
from dispatch.assignment.models import AgentInput, GroupInput
from dispatch.assignment.service import Activity, AgentImport, ManualAssignment
from dispatch.http.caller import current_caller
from dispatch.http.responses import page

router = Router()
Limit = Annotated[int, Query(ge=1, le=100)]


class Availability(BaseModel):
    model_config = ConfigDict(extra="forbid")

    available: bool


@router.post("/agents", summary="Create an agent (admin)")
def create_agent(body: AgentInput) -> tuple[dict[str, Any], int]:
    return services.assignment_service().create_agent(current_caller(router), body), 201


@router.post("/agents/import", summary="Create or update agents from a CSV/XLSX file (admin)")
def import_agents(body: AgentImport) -> dict[str, Any]:
    caller = current_caller(router)
    region = services.organisation_service().settings(caller).default_phone_region
    return services.assignment_service().import_agents(caller, body, region)


@router.get("/agents", summary="List agents")
def list_agents(limit: Limit = 50, cursor: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    items, next_cursor = services.assignment_service().list_agents(current_caller(router), limit, cursor)
    return page(items, next_cursor)


@router.get("/agents/me/available", summary="Cards offered to every eligible agent, that I may claim")
def my_available_cards(limit: Limit = 50, cursor: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    items, next_cursor = services.assignment_service().available_to_me(current_caller(router), limit, cursor)
    return page(items, next_cursor)


@router.get(
    "/agents/me/cards", summary="Cards assigned to me, least recently worked first (next to be retrieved)"
)
def my_cards(limit: Limit = 50, cursor: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    items, next_cursor = services.assignment_service().my_cards(current_caller(router), limit, cursor)
    return page(items, next_cursor)


@router.put("/agents/me/availability", summary="Switch myself on or off for distribution")
def my_availability(body: Availability) -> dict[str, Any]:
    return services.assignment_service().set_my_availability(current_caller(router), body.available)


@router.get("/agents/<agent_id>", summary="An agent")
def get_agent(agent_id: str) -> dict[str, Any]:
    return services.assignment_service().get_agent(current_caller(router), agent_id)


@router.put("/agents/<agent_id>", summary="Replace an agent: details, availability, groups, filters (admin)")
def replace_agent(agent_id: str, body: AgentInput) -> dict[str, Any]:
    return services.assignment_service().replace_agent(current_caller(router), agent_id, body)


@router.delete("/agents/<agent_id>", summary="Delete an agent (admin)")
def delete_agent(agent_id: str) -> tuple[dict[str, Any], int]:
    services.assignment_service().delete_agent(current_caller(router), agent_id)
    return {}, 204


@router.post("/groups", summary="Create a distribution group (admin)")
def create_group(body: GroupInput) -> tuple[dict[str, Any], int]:
    return services.assignment_service().create_group(current_caller(router), body), 201


@router.get("/groups", summary="List distribution groups")
def list_groups(limit: Limit = 50, cursor: Annotated[str | None, Query()] = None) -> dict[str, Any]:
    items, next_cursor = services.assignment_service().list_groups(current_caller(router), limit, cursor)
    return page(items, next_cursor)


@router.get("/groups/<group_id>", summary="A group and its members in rotation order")
def get_group(group_id: str) -> dict[str, Any]:
    return services.assignment_service().get_group(current_caller(router), group_id)


@router.put("/groups/<group_id>", summary="Rename a group or set its default agent (admin)")
def replace_group(group_id: str, body: GroupInput) -> dict[str, Any]:
    return services.assignment_service().replace_group(current_caller(router), group_id, body)


@router.delete("/groups/<group_id>", summary="Delete an empty group (admin)")
def delete_group(group_id: str) -> tuple[dict[str, Any], int]:
    services.assignment_service().delete_group(current_caller(router), group_id)
    return {}, 204


@router.post("/cards/<card_id>/claim", summary="Claim a card offered to every eligible agent (first wins)")
def claim_card(card_id: str) -> dict[str, Any]:
    return services.assignment_service().claim(current_caller(router), card_id)


@router.post("/cards/<card_id>/assign", summary="Assign a card to an agent by hand (moves the rotation)")
def assign_card(card_id: str, body: ManualAssignment) -> dict[str, Any]:
    return services.assignment_service().assign(current_caller(router), card_id, body)


@router.post(
    "/cards/<card_id>/activity", summary="Record work on a card assigned to me (admin: to any agent)"
)
def record_activity(card_id: str, body: Activity) -> dict[str, Any]:
    return services.assignment_service().record_activity(current_caller(router), card_id, body)
