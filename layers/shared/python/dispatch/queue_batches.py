"""An SQS batch handled record by record, with the failed records reported back to SQS.

The functions behind SQS queues (agent work, delivery events) use Lambda's partial batch responses
(``ReportBatchItemFailures``): SQS deletes the records the response does not list and delivers the
listed ones again, so one bad record neither holds up nor repeats the others. When every record
fails the invocation fails, so the failure shows in the function's error metric and alarm, and
the whole batch comes back.

This is the part of Powertools' ``BatchProcessor`` these functions use, written out: importing
Powertools' batch utility loads the parser models of every event source it supports (Kafka,
Kinesis, DynamoDB streams…) whenever pydantic is loaded, about a third of a minimal function's
cold start, for functions that only ever read SQS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypedDict

from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from dispatch.observability import logger


class ItemFailure(TypedDict):
    itemIdentifier: str


class PartialBatchResponse(TypedDict):
    batchItemFailures: list[ItemFailure]


class EveryRecordFailed(Exception):
    """No record of the batch could be handled: the invocation fails and SQS delivers them again."""


def handle_records(event: dict[str, Any], handle: Callable[[SQSRecord], object]) -> PartialBatchResponse:
    """Hand each record of the SQS event to ``handle``; the response lists the ones that raised."""
    records = [SQSRecord(raw) for raw in event.get("Records", [])]
    failures: list[ItemFailure] = []
    for record in records:
        try:
            handle(record)
        except Exception:
            logger.exception("record failed: SQS will deliver it again", message_id=record.message_id)
            failures.append({"itemIdentifier": record.message_id})
    if records and len(failures) == len(records):
        raise EveryRecordFailed(f"all {len(records)} records of the batch failed (each logged above)")
    return {"batchItemFailures": failures}
