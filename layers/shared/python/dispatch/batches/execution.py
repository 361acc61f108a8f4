"""The batch state machines behind two calls: start an execution, and answer a waiting approval.

Executions are named after the batch (and its run or resume), so a repeated start is a no-op.
"""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.batches.models import Batch

NOT_WAITING = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})


class Executions:
    def __init__(self, state_machine_arn: str) -> None:
        self._arn = state_machine_arn

    def start(self, name: str, payload: dict[str, Any]) -> None:
        try:
            aws.client("stepfunctions").start_execution(
                stateMachineArn=self._arn, name=name, input=json.dumps(payload)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise

    def start_lifecycle(
        self, batch: Batch, approval_timeout_seconds: int, *, name: str | None = None
    ) -> None:
        """The lifecycle execution of a batch whose accepted rows are staged (validation, clones);
        a resumed batch's run is named after its resume."""
        self.start(
            name or batch.id,
            {
                "batch_id": batch.id,
                "org_id": batch.org_id,
                "chunks": [chunk.model_dump() for chunk in batch.chunks],
                "approval_timeout_seconds": approval_timeout_seconds,
            },
        )

    @staticmethod
    def answer(task_token: str, decision: dict[str, Any]) -> bool:
        """Resume the execution waiting on ``task_token``; False when none waits on it any more (its
        wait timed out, or it ended): then nothing will act on the decision unless the caller does."""
        try:
            aws.client("stepfunctions").send_task_success(taskToken=task_token, output=json.dumps(decision))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in NOT_WAITING:
                return False
            raise
        return True
