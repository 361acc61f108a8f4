"""The authenticated caller of the current request, from the authorizer's verified claims."""

from __future__ import annotations

from typing import cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from dispatch.auth import Caller, caller_from_claims


def current_caller(app: APIGatewayRestResolver | Router) -> Caller:
    event = cast(APIGatewayProxyEvent, app.current_event)
    return caller_from_claims(event.request_context.authorizer.claims)
