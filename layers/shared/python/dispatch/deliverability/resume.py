"""The sweep's part in quiet hours: a batch whose deferred cards have become sendable gets a new
sending run (the same sender, claim and rate limit as any run; cards still in their quiet hours
are deferred again by it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dispatch.batches.models import BatchStatus
from dispatch.batches.workflow import Workflow
from dispatch.deliverability.protection import SendingPaused
from dispatch.deliverability.quiet_hours import DeferralStore
from dispatch.errors import Conflict, NotFound
from dispatch.observability import logger


@dataclass
class DeferredResume:
    store: DeferralStore
    workflow: Workflow

    def run(self, moment: datetime) -> int:
        """Start sending every batch whose first deferred card is due by ``moment``; returns how
        many started. A batch still sending waits for the next sweep (its run ends first); a
        paused organisation keeps its batches queued; a batch closed, rejected or back in approval
        leaves the queue (its ready cards go with whatever sends it next)."""
        started = 0
        for org_id, batch_id, until in self.store.due(moment):
            try:
                batch = self.workflow.batches.get(org_id, batch_id)
            except NotFound:
                self.store.take(org_id, batch_id, until)
                continue
            if batch.status is BatchStatus.sending:
                continue
            if batch.status is not BatchStatus.partially_sent:
                self.store.take(org_id, batch_id, until)
                continue
            if not self.store.take(org_id, batch_id, until):
                continue  # another sweep took it
            try:
                self.workflow.begin_sending(batch, sources=[BatchStatus.partially_sent])
            except SendingPaused:
                self.store.requeue(org_id, batch_id, until)
                continue
            except Conflict:  # moved on meanwhile, or its content changed (back to approval)
                continue
            logger.info("deferred cards due; sending resumed", batch_id=batch_id)
            started += 1
        return started
