"""A failed batch states its cause in words, from the error Step Functions caught — never its data."""

from __future__ import annotations

import json

import pytest

from dispatch.batches.failure import describe
from dispatch.batches.models import BatchStatus, FailureStage


def _lambda_error(error_type: str, message: str) -> dict[str, str]:
    """The Catch's ``$.error`` for a Lambda function's error, as Step Functions passes it."""
    payload = {"errorType": error_type, "errorMessage": message, "stackTrace": ["  File x, line 1"]}
    return {"Error": error_type, "Cause": json.dumps(payload)}


@pytest.mark.parametrize(
    ("error", "because"),
    [
        (
            _lambda_error(
                "ClientError",
                "An error occurred (ProvisionedThroughputExceededException) when calling the UpdateItem "
                "operation (reached max retries: 9): rate of requests for ada@example.com exceeds",
            ),
            "AWS kept throttling the requests (ProvisionedThroughputExceededException on UpdateItem) "
            "beyond the retries",
        ),
        (
            _lambda_error("Sandbox.Timedout", "RequestId: 1 Error: Task timed out after 900.00 seconds"),
            "a step ran out of time (its function's time limit)",
        ),
        (
            {"Error": "Lambda.Unknown", "Cause": "The cause could not be determined"},
            "a step's function stopped unexpectedly (a crash, or out of memory)",
        ),
        (
            _lambda_error("Runtime.ExitError", "RequestId: 1 Error: Runtime exited: signal: killed"),
            "a step's function stopped unexpectedly (a crash, or out of memory)",
        ),
        (
            {"Error": "States.Runtime", "Cause": "The JSONPath '$.Payload.send' could not be found"},
            "the workflow could not use a step's result (an internal fault)",
        ),
        (
            _lambda_error("KeyError", "'grace@example.com'"),
            "an unexpected error in the application (KeyError)",
        ),
        (
            _lambda_error(
                "ClientError",
                "An error occurred (AccessDeniedException) when calling the StartExecution operation: "
                "User is not authorized",
            ),
            "AWS refused the request (AccessDeniedException on StartExecution): the function is not "
            "allowed to do it",
        ),
        (
            _lambda_error("Conflict", "the batch is rejected; cards are generated only while generating"),
            "the batch is rejected; cards are generated only while generating",
        ),
        (
            _lambda_error("PermanentFailure", "the batch is rejected; sending cannot start"),
            "the batch is rejected; sending cannot start",
        ),
        (
            _lambda_error("TemporaryFailure", "the provider kept throttling or failing 3 card(s)"),
            "the email or SMS provider kept throttling or failing the messages beyond the retries",
        ),
        (None, "an unexpected error in the application (unknown)"),
    ],
)
def test_the_cause_is_a_sentence_with_names_only(error: dict[str, str] | None, because: str) -> None:
    failure = describe(BatchStatus.sending, error)
    assert failure.cause == f"Sending stopped: {because}. Resume the batch to continue from where it stopped."
    assert "example.com" not in failure.model_dump_json()


@pytest.mark.parametrize(
    ("status", "stage", "resumable"),
    [
        (BatchStatus.validating, FailureStage.validation, False),
        (BatchStatus.generating, FailureStage.generation, True),
        (BatchStatus.pending_approval, FailureStage.approval, True),
        (BatchStatus.approved, FailureStage.sending, True),
        (BatchStatus.sending, FailureStage.sending, True),
    ],
)
def test_the_stage_is_where_the_batch_was(status: BatchStatus, stage: FailureStage, resumable: bool) -> None:
    failure = describe(status, _lambda_error("KeyError", "x"))
    assert (failure.stage, failure.resumable, failure.error) == (stage, resumable, "KeyError")
    assert failure.cause.endswith("from where it stopped.") is resumable
