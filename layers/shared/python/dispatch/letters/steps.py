"""Events of the letters function: the letters state machine's steps."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from dispatch.batches.models import Chunk
from dispatch.errors import PermanentFailure
from dispatch.letters.service import LetterService


class LettersStep(BaseModel):
    action: Literal["render", "merge", "fail"]
    batch_id: str
    org_id: str
    bundle_id: str
    chunk: Chunk | None = None
    parts: list[dict[str, int]] | None = None
    error: dict[str, Any] | None = None


def run_letters_step(letters: LetterService, step: LettersStep) -> dict[str, Any]:
    match step.action:
        case "render":
            if step.chunk is None:
                raise PermanentFailure("render needs a chunk")
            return letters.render_part(step.org_id, step.batch_id, step.bundle_id, step.chunk)
        case "merge":
            return letters.merge(step.org_id, step.batch_id, step.bundle_id, step.parts or [])
        case "fail":
            letters.fail(step.batch_id, step.bundle_id, step.error)
            return {}
