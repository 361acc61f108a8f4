"""The batch state machine behind two calls: start a batch's execution, and answer its approval.

Executions are named after the batch, so a repeated start (a retried event) is a no-op.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.batches.models import Batch
from dispatch.errors import Conflict


class Executions:
    def __init__(self, state_machine_arn: str) -> None:
        self._arn = state_machine_arn

    def start(self, batch_id: str, payload: dict[str, Any]) -> None:
        try:
            aws.client("stepfunctions").start_execution(
                stateMachineArn=self._arn, name=batch_id, input=json.dumps(payload)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise

    def start_lifecycle(self, batch: Batch, approval_timeout_seconds: int) -> None:
        """The lifecycle execution of a batch whose accepted rows are staged (validation, clones)."""
        self.start(
            batch.id,
            {
                "batch_id": batch.id,
                "org_id": batch.org_id,
                "chunks": [chunk.model_dump() for chunk in batch.chunks],
                "approval_timeout_seconds": approval_timeout_seconds,
            },
        )

    @staticmethod
    def answer(task_token: str, decision: dict[str, Any]) -> None:
        try:
            aws.client("stepfunctions").send_task_success(taskToken=task_token, output=json.dumps(decision))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}:
                raise Conflict("the batch is no longer waiting for a decision", {"reason": code}) from exc
            raise
