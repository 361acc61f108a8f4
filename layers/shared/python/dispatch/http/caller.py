"""The authenticated caller of the current request, from the authorizer's verified claims."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router

from dispatch.auth import Caller, caller_from_claims


def current_caller(app: APIGatewayRestResolver | Router) -> Caller:
    return caller_from_claims(app.current_event.request_context.authorizer.claims)
