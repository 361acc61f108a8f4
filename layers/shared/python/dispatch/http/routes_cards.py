"""Routes: /cards, and a batch's cards."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dispatch import services
from dispatch.cards.models import CardStatus, CardSummary, CardView
from dispatch.cards.service import Distribute
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
