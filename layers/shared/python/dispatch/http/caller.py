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


def public_base_url(app: APIGatewayRestResolver | Router) -> str | None:
    """The API's own base URL as the caller reached it (the function cannot be told its own URL by
    the template: that would be a dependency cycle); None outside API Gateway."""
    event = cast(APIGatewayProxyEvent, app.current_event)
    context = event.request_context
    domain = context.domain_name
    return f"https://{domain}/{context.stage}" if domain else None
