"""EventBridge Scheduler's target: one fire of one schedule, for one scheduled time."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.clock import utcnow
from dispatch.models import Model
from dispatch.observability import logger, metrics, tracer


class Fire(Model):
    """The schedule's target input; ``scheduled_time`` is EventBridge's ``<aws.scheduler.scheduled-time>``."""

    org_id: str
    schedule_id: str
    scheduled_time: str


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    fire = Fire.model_validate(event)
    logger.append_keys(schedule_id=fire.schedule_id, scheduled_time=fire.scheduled_time)
    run = services.schedule_runner().fire(fire.org_id, fire.schedule_id, fire.scheduled_time, utcnow())
    return {"run": run.model_dump() if run else None}
