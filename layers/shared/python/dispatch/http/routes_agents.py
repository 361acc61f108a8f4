"""Routes: /agents, /groups, and the agent routes — who I am, my availability, the cards I may
claim, my assigned cards and each of them, claiming, recording work — which are the only routes an
agent-only user may call (``signed_in``; the service recognises the caller as an agent by user id).
The staff's side of the cards agents work (the queues, assigning by hand) is in routes_cards."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import ConfigDict

from dispatch import services
from dispatch.assignment.models import (
    Activity,
    AgentImport,
    AgentInput,
    AgentView,
    Group,
    GroupInput,
    GroupView,
    ImportResult,
)
from dispatch.cards.models import CardView, LeadCard, WorkedCard
from dispatch.http.caller import current_caller, signed_in
from dispatch.http.contract import Page, documented
from dispatch.http.paging import Cursor, page, start
from dispatch.models import Model

router = Router()
Limit = Annotated[int, Query(ge=1, le=100)]


class Availability(Model):
    model_config = ConfigDict(extra="forbid")

    available: bool


@router.post(
    "/agents",
    summary="Create an agent (admin)",
    status_code=201,
    responses=documented(409, success=201, body=True),
)
def create_agent(body: AgentInput) -> AgentView:
    return services.assignment_service().create_agent(current_caller(router), body)


@router.post(
    "/agents/import",
    summary="Create or update agents from a CSV/XLSX file (admin)",
    responses=documented(422, body=True),
)
def import_agents(body: AgentImport) -> ImportResult:
    caller = current_caller(router)
    region = services.organisation_service().settings(caller).default_phone_region
    return services.assignment_service().import_agents(caller, body, region)


@router.get("/agents", summary="List agents", responses=documented(takes_input=True))
def list_agents(limit: Limit = 50, cursor: Cursor = None) -> Page[AgentView]:
    caller = current_caller(router)
    items, position = services.assignment_service().list_agents(caller, limit, start(router, cursor))
    return page(router, Page[AgentView], items, position)


@router.get("/agents/me", summary="The agent I am (agent)", responses=documented())
def me() -> AgentView:
    return services.assignment_service().me(signed_in(router))


@router.get(
    "/agents/me/cards/<card_id>",
    summary="A card assigned to me, offered to me, or that I may claim (agent)",
    responses=documented(404),
)
def my_card(card_id: str) -> CardView:
    return services.assignment_service().my_card(signed_in(router), card_id)


@router.get(
    "/agents/me/available",
    summary="Cards offered to every eligible agent, that I may claim",
    responses=documented(takes_input=True),
)
def my_available_cards(limit: Limit = 50, cursor: Cursor = None) -> Page[LeadCard]:
    caller = signed_in(router)
    items, position = services.assignment_service().available_to_me(caller, limit, start(router, cursor))
    return page(router, Page[LeadCard], items, position)


@router.get(
    "/agents/me/offers",
    summary="Ring_all offers made to me in their current round, to accept (first accept wins)",
    responses=documented(takes_input=True),
)
def my_offers(limit: Limit = 50, cursor: Cursor = None) -> Page[LeadCard]:
    caller = signed_in(router)
    items, position = services.assignment_service().offered_to_me(caller, limit, start(router, cursor))
    return page(router, Page[LeadCard], items, position)


@router.get(
    "/agents/me/cards",
    summary="Cards assigned to me, least recently worked first (next to be retrieved)",
    responses=documented(takes_input=True),
)
def my_cards(limit: Limit = 50, cursor: Cursor = None) -> Page[WorkedCard]:
    caller = signed_in(router)
    items, position = services.assignment_service().my_cards(caller, limit, start(router, cursor))
    return page(router, Page[WorkedCard], items, position)


@router.put(
    "/agents/me/availability",
    summary="Switch myself on or off for distribution",
    responses=documented(409, body=True),
)
def my_availability(body: Availability) -> AgentView:
    return services.assignment_service().set_my_availability(signed_in(router), body.available)


@router.get("/agents/<agent_id>", summary="An agent", responses=documented(404))
def get_agent(agent_id: str) -> AgentView:
    return services.assignment_service().get_agent(current_caller(router), agent_id)


@router.put(
    "/agents/<agent_id>",
    summary="Replace an agent: details, availability, groups, filters (admin)",
    responses=documented(404, 409, body=True),
)
def replace_agent(agent_id: str, body: AgentInput) -> AgentView:
    return services.assignment_service().replace_agent(current_caller(router), agent_id, body)


@router.delete(
    "/agents/<agent_id>",
    summary="Delete an agent (admin)",
    status_code=204,
    responses=documented(404, 409, success=204),
)
def delete_agent(agent_id: str) -> Response[None]:
    services.assignment_service().delete_agent(current_caller(router), agent_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/groups",
    summary="Create a distribution group (admin)",
    status_code=201,
    responses=documented(404, 409, success=201, body=True),
)
def create_group(body: GroupInput) -> Group:
    return services.assignment_service().create_group(current_caller(router), body)


@router.get("/groups", summary="List distribution groups", responses=documented(takes_input=True))
def list_groups(limit: Limit = 50, cursor: Cursor = None) -> Page[Group]:
    caller = current_caller(router)
    items, position = services.assignment_service().list_groups(caller, limit, start(router, cursor))
    return page(router, Page[Group], items, position)


@router.get(
    "/groups/<group_id>", summary="A group and its members in rotation order", responses=documented(404)
)
def get_group(group_id: str) -> GroupView:
    return services.assignment_service().get_group(current_caller(router), group_id)


@router.put(
    "/groups/<group_id>",
    summary="Rename a group or set its default agent (admin)",
    responses=documented(404, 409, body=True),
)
def replace_group(group_id: str, body: GroupInput) -> Group:
    return services.assignment_service().replace_group(current_caller(router), group_id, body)


@router.delete(
    "/groups/<group_id>",
    summary="Delete an empty group (admin)",
    status_code=204,
    responses=documented(404, 409, success=204),
)
def delete_group(group_id: str) -> Response[None]:
    services.assignment_service().delete_group(current_caller(router), group_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/cards/<card_id>/claim",
    summary="Claim a card offered to every eligible agent (first wins)",
    responses=documented(404, 409),
)
def claim_card(card_id: str) -> CardView:
    return services.assignment_service().claim(signed_in(router), card_id)


@router.post(
    "/cards/<card_id>/accept",
    summary="Accept a ring_all offer made to me, signed in (as the SMS link does; first accept wins)",
    responses=documented(404, 409),
)
def accept_card(card_id: str) -> CardView:
    return services.assignment_service().accept_offer(signed_in(router), card_id, services.offer_desk())


@router.post(
    "/cards/<card_id>/activity",
    summary="Record work on a card assigned to me (admin: to any agent)",
    responses=documented(404, 409, body=True),
)
def record_activity(card_id: str, body: Activity) -> CardView:
    return services.assignment_service().record_activity(signed_in(router), card_id, body)
