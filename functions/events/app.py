"""SQS (fed by the SES events topic): delivery, bounce, complaint, open and click events → cards.

Each record is applied on its own; a record that fails (a fault: an event for a card still being
sent is applied at once, see ``dispatch.delivery.feedback``) is reported back, so SQS redelivers
only it, and after five receives parks it in the dead-letter queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.deliverability.watched_events import WatchedFeedback
from dispatch.delivery.events import parse
from dispatch.observability import logger, metrics, tracer

processor = BatchProcessor(event_type=EventType.SQS)


def _handler(applier: WatchedFeedback) -> Callable[[SQSRecord], str]:
    def handle(record: SQSRecord) -> str:
        event = parse(record.body)
        if event is None:
            return "ignored"
        outcome = applier.apply(event)
        logger.debug("event applied", kind=event.kind.value, outcome=outcome)
        return outcome

    return handle


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=_handler(services.delivery_events()), processor=processor, context=context
    )
