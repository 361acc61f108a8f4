"""Event models of the state machines' Lambda tasks, and the dispatch of lifecycle steps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel

from dispatch.batches.clone import Cloner, Recipients
from dispatch.batches.models import Chunk
from dispatch.batches.workflow import Workflow
from dispatch.cards.models import CardStatus
from dispatch.communications.working_list import WorkingList
from dispatch.errors import PermanentFailure
from dispatch.letters.service import LetterService


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
        "chunk_progress",
        "clone",
        "fail",
        "stage_segment",
        "record_working_list",
        "letters_printed",
    ]
    batch_id: str
    org_id: str
    task_token: str | None = None
    chunk: Chunk | None = None
    target: Literal[CardStatus.removed, CardStatus.rejected] | None = None
    error: dict[str, Any] | None = None
    run: str | None = None  # the sending execution's name (finish_sending, fail)
    ready_before: int | None = None  # chunk_progress: the chunk's ready cards before the round
    source_batch_id: str | None = None
    recipients: Recipients = Recipients.all
    segment: int | None = None  # stage_segment: the contacts shard to stage
    staged: list[dict[str, Any]] | None = None  # record_working_list: what each segment staged
    bundle_id: str | None = None  # letters_printed: the bundle marked printed
    release: bool = False  # after_generation: a person sent the held communication


def run_step(
    workflow: Workflow,
    step: LifecycleStep,
    cloner: Callable[[], Cloner],
    working_list: Callable[[], WorkingList],
    letters: Callable[[], LetterService],
) -> dict[str, Any]:
    org_id, batch_id = step.org_id, step.batch_id
    match step.action:
        case "after_generation":
            return workflow.after_generation(org_id, batch_id, release=step.release)
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
        case "chunk_progress":
            if step.chunk is None or step.ready_before is None:
                raise PermanentFailure("chunk_progress needs a chunk and its ready count before the round")
            return workflow.chunk_progress(batch_id, step.chunk, step.ready_before)
        case "clone":
            if not step.source_batch_id:
                raise PermanentFailure("clone needs the source batch")
            batch = cloner().copy(org_id, batch_id, step.source_batch_id, step.recipients)
            return {"status": batch.status.value}
        case "fail":
            workflow.fail(org_id, batch_id, step.error, step.run)
        case "stage_segment":
            if step.segment is None:
                raise PermanentFailure("stage_segment needs a segment")
            return working_list().stage_segment(org_id, batch_id, step.segment)
        case "record_working_list":
            return working_list().record(org_id, batch_id, step.staged or [])
        case "letters_printed":
            if not step.bundle_id:
                raise PermanentFailure("letters_printed needs the bundle")
            return letters().record_printed(org_id, batch_id, step.bundle_id)
    return {}
