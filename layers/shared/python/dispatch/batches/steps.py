"""Event models of the state machines' Lambda tasks, and the dispatch of lifecycle steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel

from dispatch.batches.clone import Cloner, Recipients
from dispatch.batches.models import Chunk
from dispatch.batches.workflow import Workflow
from dispatch.cards.models import CardStatus
from dispatch.errors import PermanentFailure


class ChunkTask(BaseModel):
    batch_id: str
    org_id: str
    chunk: Chunk
    reset_failed: bool = False


class LifecycleStep(BaseModel):
    action: Literal[
        "after_generation",
        "request_approval",
        "approval_expired",
        "start_sending",
        "finish_sending",
        "close_chunk",
        "clone",
        "fail",
    ]
    batch_id: str
    org_id: str
    task_token: str | None = None
    chunk: Chunk | None = None
    target: Literal[CardStatus.removed, CardStatus.rejected] | None = None
    error: dict[str, Any] | None = None
    run: str | None = None  # the sending execution's name (finish_sending, fail)
    source_batch_id: str | None = None
    recipients: Recipients = Recipients.all


def run_step(workflow: Workflow, step: LifecycleStep, cloner: Callable[[], Cloner]) -> dict[str, Any]:
    org_id, batch_id = step.org_id, step.batch_id
    match step.action:
        case "after_generation":
            return workflow.after_generation(org_id, batch_id)
        case "request_approval":
            if not step.task_token:
                raise PermanentFailure("request_approval needs a task token")
            workflow.request_approval(org_id, batch_id, step.task_token)
        case "approval_expired":
            workflow.approval_expired(org_id, batch_id)
        case "start_sending":
            return workflow.start_sending(org_id, batch_id)
        case "finish_sending":
            return {"status": workflow.finish_sending(org_id, batch_id, step.run).status.value}
        case "close_chunk":
            if step.chunk is None or step.target is None:
                raise PermanentFailure("close_chunk needs a chunk and a target")
            batch = workflow.batches.get(org_id, batch_id)
            return {"closed": workflow.close_unsent(batch, step.chunk, step.target)}
        case "clone":
            if not step.source_batch_id:
                raise PermanentFailure("clone needs the source batch")
            batch = cloner().copy(org_id, batch_id, step.source_batch_id, step.recipients)
            return {"status": batch.status.value}
        case "fail":
            workflow.fail(org_id, batch_id, step.error, step.run)
    return {}
