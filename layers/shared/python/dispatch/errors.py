"""Domain exceptions. The API maps each to one HTTP status in a single place (functions/api)."""

from __future__ import annotations

from typing import Any


class DispatchError(Exception):
    """Base of every error a caller is told about; ``code`` is stable, ``message`` is for people."""

    code = "error"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InvalidRequest(DispatchError):
    code = "invalid_request"


class NotFound(DispatchError):
    code = "not_found"


class Forbidden(DispatchError):
    code = "forbidden"


class Unauthorized(DispatchError):
    code = "unauthorized"


class Conflict(DispatchError):
    """The resource is in a state that does not allow the operation (or a concurrent writer won)."""

    code = "conflict"


class Gone(DispatchError):
    code = "gone"


class TooLarge(DispatchError):
    code = "too_large"


class Unprocessable(DispatchError):
    code = "unprocessable"


class Busy(DispatchError):
    """A transient refusal by the storage layer (a concurrent transaction on the same items, or
    throttling): nothing was written; the same request may succeed a moment later."""

    code = "busy"


class PermanentFailure(Exception):
    """A state machine step that retrying cannot mend: its input is wrong, or the batch moved on
    so that the step no longer applies. Every Task of ``statemachines/`` retries every other error
    (crashes, timeouts, throttling, a DynamoDB error after the SDK's own retries) with back-off and
    jitter; this one, by its name, is never retried. Its message is written for people and carries
    no recipient data: it becomes the failed batch's cause."""
