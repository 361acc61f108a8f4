"""The public card-link routes: open a card, its pre-filled data, unsubscribe (no authorizer)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch.http import routes_links
from dispatch.http.resolver import resolver
from dispatch.observability import logger, metrics, tracer

app = resolver(validation=False)
app.include_router(routes_links.router)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
