"""Map item of the batch state machine: deliver the ready cards of one chunk."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.batches.steps import ChunkTask
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = ChunkTask.model_validate(event)
    logger.append_keys(batch_id=task.batch_id, chunk=task.chunk.index)
    return services.workflow().send(
        task.org_id, task.batch_id, task.chunk, services.chunk_sender, reset_failed=task.reset_failed
    )
