"""The Unassigned queue, drained when business hours open (PRODUCT §7).

Cards that arrive outside the organisation's business hours wait as ``unassigned``; the batch is
marked (with the group whose queue holds them). The sweep (every five minutes) drains each marked
batch whose organisation is open now: its waiting cards go through the engine, by the process's
current assignment setting, as if they had just arrived, each conditioned on still being
``unassigned`` (a card assigned by hand meanwhile is left alone; a process that no longer assigns
makes them prospects). The mark is removed only if no sender marked the batch again while the
drain ran and the last mark is a minute old (the index read lags the writes a little); otherwise
the next sweep drains the newcomers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.models import AssignmentState
from dispatch.assignment.rotation import pool_key
from dispatch.assignment.store import AgentStore
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
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
        for waiting in self.agents.waiting():
            hours = self.organisations.get(waiting.org_id).business_hours
            if not hours.is_open(now):
                continue
            batch = self.batches.get(waiting.org_id, waiting.batch_id)
            config = self.processes.get(waiting.org_id, batch.process_id).assignment
            for group_id in waiting.groups:
                for cards in self._waiting_cards(waiting.org_id, group_id, waiting.batch_id):
                    outcomes += self.engine.assign(
                        cards, config, hours, now, waiting_in=AssignmentState.unassigned
                    )
            self.agents.drained(waiting, now)
            logger.info("unassigned queue drained", batch_id=waiting.batch_id)
        return outcomes

    def _waiting_cards(self, org_id: str, group_id: str | None, batch_id: str) -> Iterator[list[Card]]:
        """The batch's cards in a group's Unassigned queue, a page at a time."""
        pool = pool_key(org_id, group_id, AssignmentState.unassigned)
        start = None
        while True:
            cards, start = self.cards.in_pool(pool, PAGE, start)
            yield [card for card in cards if card.batch_id == batch_id]
            if start is None:
                return
