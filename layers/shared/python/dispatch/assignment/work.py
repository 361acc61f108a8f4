"""The agent work queue's consumer: notices, ring_all round timeouts, accepted offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.messages import Accepted, AgentQueue, Notice, RingTimeout
from dispatch.assignment.notifier import Notifier
from dispatch.assignment.rotation import Assigner
from dispatch.batches.store import BatchStore
from dispatch.cards.store import CardStore
from dispatch.errors import NotFound
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.store import ProcessStore


@dataclass
class AgentWork:
    notifier: Notifier
    engine: AssignmentEngine
    assigner: Assigner
    queue: AgentQueue
    cards: CardStore
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore

    def handle(self, message: Notice | RingTimeout | Accepted, now: datetime) -> str:
        """Do what one message asks; returns what happened (for the logs). Repeats are harmless."""
        if isinstance(message, Notice):
            return self.notifier.deliver(message, now)
        try:
            card = self.cards.get(message.card_id)
        except NotFound:
            return "no_card"
        if isinstance(message, RingTimeout):
            batch = self.batches.get(card.org_id, card.batch_id)
            config = self.processes.get(card.org_id, batch.process_id).assignment
            hours = self.organisations.get(card.org_id).business_hours
            return self.engine.ring_timeout(card, config, hours, now, message.round)
        offer = card.assignment
        if offer is None or offer.agent_id != message.agent_id:
            return "stale"
        if offer.group_id:
            once = (f"NOTICE#{card.id}", f"accepted#{message.agent_id}#{message.round}")
            self.assigner.credit(offer.group_id, message.agent_id, once)
        others = [agent for agent in offer.offered_to if agent != message.agent_id]
        self.queue.send(
            [
                Notice(kind="taken", card_id=card.id, agent_id=agent, at=str(offer.at), round=message.round)
                for agent in others
            ]
        )
        return "accepted"
