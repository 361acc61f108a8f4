"""Scheduled (every 5 minutes): cards left ``sending`` by a sender that died become ``unconfirmed``
(never resent); cards waiting in the Unassigned queue go to agents once business hours open;
batches whose cards waited for their recipients' quiet hours send again once those have ended;
SNS's list of numbers that replied STOP and SES's account-level suppression list are copied
(hourly).

Claims are judged stale by the clock (they were stamped with it). The drain goes by the fire's
scheduled time (EventBridge Scheduler's placeholder; the clock when absent): business hours are
about the moment the fire stands for, and the local stack's moved clock reaches the handler this
way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.clock import parse_iso, utcnow
from dispatch.config import get_settings
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    stale_after = timedelta(minutes=get_settings().sweep_stale_minutes)
    scheduled = event.get("scheduled_time") if isinstance(event, dict) else None
    moment = parse_iso(scheduled) if scheduled else utcnow()
    return {
        "unconfirmed": services.workflow().sweep(utcnow(), stale_after),
        "drained": dict(services.unassigned_drain().run(moment)),
        "deferred_resumed": services.deferred_resume().run(moment),
        "sms_opt_outs": services.sms_opt_outs().sync(moment),
        "ses_suppressions": services.ses_suppressions().sync(moment),
    }
