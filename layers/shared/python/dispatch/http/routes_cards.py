"""Routes: /cards, and a batch's cards."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from dispatch import services
from dispatch.cards.models import CardStatus
from dispatch.cards.service import Distribute
from dispatch.http.caller import current_caller, public_base_url
from dispatch.http.responses import page

router = Router()


@router.get(
    "/cards/<card_id>", summary="A card: status, values, distributions (the last one called out), accesses"
)
def get_card(card_id: str) -> dict[str, Any]:
    return services.card_service().get(current_caller(router), card_id)


@router.get("/batches/<batch_id>/cards", summary="A batch's cards in file order, optionally of one status")
def list_cards(
    batch_id: str,
    *,
    status: Annotated[CardStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    items, next_cursor = services.card_service().list(current_caller(router), batch_id, status, limit, cursor)
    return page(items, next_cursor)


@router.post(
    "/cards/<card_id>/distribute",
    summary="Send one card to its confirmed address: a ready card, or resend a sent/delivered (sender) "
    "or unconfirmed (approver) one",
)
def distribute_card(card_id: str, body: Distribute) -> dict[str, Any]:
    sender = services.operator_sender(public_base_url(router))
    return services.card_service().distribute(current_caller(router), card_id, body, sender)
