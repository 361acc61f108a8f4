"""Routes: /organisation/protection (account protection: rates, pause, resume)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler.api_gateway import Router

from dispatch import services
from dispatch.deliverability.protection import ProtectionView
from dispatch.http.caller import current_caller
from dispatch.http.contract import documented

router = Router()


@router.get(
    "/organisation/protection",
    summary="Account protection (admin): bounce and complaint rates over the last 24 hours and the last "
    "10,000 sends, the pause thresholds, and whether sending is paused and why",
    responses=documented(),
)
def get_protection() -> ProtectionView:
    return services.account_protection().view(current_caller(router))


@router.post(
    "/organisation/protection/resume",
    summary="Resume sending after an account protection pause (admin); 409 when it is not paused",
    responses=documented(409),
)
def resume_protection() -> ProtectionView:
    return services.account_protection().resume(current_caller(router))
