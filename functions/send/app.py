"""Map item of the batch state machine: deliver the ready cards of one chunk."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.batches.steps import ChunkTask
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ChunkTask)
def lambda_handler(event: ChunkTask, context: LambdaContext) -> dict[str, Any]:
    logger.append_keys(batch_id=event.batch_id, chunk=event.chunk.index)
    return services.workflow().send(
        event.org_id, event.batch_id, event.chunk, services.chunk_sender, reset_failed=event.reset_failed
    )
