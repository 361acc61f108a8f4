"""The HTTP API behind API Gateway: routing, validation and error mapping via Powertools."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch.config import get_settings
from dispatch.http import (
    routes_agents,
    routes_batches,
    routes_cards,
    routes_communications,
    routes_contacts,
    routes_deliverability,
    routes_organisation,
    routes_processes,
    routes_schedules,
    routes_suppressions,
)
from dispatch.http.contract import Health, documented
from dispatch.http.cors import with_cors
from dispatch.http.resolver import resolver
from dispatch.observability import logger, metrics, tracer

app = resolver(validation=True)
app.include_router(routes_processes.router)
app.include_router(routes_batches.router)
app.include_router(routes_organisation.router)
app.include_router(routes_deliverability.router)
app.include_router(routes_suppressions.router)
app.include_router(routes_cards.router)
app.include_router(routes_schedules.router)
app.include_router(routes_agents.router)
app.include_router(routes_contacts.router)
app.include_router(routes_communications.router)


@app.get("/health", summary="Liveness (public)", responses=documented(authenticated=False, stored=False))
def health() -> Health:
    return Health(status="ok")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return with_cors(app.resolve(event, context), event, get_settings().console_origin)
