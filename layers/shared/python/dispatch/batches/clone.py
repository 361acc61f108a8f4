"""Cloning a finished batch: a new batch of the same process and settings, with all of its
recipients, only those not reached, or only those who never opened their card (PRODUCT §4).

The API creates the new batch (status ``validating``) and hands the copying to the lifecycle
function asynchronously, so a million-card batch is not read inside an API call. The copy stages
the chosen recipients as chunks, exactly as validation does, and starts the lifecycle.
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.batches.execution import Executions
from dispatch.batches.models import Batch, BatchStatus, Recipients
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings
from dispatch.ingest.models import AcceptedRow
from dispatch.ingest.staging import ChunkWriter, delete_staged
from dispatch.observability import logger

REACHED = frozenset({CardStatus.sent, CardStatus.delivered})
CLONABLE = frozenset({BatchStatus.complete, BatchStatus.archived, BatchStatus.rejected, BatchStatus.expired})


def wanted(card: Card, recipients: Recipients) -> bool:
    if card.status is CardStatus.suppressed:
        return False  # would only be suppressed again
    if recipients is Recipients.not_reached:
        return card.status not in REACHED
    if recipients is Recipients.not_accessed:
        return card.accessed_at is None
    return True


@dataclass
class Cloner:
    settings: Settings
    batches: BatchStore
    cards: CardStore
    lifecycle: Executions

    def copy(self, org_id: str, batch_id: str, source_id: str, recipients: Recipients) -> Batch:
        batch = self.batches.get(org_id, batch_id)
        source = self.batches.get(org_id, source_id)
        writer = ChunkWriter(self.settings.bucket, batch.id, self.settings.chunk_rows)
        try:
            for chunk in source.chunks:
                for card in self.cards.in_rows(source.id, chunk.first_row, chunk.last_row):
                    if wanted(card, recipients):
                        writer.add(AcceptedRow(card.row, card.values, card.email, card.phone))
            writer.flush()
        except Exception:
            logger.exception("clone failed", batch_id=batch.id)
            delete_staged(self.settings.bucket, batch.id)
            return self.batches.transition(
                org_id,
                batch.id,
                BatchStatus.failed,
                set_values={"status_reason": "copying the recipients failed"},
            )
        copied = sum(chunk.rows for chunk in writer.chunks)
        if not copied:
            return self.batches.transition(
                org_id,
                batch.id,
                BatchStatus.invalid,
                sources=[BatchStatus.validating],
                set_values={"status_reason": f"no recipient of the source batch is {recipients.value}"},
            )
        generating = self.batches.transition(
            org_id,
            batch.id,
            BatchStatus.generating,
            sources=[BatchStatus.validating],
            set_values={
                "chunks": [chunk.model_dump() for chunk in writer.chunks],
                "count_rows": copied,
                "count_accepted": copied,
            },
        )
        self.lifecycle.start_lifecycle(generating, self.settings.approval_timeout_seconds)
        return generating
