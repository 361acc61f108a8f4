"""The Unassigned queue, drained when business hours open (PRODUCT §7).

Cards that arrive outside the organisation's business hours wait as ``unassigned``; their batch is
marked. The sweep (every five minutes) drains each organisation that has marks and is open now:
one pass over its Unassigned queue (one key of the ``pool`` index, oldest first), each page's
cards grouped by batch and put through the engine by their batch's current assignment setting, as
if they had just arrived, each conditioned on still being ``unassigned`` (a card assigned by hand
meanwhile is left alone; a setting that no longer assigns makes them prospects). A mark is removed
only if no sender marked the batch again while the drain ran and the last mark is a minute old (the
index read lags the writes a little); otherwise the next sweep drains the newcomers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.hours import BusinessHours
from dispatch.assignment.models import AssignmentConfig, AssignmentState
from dispatch.assignment.rotation import queue_key
from dispatch.assignment.store import AgentStore, WaitingBatch
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
from dispatch.errors import NotFound
from dispatch.observability import logger
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.store import ProcessStore

PAGE = 100


@dataclass
class UnassignedDrain:
    agents: AgentStore
    engine: AssignmentEngine
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    cards: CardStore

    def run(self, now: datetime) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        marks: dict[str, list[WaitingBatch]] = defaultdict(list)
        for waiting in self.agents.waiting():
            marks[waiting.org_id].append(waiting)
        for org_id, org_marks in marks.items():
            hours = self.organisations.get(org_id).business_hours
            if not hours.is_open(now):
                continue
            outcomes += self._drain(org_id, hours, now)
            for mark in org_marks:
                self.agents.drained(mark, now)
            logger.info("unassigned queue drained", org_id=org_id, batches=len(org_marks))
        return outcomes

    def _drain(self, org_id: str, hours: BusinessHours, now: datetime) -> Counter[str]:
        """Every card of the organisation's Unassigned queue, by its batch's setting."""
        outcomes: Counter[str] = Counter()
        settings: dict[str, AssignmentConfig | None] = {}  # None: the batch is gone
        pool, start = queue_key(org_id, AssignmentState.unassigned), None
        while True:
            cards, start = self.cards.in_pool(pool, PAGE, start)
            by_batch: dict[str, list[Card]] = defaultdict(list)
            for card in cards:
                by_batch[card.batch_id].append(card)
            for batch_id, waiting in by_batch.items():
                if batch_id not in settings:
                    settings[batch_id] = self._setting(org_id, batch_id)
                config = settings[batch_id]
                if config is not None:
                    outcomes += self.engine.assign(
                        waiting, config, hours, now, waiting_in=AssignmentState.unassigned
                    )
            if start is None:
                return outcomes

    def _setting(self, org_id: str, batch_id: str) -> AssignmentConfig | None:
        try:
            batch = self.batches.get(org_id, batch_id)
        except NotFound:
            return None
        return batch.assigns_with(self.processes.get(org_id, batch.process_id).assignment)
