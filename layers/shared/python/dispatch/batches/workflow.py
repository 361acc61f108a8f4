"""The steps the batch state machine calls (statemachines/batch_lifecycle.asl.json).

Each step re-reads the batch and moves it with a conditional write, so a step Step Functions
retries is harmless, and a batch changed by a person meanwhile (rejected, say) is never overrun.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.models import AssignmentType
from dispatch.batches.approval import approval_required, standing_approval_applies
from dispatch.batches.execution import Executions
from dispatch.batches.lifecycle import TRANSITIONS
from dispatch.batches.models import Approval, Batch, BatchStatus, Chunk
from dispatch.batches.store import BatchStore
from dispatch.cards.context import LinkConfig
from dispatch.cards.generation import generate_chunk
from dispatch.cards.models import CardStatus
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, now_iso, utcnow
from dispatch.config import Settings
from dispatch.delivery.sender import ChunkSender
from dispatch.errors import Conflict
from dispatch.ingest.staging import read_chunk
from dispatch.observability import logger
from dispatch.organisations.models import OrganisationSettings
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.models import Process
from dispatch.processes.store import ProcessStore

UNSENT = frozenset({CardStatus.ready, CardStatus.error})
ASSIGNABLE = frozenset({CardStatus.sent, CardStatus.delivered, CardStatus.unconfirmed})


@dataclass
class Workflow:
    settings: Settings
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    cards: CardStore
    links: Callable[[], LinkConfig]
    sending: Executions
    assignments: AssignmentEngine

    def generate(self, org_id: str, batch_id: str, chunk: Chunk) -> dict[str, int]:
        batch = self.batches.get(org_id, batch_id)
        if batch.status is not BatchStatus.generating:
            raise Conflict(f"the batch is {batch.status.value}; cards are generated only while generating")
        process = self.processes.get(org_id, batch.process_id)
        organisation = self.organisations.get(org_id)
        rows = list(read_chunk(self.settings.bucket, batch_id, chunk.index))
        return generate_chunk(
            rows,
            batch=batch,
            chunk=chunk,
            process=process,
            organisation=organisation.name or org_id,
            link_config=self.links(),
            cards=self.cards,
            batches=self.batches,
        )

    def after_generation(self, org_id: str, batch_id: str) -> dict[str, Any]:
        """Does this batch wait for a person? If not, it is approved now. A scheduled run's batch
        carries its author's standing approval, which four-eyes does not accept (see
        :mod:`dispatch.batches.approval`)."""
        batch = self.batches.get(org_id, batch_id)
        process = self.processes.get(org_id, batch.process_id)
        organisation = self.organisations.get(org_id)
        required = approval_required(process, organisation)
        decision = Approval(decided_by="policy:no-approval-required", decided_at=now_iso())
        if required and standing_approval_applies(batch, process, organisation):
            required = False
            decision = Approval(
                decided_by=batch.standing_approval,
                decided_by_email=batch.standing_approval_email,
                decided_at=now_iso(),
                reason=f"standing approval of schedule {batch.schedule_id}",
            )
        if not required:
            self.batches.transition(
                org_id,
                batch_id,
                BatchStatus.approved,
                sources=[BatchStatus.generating],
                set_values={"approval": decision.model_dump()},
            )
        return {"approval_required": required}

    def request_approval(self, org_id: str, batch_id: str, task_token: str) -> None:
        """Status and task token in one write: an approver can never see a batch it cannot resume."""
        self.batches.transition(
            org_id,
            batch_id,
            BatchStatus.pending_approval,
            sources=[BatchStatus.generating, BatchStatus.pending_approval],
            set_values={"task_token": task_token, "approval": Approval(requested_at=now_iso()).model_dump()},
        )

    def approval_expired(self, org_id: str, batch_id: str) -> None:
        self.batches.transition(
            org_id, batch_id, BatchStatus.expired, set_values={"status_reason": "approval timed out"}
        )

    def start_sending(self, org_id: str, batch_id: str) -> dict[str, Any]:
        """After approval: with auto distribution on, send every ready card; off, they wait."""
        batch = self.batches.get(org_id, batch_id)
        if not batch.auto_distribute:
            logger.info("auto distribution off; cards stay ready", batch_id=batch_id)
            return {"send": False}
        self.begin_sending(batch, sources=[BatchStatus.approved])
        return {"send": True}

    def begin_sending(self, batch: Batch, *, sources: list[BatchStatus], reset_failed: bool = False) -> Batch:
        """Move the batch to ``sending`` and start a sending execution over all its chunks.

        Each run is numbered on the batch, so the execution name is unique per run and a repeated
        start of the same run is a no-op.
        """
        sending = self.batches.transition(
            batch.org_id,
            batch.id,
            BatchStatus.sending,
            sources=sources,
            set_values={"status_reason": None},
            increments={"send_runs": 1},
        )
        self.sending.start(
            f"{batch.id}-send-{sending.send_runs}",
            {
                "batch_id": batch.id,
                "org_id": batch.org_id,
                "chunks": [chunk.model_dump() for chunk in batch.chunks],
                "send_concurrency": self.settings.send_concurrency,
                "reset_failed": reset_failed,
            },
        )
        return sending

    def send(
        self,
        org_id: str,
        batch_id: str,
        chunk: Chunk,
        sender_for: Callable[[Batch], ChunkSender],
        *,
        reset_failed: bool = False,
    ) -> dict[str, Any]:
        """Deliver one chunk. A batch rejected meanwhile gets its unsent cards rejected instead; a
        paused provider account stops sending with the batch ``partially_sent`` and the reason."""
        batch = self.batches.get(org_id, batch_id)
        if batch.status is BatchStatus.rejected:
            self.close_unsent(batch, chunk, CardStatus.rejected)
            return {"sent": 0, "failed": 0, "stopped": True}
        if batch.status is not BatchStatus.sending:
            logger.info("batch not sending; chunk skipped", batch_id=batch_id, status=batch.status.value)
            return {"sent": 0, "failed": 0, "skipped": True}
        if reset_failed:  # "retry failed only": cards that failed with a temporary error go again
            for card in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row):
                if card.status is CardStatus.failed and card.retryable:
                    self.cards.set_status(card, CardStatus.failed, CardStatus.ready)
        process = self.processes.get(org_id, batch.process_id)
        organisation = self.organisations.get(org_id)
        outcome = sender_for(batch).send_chunk(batch, process, organisation.name or org_id, chunk)
        if outcome.paused_reason:
            with suppress(Conflict):
                self.batches.transition(
                    org_id,
                    batch_id,
                    BatchStatus.partially_sent,
                    sources=[BatchStatus.sending],
                    set_values={"status_reason": f"paused: {outcome.paused_reason}"},
                )
        if outcome.stopped and self.batches.get(org_id, batch_id).status is BatchStatus.rejected:
            self.close_unsent(batch, chunk, CardStatus.rejected)
        self.settle(batch, chunk)
        return {**outcome.as_dict(), "assignment": self._assign(batch, process, organisation, chunk)}

    def _assign(
        self, batch: Batch, process: Process, organisation: OrganisationSettings, chunk: Chunk
    ) -> dict[str, int]:
        """The chunk's delivered cards go to agents by the process's assignment type (PRODUCT §7)."""
        if process.assignment.type is AssignmentType.none:
            return {}
        cards = [
            card
            for card in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row)
            if card.status in ASSIGNABLE
        ]
        outcomes = self.assignments.assign(cards, process.assignment, organisation.business_hours, utcnow())
        return dict(outcomes)

    def close_unsent(self, batch: Batch, chunk: Chunk, target: CardStatus) -> int:
        """Cards of the chunk never sent (``ready`` or ``error``) become ``target``; sent ones stay."""
        closed = 0
        for card in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row):
            if card.status in UNSENT and self.cards.set_status(card, card.status, target, card.error):
                closed += 1
        self.settle(batch, chunk)
        return closed

    def settle(self, batch: Batch, chunk: Chunk) -> None:
        counts = self.cards.status_counts(batch.id, chunk.first_row, chunk.last_row)
        self.batches.settle_chunk(batch.org_id, batch.id, chunk.index, counts)

    def sweep(self, now: datetime, stale_after: timedelta) -> int:
        """Cards claimed longer ago than any send attempt can take, and still ``sending``, belong to
        a sender that died after (perhaps) handing them to a provider: they become ``unconfirmed``,
        which is never resent automatically. Returns how many."""
        cutoff = isoformat(now - stale_after)
        touched: dict[str, set[int]] = {}
        for days_back in (2, 1, 0):
            day = (now - stale_after - timedelta(days=days_back)).date().isoformat()
            for batch_id, row, claimed_at in self.cards.stale_claims(day, cutoff):
                if self.cards.mark_unconfirmed(batch_id, row, claimed_at):
                    touched.setdefault(batch_id, set()).add(row)
        for batch_id, rows in touched.items():
            batch = self.batches.find(batch_id)
            for chunk in batch.chunks:
                if any(chunk.first_row <= row <= chunk.last_row for row in rows):
                    self.settle(batch, chunk)
            logger.warning("stale claims marked unconfirmed", batch_id=batch_id, cards=len(rows))
        return sum(len(rows) for rows in touched.values())

    def finish_sending(self, org_id: str, batch_id: str) -> Batch:
        """``sent`` when every card reached a provider, else ``partially_sent``; a batch already
        moved on (paused, rejected) keeps its status."""
        batch = self.batches.get(org_id, batch_id)
        if batch.status is not BatchStatus.sending:
            return batch
        target = (
            BatchStatus.sent if batch.counters.sent == batch.counters.cards else BatchStatus.partially_sent
        )
        return self.batches.transition(org_id, batch_id, target, sources=[BatchStatus.sending])

    def fail(self, org_id: str, batch_id: str, error: str) -> None:
        """A system fault: the batch is marked failed with the error's name (never its data)."""
        batch = self.batches.get(org_id, batch_id)
        if BatchStatus.failed not in TRANSITIONS[batch.status]:
            return  # already finished, rejected or failed: nothing left to mark
        self.batches.transition(
            org_id, batch_id, BatchStatus.failed, set_values={"status_reason": error[:500]}
        )
