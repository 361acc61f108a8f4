"""Routes: /cards — one card, the lead queues and moving a card out of them — and a batch's cards."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dispatch import services
from dispatch.assignment.models import ManualAssignment, Queue, QueuedCard, QueueFilter, Release
from dispatch.cards.models import CardStatus, CardSummary, CardView, Distribute
from dispatch.http.caller import current_caller, public_base_url
from dispatch.http.contract import Page, documented
from dispatch.http.paging import Cursor, page, start

router = Router()


@router.get(
    "/cards/<card_id>",
    summary="A card: status, values, distributions (the last one called out), accesses",
    responses=documented(404),
)
def get_card(card_id: str) -> CardView:
    return services.card_service().get(current_caller(router), card_id)


@router.get(
    "/batches/<batch_id>/cards",
    summary="A batch's cards in file order, optionally of one status",
    responses=documented(404, takes_input=True),
)
def list_cards(
    batch_id: str,
    *,
    status: Annotated[CardStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Cursor = None,
) -> Page[CardSummary]:
    caller = current_caller(router)
    items, position = services.card_service().list(caller, batch_id, status, limit, start(router, cursor))
    return page(router, Page[CardSummary], items, position)


@router.post(
    "/cards/<card_id>/distribute",
    summary="Send one card to its confirmed address: a ready card, or resend a sent/delivered (sender) "
    "or unconfirmed (approver) one",
    responses=documented(404, 409, 422, body=True),
)
def distribute_card(card_id: str, body: Distribute) -> CardView:
    sender = services.operator_sender(public_base_url(router))
    return services.card_service().distribute(current_caller(router), card_id, body, sender)


@router.get(
    "/cards",
    summary="A lead queue of the organisation (prospects, Lead Exception, Unassigned, offered, "
    "claimable), newest first (prospects: the newest batches' first, last row first); filter by "
    "process, batch or group, search any field value",
    responses=documented(takes_input=True),
)
def list_queue(
    *,
    queue: Annotated[Queue, Query()],
    process_id: Annotated[str | None, Query(max_length=100)] = None,
    batch_id: Annotated[str | None, Query(max_length=100)] = None,
    group_id: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Cursor = None,
) -> Page[QueuedCard]:
    wanted = QueueFilter(queue=queue, process_id=process_id, batch_id=batch_id, group_id=group_id, q=q)
    caller = current_caller(router)
    items, position = services.lead_queues().listing(caller, wanted, limit, start(router, cursor))
    return page(router, Page[QueuedCard], items, position)


@router.post(
    "/cards/<card_id>/assign",
    summary="Assign a card to an agent by hand (moves the rotation; from a queue: the initial status)",
    responses=documented(404, 409, body=True),
)
def assign_card(card_id: str, body: ManualAssignment) -> CardView:
    return services.lead_queues().assign(current_caller(router), card_id, body)


@router.post(
    "/cards/<card_id>/redistribute",
    summary="Return a queued card to the pool: assigned again by its batch's setting and the rotation",
    responses=documented(404, 409),
)
def redistribute_card(card_id: str) -> CardView:
    return services.lead_queues().redistribute(current_caller(router), card_id)


@router.post(
    "/cards/<card_id>/release",
    summary="Make a queued card claimable by every eligible agent of a group",
    responses=documented(400, 404, 409, body=True),
)
def release_card(card_id: str, body: Release) -> CardView:
    return services.lead_queues().release(current_caller(router), card_id, body)
