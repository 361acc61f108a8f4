"""Asynchronous invocation of another function of the application (Lambda ``Event`` invocations
are retried by Lambda itself on failure)."""

from __future__ import annotations

import json
from typing import Any

from dispatch import aws


class Functions:
    def invoke_async(self, function: str, payload: dict[str, Any]) -> None:
        aws.client("lambda").invoke(
            FunctionName=function, InvocationType="Event", Payload=json.dumps(payload).encode()
        )
