"""Retrieval (PRODUCT §6): cards assigned to an agent and not worked for N days go back to the pool.

An assigned card sits under its agent's key of the cards' ``pool`` index (``rotation.agent_pool``)
with ``pooled_at`` = when it was last assigned or worked, so one agent's idle cards are one range
query (``pooled_at`` before now minus N days); the organisation's agents are visited page by page.

Each idle card goes back with one conditional write: only while it is still under that agent and
still idle (recording work moves ``pooled_at``), so a card worked or reassigned since it was read is
left alone. It goes to its group's offer to every eligible agent (``available``: listed by
``GET /agents/me/available`` and claimed like a ``distribute_all`` card); when no member of the
group is available and eligible for it, to the group's default agent (who is told), as the engine's
fallback does; else — or when it has no group, or its group no longer exists — to Lead Exception.
Its work status and activity stay; the reason and the agent it came from are recorded. The rotation
is not touched. A preview counts the same cards without writing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from dispatch.assignment.messages import AgentQueue, Notice
from dispatch.assignment.models import Agent, Assignment, AssignmentState, Group
from dispatch.assignment.rotation import agent_pool, queue_key
from dispatch.assignment.store import AgentStore, Member
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat
from dispatch.errors import NotFound
from dispatch.observability import logger

PAGE = 100


@dataclass
class Retrieved:
    cards: int = 0  # returned to the pool
    left: int = 0  # idle when read, but worked or reassigned before the write: left alone


@dataclass(frozen=True)
class _GroupView:
    group: Group
    members: list[Member]


@dataclass
class Retriever:
    agents: AgentStore
    cards: CardStore
    queue: AgentQueue

    def count(self, org_id: str, idle_days: int, now: datetime) -> int:
        """How many assigned cards have not been worked for ``idle_days`` days (a preview)."""
        return sum(1 for _ in self._idle(org_id, idle_before(now, idle_days)))

    def retrieve(self, org_id: str, idle_days: int, now: datetime) -> Retrieved:
        """Return every assigned card not worked for ``idle_days`` days to the pool."""
        cutoff, moment = idle_before(now, idle_days), isoformat(now)
        result = Retrieved()
        groups: dict[str, _GroupView | None] = {}  # None: the group no longer exists
        notices: list[Notice] = []
        for agent, card in self._idle(org_id, cutoff):
            assignment = self._returned(card, agent, idle_days, moment, groups)
            if assignment.state is AssignmentState.assigned:  # to the group's default agent
                pool = agent_pool(org_id, str(assignment.agent_id))
            else:
                pool = queue_key(org_id, assignment.state)
            taken_from = agent_pool(org_id, agent.id)
            if self.cards.return_to_pool(card, assignment, pool, taken_from=taken_from, idle_before=cutoff):
                result.cards += 1
                if assignment.agent_id:
                    notices.append(
                        Notice(kind="assigned", card_id=card.id, agent_id=assignment.agent_id, at=moment)
                    )
            else:
                result.left += 1
        self.queue.send(notices)
        logger.info("idle cards retrieved", org_id=org_id, cards=result.cards, left=result.left)
        return result

    def _idle(self, org_id: str, cutoff: str) -> Iterator[tuple[Agent, Card]]:
        """Every agent's cards pooled before ``cutoff``, a page at a time (a card written back
        leaves its agent's pool; the next page starts after the last key read, so none is missed)."""
        cursor: str | None = None
        while True:
            agents, cursor = self.agents.agents(org_id, PAGE, cursor)
            for agent in agents:
                pool, start = agent_pool(org_id, agent.id), None
                while True:
                    cards, start = self.cards.in_pool(pool, PAGE, start, before=cutoff)
                    yield from ((agent, card) for card in cards)
                    if start is None:
                        break
            if cursor is None:
                return

    def _returned(
        self, card: Card, agent: Agent, idle_days: int, moment: str, groups: dict[str, _GroupView | None]
    ) -> Assignment:
        """The card's assignment once taken back: offered to its group, else the group's default
        agent, else Lead Exception."""
        current = card.assignment or Assignment(state=AssignmentState.assigned, agent_id=agent.id)
        reason = f"retrieved after {idle_days} idle days"
        view = self._group(card.org_id, current.group_id, groups) if current.group_id else None
        state, group_id, agent_id = AssignmentState.lead_exception, None, None
        if current.group_id and view is None:
            reason += "; its group no longer exists"
        elif view is not None:
            group_id = view.group.id
            if any(m.available and m.eligible_for(card.values) for m in view.members):
                state = AssignmentState.available
            elif view.group.default_agent_id:
                state, agent_id = AssignmentState.assigned, view.group.default_agent_id
                reason += "; no agent of its group is available and eligible: its default agent"
            else:
                reason += "; no agent of its group is available and eligible"
        return current.model_copy(
            update={
                "state": state,
                "group_id": group_id,
                "agent_id": agent_id,
                "by": "retrieval",
                "at": moment,
                "reason": reason,
                "retrieved_from": agent.id,
            }
        )

    def _group(self, org_id: str, group_id: str, groups: dict[str, _GroupView | None]) -> _GroupView | None:
        if group_id not in groups:
            try:
                groups[group_id] = _GroupView(
                    self.agents.group(org_id, group_id), self.agents.members(group_id)
                )
            except NotFound:
                groups[group_id] = None
        return groups[group_id]


def idle_before(now: datetime, idle_days: int) -> str:
    """Cards last assigned or worked before this time are idle."""
    return isoformat(now - timedelta(days=idle_days))
