"""Letters: render a chunk's letters, merge the parts into one bundle (the letters state machine)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.letters.steps import LettersStep, run_letters_step
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=LettersStep)
def lambda_handler(event: LettersStep, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(batch_id=event.batch_id, action=event.action)
    return run_letters_step(services.letter_service(), event)
