"""The batch state machine's steps: a working list's segments, approval request, expiry, sending
start and finish, failure, clones."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.batches.steps import LifecycleStep, run_step
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = LifecycleStep.model_validate(event)
    logger.append_keys(batch_id=step.batch_id, action=step.action)
    return run_step(
        services.workflow(), step, services.cloner, services.working_list, services.letter_service
    )
