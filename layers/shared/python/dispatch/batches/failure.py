"""A system fault that stopped a batch, told in words (PRODUCT §4: "failed … with the reason").

Step Functions hands the failed state's ``{"Error", "Cause"}`` to the MarkFailed step. For a
Lambda function's error, ``Error`` is the error type and ``Cause`` the function's error payload
(``errorType``, ``errorMessage``, ``stackTrace``); for the service's own errors (``States.*``,
``Lambda.*``) ``Cause`` is plain text. Messages may quote recipient data (a provider's refusal
names the address, a ``ValueError`` its value), so they are never stored as they are: the error is
sorted into a kind with a fixed sentence, and only names are kept — the error type, the AWS error
code and the operation. Messages of the application's own domain errors (and of a step's
``PermanentFailure``) are written for people and carry no row data, so they are kept.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from dispatch.batches.models import BatchStatus, Failure, FailureStage
from dispatch.clock import now_iso
from dispatch.errors import DispatchError, PermanentFailure

STAGE_OF = {
    BatchStatus.uploading: FailureStage.validation,
    BatchStatus.validating: FailureStage.validation,
    BatchStatus.open: FailureStage.generation,
    BatchStatus.generating: FailureStage.generation,
    BatchStatus.generated: FailureStage.approval,
    BatchStatus.pending_approval: FailureStage.approval,
    BatchStatus.approved: FailureStage.sending,
    BatchStatus.sending: FailureStage.sending,
}
STOPPED = {
    FailureStage.validation: "Validation stopped",
    FailureStage.generation: "Generating the cards stopped",
    FailureStage.approval: "Waiting for approval stopped",
    FailureStage.sending: "Sending stopped",
}
RESUMABLE = frozenset({FailureStage.generation, FailureStage.approval, FailureStage.sending})
TIMEOUTS = frozenset({"Sandbox.Timedout", "States.Timeout", "States.HeartbeatTimeout"})
CRASHES = frozenset({"Lambda.Unknown", "Runtime.ExitError", "Runtime.OutOfMemory", "Runtime.Unknown"})
THROTTLING = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "LimitExceededException",
        "TransactionConflictException",
        "SlowDown",
    }
)
UNAVAILABLE = frozenset(
    {"InternalServerError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException"}
)
MISSING = frozenset({"ResourceNotFoundException", "NoSuchKey", "NoSuchBucket", "ExecutionDoesNotExist"})
_AWS_ERROR = re.compile(
    r"An error occurred \((?P<code>[\w.]+)\) when calling the (?P<operation>\w+) operation"
)
_DOMAIN = frozenset({*(cls.__name__ for cls in DispatchError.__subclasses__()), PermanentFailure.__name__})


def describe(status: BatchStatus, error: Mapping[str, Any] | None) -> Failure:
    """The failure of a batch that was ``status`` when the step machine caught ``error``."""
    stage = STAGE_OF.get(status, FailureStage.sending)
    name = str((error or {}).get("Error") or "unknown")
    error_type, message = name, ""
    cause = (error or {}).get("Cause")
    if isinstance(cause, str):
        try:
            payload = json.loads(cause)
        except ValueError:
            message = cause
        else:
            if isinstance(payload, dict):
                error_type = str(payload.get("errorType") or name)
                message = str(payload.get("errorMessage") or "")
    sentence = f"{STOPPED[stage]}: {_why(error_type, message)}."
    resumable = stage in RESUMABLE
    if resumable:
        sentence += " Resume the batch to continue from where it stopped."
    return Failure(stage=stage, error=error_type, cause=sentence, at=now_iso(), resumable=resumable)


def _why(error_type: str, message: str) -> str:
    """One fixed phrase per kind of error; only names (never free text) from outside the app."""
    aws = _AWS_ERROR.search(message)
    code = aws["code"] if aws else error_type
    operation = f" on {aws['operation']}" if aws else ""
    if error_type in TIMEOUTS or "timed out" in message.casefold():
        return "a step ran out of time (its function's time limit)"
    if error_type in CRASHES or error_type.startswith("Runtime."):
        return "a step's function stopped unexpectedly (a crash, or out of memory)"
    if error_type == "TemporaryFailure":  # the sender's: a provider throttled cards past its retries
        return "the email or SMS provider kept throttling or failing the messages beyond the retries"
    if code in THROTTLING:
        return f"AWS kept throttling the requests ({code}{operation}) beyond the retries"
    if code in UNAVAILABLE:
        return f"an AWS service kept failing ({code}{operation}) beyond the retries"
    if code.startswith("AccessDenied") or code in {"UnrecognizedClientException", "AuthorizationError"}:
        return f"AWS refused the request ({code}{operation}): the function is not allowed to do it"
    if code in MISSING:
        return f"something the step needs no longer exists ({code}{operation})"
    if error_type.startswith("Lambda."):
        return f"AWS Lambda could not run a step ({error_type})"
    if error_type == "States.Runtime":
        return "the workflow could not use a step's result (an internal fault)"
    if error_type.startswith("States."):
        return f"Step Functions stopped a step ({error_type})"
    if error_type in _DOMAIN and message:
        return message[:300].rstrip(".")
    return f"an unexpected error in the application ({code}{operation})"
