"""moto's in-memory DynamoDB is not thread-safe: a query can iterate an item while another thread
updates it ("dictionary changed size during iteration"). Real DynamoDB is. The local stack (and
tests with concurrent senders) let moto answer one DynamoDB request at a time; the application's
own concurrency is untouched. DynamoDB requests never call back into other services, so the lock
cannot deadlock."""

from __future__ import annotations

import threading
from typing import Any

_LOCK = threading.RLock()
_installed = False


def serialise_dynamodb() -> None:
    """Idempotent: wrap moto's DynamoDB request handling in one process-wide lock."""
    global _installed  # noqa: PLW0603 - a process-wide patch, applied once
    if _installed:
        return
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action

    def call_action(self: Any) -> Any:
        with _LOCK:
            return original(self)

    setattr(DynamoHandler, "call_action", call_action)  # noqa: B010 - a patch
    _installed = True
