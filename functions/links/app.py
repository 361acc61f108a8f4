"""The public card-link routes: open a card, its pre-filled data, unsubscribe (no authorizer)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch.http import routes_links
from dispatch.http.responses import register_error_handlers
from dispatch.observability import logger, metrics, tracer

app = APIGatewayRestResolver()
app.include_router(routes_links.router)
register_error_handlers(app)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
