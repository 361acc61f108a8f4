"""Asynchronous (from the API): write one batch export to S3, streaming the cards (flat memory)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.models import Model
from dispatch.observability import logger, metrics, tracer


class ExportTask(Model):
    batch_id: str
    export_id: str


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = ExportTask.model_validate(event)
    logger.append_keys(batch_id=task.batch_id, export_id=task.export_id)
    job = services.export_service().run(task.batch_id, task.export_id)
    return {"status": job.status.value, "rows": job.rows}
