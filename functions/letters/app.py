"""Letters: render a chunk's letters, merge the parts into one bundle (the letters state machine)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.letters.steps import LettersStep, run_letters_step
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    step = LettersStep.model_validate(event)
    logger.append_keys(batch_id=step.batch_id, action=step.action)
    return run_letters_step(services.letter_service(), step)
