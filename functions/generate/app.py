"""Map item of the batch state machine: turn one staged chunk of rows into cards."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.batches.steps import ChunkTask
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    task = ChunkTask.model_validate(event)
    logger.append_keys(batch_id=task.batch_id, chunk=task.chunk.index)
    return services.workflow().generate(task.org_id, task.batch_id, task.chunk)
