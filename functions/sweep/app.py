"""Scheduled (every 5 minutes): cards left ``sending`` by a sender that died become ``unconfirmed``
(never resent); cards waiting in the Unassigned queue go to agents once business hours open."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.clock import utcnow
from dispatch.config import get_settings
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stale_after = timedelta(minutes=get_settings().sweep_stale_minutes)
    now = utcnow()
    return {
        "unconfirmed": services.workflow().sweep(now, stale_after),
        "drained": dict(services.unassigned_drain().run(now)),
    }
