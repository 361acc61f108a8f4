"""Routes: /cards."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import Router

from dispatch import services
from dispatch.cards.service import Resend
from dispatch.http.caller import current_caller, public_base_url

router = Router()


@router.get("/cards/<card_id>", summary="A card: its status, values and distributions")
def get_card(card_id: str) -> dict[str, Any]:
    return services.card_service().get(current_caller(router), card_id)


@router.post(
    "/cards/<card_id>/resend", summary="Resend an unconfirmed card, confirming its address (approver)"
)
def resend_card(card_id: str, body: Resend) -> dict[str, Any]:
    sender = services.operator_sender(public_base_url(router))
    return services.card_service().resend(current_caller(router), card_id, body, sender)
