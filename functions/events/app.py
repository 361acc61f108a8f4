"""SQS (fed by the SES events topic): delivery, bounce, complaint, open and click events → cards.

Each record is applied to its card on its own; a record that fails is reported back, so SQS
redelivers only it, and after five receives parks it in the dead-letter queue. The chunks the
batch's events touched are then counted once each (``WatchedFeedback.settle``); if that fails,
the whole batch comes back, and each message received again counts its chunk. Account protection
counts each applied event after its card (``dispatch.deliverability.watched_events``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.deliverability.watched_events import WatchedFeedback
from dispatch.delivery.events import parse
from dispatch.observability import logger, metrics, tracer
from dispatch.queue_batches import PartialBatchResponse, handle_records


def _handler(applier: WatchedFeedback) -> Callable[[SQSRecord], str]:
    def handle(record: SQSRecord) -> str:
        event = parse(record.body)
        if event is None:
            return "ignored"
        redelivered = int(record.attributes.approximate_receive_count) > 1
        outcome = applier.apply(event, redelivered=redelivered)
        logger.debug("event applied", kind=event.kind.value, outcome=outcome)
        return outcome

    return handle


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialBatchResponse:
    applier = services.delivery_events()
    response = handle_records(event, _handler(applier))
    applier.settle()  # a failure here fails the batch: every message comes back and recounts
    return response
