"""An SQS batch handled record by record (dispatch.queue_batches): the partial batch response."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from dispatch.queue_batches import EveryRecordFailed, handle_records


def _event(*bodies: str) -> dict[str, Any]:
    return {"Records": [{"messageId": f"m-{i}", "body": body} for i, body in enumerate(bodies)]}


class _FailOn:
    """A record handler that raises for one body (a provider asking to retry later)."""

    def __init__(self, bad: str) -> None:
        self.bad = bad
        self.handled: list[str] = []

    def __call__(self, record: SQSRecord) -> str:
        if record.body == self.bad:
            raise RuntimeError("provider asked to retry later")
        self.handled.append(record.body)
        return "ok"


def test_every_record_is_handled_and_none_reported_when_all_succeed() -> None:
    handle = _FailOn("never")
    assert handle_records(_event("a", "b", "c"), handle) == {"batchItemFailures": []}
    assert handle.handled == ["a", "b", "c"]


def test_only_the_records_that_raised_are_reported_and_the_rest_still_run() -> None:
    handle = _FailOn("b")
    response = handle_records(_event("a", "b", "c", "b"), handle)
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-3"}]}
    assert handle.handled == ["a", "c"]


def test_a_batch_whose_every_record_fails_fails_the_invocation() -> None:
    with pytest.raises(EveryRecordFailed, match="all 2 records"):
        handle_records(_event("b", "b"), _FailOn("b"))


def test_an_empty_event_is_an_empty_response() -> None:
    assert handle_records({"Records": []}, _FailOn("b")) == {"batchItemFailures": []}
