"""SQS (the agent work queue): notices to agents, ring_all round timeouts, accepted offers.

Each record is handled on its own; one that fails (a provider asked to retry later, a fault) is
reported back, so SQS redelivers only it and, after five receives, parks it in the dead-letter
queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.assignment.messages import parse_message
from dispatch.assignment.work import AgentWork
from dispatch.clock import utcnow
from dispatch.observability import logger, metrics, tracer
from dispatch.queue_batches import PartialBatchResponse, handle_records


def _handler(work: AgentWork) -> Callable[[SQSRecord], str]:
    def handle(record: SQSRecord) -> str:
        message = parse_message(record.body)
        outcome = work.handle(message, utcnow())
        logger.info("agent work done", kind=message.kind, outcome=outcome)
        return outcome

    return handle


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialBatchResponse:
    return handle_records(event, _handler(services.agent_work()))
