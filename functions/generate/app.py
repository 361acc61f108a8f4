"""Map item of the batch state machine: turn one staged chunk of rows into cards."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.batches.steps import ChunkTask
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ChunkTask)
def lambda_handler(event: ChunkTask, context: LambdaContext) -> dict[str, int]:
    logger.append_keys(batch_id=event.batch_id, chunk=event.chunk.index)
    return services.workflow().generate(event.org_id, event.batch_id, event.chunk)
