"""The authenticated caller of the current request, from the authorizer's verified claims.

Every route but the agent routes is for staff (sender, approver, admin): :func:`current_caller`
refuses anyone else, so a route is closed to agent-only users unless it says otherwise by
calling :func:`signed_in` — the agent routes, whose service recognises the caller as an agent by
user id (and refuses anyone who is not one).
"""

from __future__ import annotations

from typing import cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from dispatch.auth import Caller, Role, caller_from_claims


def signed_in(app: APIGatewayRestResolver | Router) -> Caller:
    """The caller, whatever their roles (the agent routes)."""
    event = cast(APIGatewayProxyEvent, app.current_event)
    return caller_from_claims(event.request_context.authorizer.claims)


def current_caller(app: APIGatewayRestResolver | Router) -> Caller:
    """The caller of a staff route: at least a sender (403 for an agent-only user)."""
    caller = signed_in(app)
    caller.require(Role.sender)
    return caller


def public_base_url(app: APIGatewayRestResolver | Router) -> str | None:
    """The API's own base URL as the caller reached it (the function cannot be told its own URL by
    the template: that would be a dependency cycle); None outside API Gateway."""
    event = cast(APIGatewayProxyEvent, app.current_event)
    context = event.request_context
    domain = context.domain_name
    return f"https://{domain}/{context.stage}" if domain else None
