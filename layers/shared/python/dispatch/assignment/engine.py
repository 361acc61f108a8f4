"""Which agent gets each card of a chunk, by the process's assignment type (PRODUCT §7).

- ``none``: the card is a prospect.
- Outside the organisation's business hours every distributing type leaves the card in the
  Unassigned queue (distributed when hours open).
- ``round_robin``: the group's rotation (see :mod:`dispatch.assignment.rotation`).
- ``direct``: the card's ``AssignToEmail`` or ``AssignToUserId`` field names the agent; no field or
  no such agent → prospect; an agent who is unavailable or not eligible → the fallback.
- ``distribute_all``: the card waits for the first claim of an eligible agent (``available``).
- Fallback: no eligible and available agent → the group's default agent, else Lead Exception.
An assigned card starts with the process's initial status and activity.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dispatch.assignment.hours import BusinessHours
from dispatch.assignment.models import Agent, Assignment, AssignmentConfig, AssignmentState, AssignmentType
from dispatch.assignment.rotation import BLOCK, Assigner, CardTaken
from dispatch.assignment.store import AgentStore
from dispatch.cards.models import Card
from dispatch.clock import isoformat

DIRECT_EMAIL = "assigntoemail"
DIRECT_USER = "assigntouserid"


@dataclass
class AssignmentEngine:
    agents: AgentStore
    assigner: Assigner

    def assign(
        self,
        cards: list[Card],
        config: AssignmentConfig,
        hours: BusinessHours,
        now: datetime,
        *,
        waiting_in: AssignmentState | None = None,
    ) -> Counter[str]:
        """Assign the cards still waiting — not assigned yet, or (``waiting_in``) in that queue —
        and return how many ended in each state (``default_agent`` for the fallback, ``taken``
        for cards another worker got first)."""
        outcomes: Counter[str] = Counter()
        moment = isoformat(now)
        waiting = [c for c in cards if (c.assignment.state if c.assignment else None) == waiting_in]
        if config.type is AssignmentType.none:
            return Counter({AssignmentState.prospect.value: len(waiting)})  # no assignment: a prospect
        if not hours.is_open(now):
            if waiting_in is None:
                queued = Assignment(state=AssignmentState.unassigned, group_id=config.group_id, at=moment)
                for card in waiting:
                    self._set(card, queued, outcomes, None)
                if waiting:
                    self.agents.mark_waiting(waiting[0].org_id, waiting[0].batch_id)
            return outcomes
        if config.type is AssignmentType.round_robin:
            self._round_robin(waiting, config, moment, outcomes, waiting_in)
        elif config.type is AssignmentType.direct:
            for card in waiting:
                self._direct(card, config, moment, outcomes, waiting_in)
        elif config.type is AssignmentType.distribute_all:
            members = self.agents.members(str(config.group_id))
            offer = Assignment(
                state=AssignmentState.available, group_id=config.group_id, by="distribute_all", at=moment
            )
            for card in waiting:
                if any(m.available and m.eligible_for(card.values) for m in members):
                    self._set(card, offer, outcomes, waiting_in)
                else:
                    self._fallback(card, config, moment, outcomes, waiting_in)
        else:
            raise ValueError(f"assignment type {config.type.value} is not supported")
        return outcomes

    def _round_robin(
        self,
        cards: list[Card],
        config: AssignmentConfig,
        moment: str,
        outcomes: Counter[str],
        expected: AssignmentState | None,
    ) -> None:
        group_id = str(config.group_id)

        def make(agent_id: str) -> Assignment:
            return _assigned(config, agent_id, "round_robin", moment)

        for start in range(0, len(cards), BLOCK):
            block = cards[start : start + BLOCK]
            picks = self.assigner.round_robin(
                [(card, card.values) for card in block], group_id, make, expected
            )
            for card in block:
                if card.id not in picks:
                    outcomes["taken"] += 1
                elif picks[card.id] is None:
                    self._fallback(card, config, moment, outcomes, expected)
                else:
                    outcomes[AssignmentState.assigned.value] += 1

    def _direct(
        self,
        card: Card,
        config: AssignmentConfig,
        moment: str,
        outcomes: Counter[str],
        expected: AssignmentState | None,
    ) -> None:
        email, user_id = _field(card.values, DIRECT_EMAIL), _field(card.values, DIRECT_USER)
        agent: Agent | None = None
        if email:
            agent = self.agents.agent_by(card.org_id, email=str(email))
        if agent is None and user_id:
            agent = self.agents.agent_by(card.org_id, user_id=str(user_id))
        if agent is None:
            prospect = Assignment(state=AssignmentState.prospect, at=moment, reason="no agent named")
            self._set(card, prospect, outcomes, expected)
        elif not agent.available or not agent.eligible_for(card.values):
            self._fallback(card, config, moment, outcomes, expected)
        else:
            group = config.group_id if config.group_id in agent.groups else None
            self._set(
                card, _assigned(config, agent.id, "direct", moment, group), outcomes, expected, group_id=group
            )

    def _fallback(
        self,
        card: Card,
        config: AssignmentConfig,
        moment: str,
        outcomes: Counter[str],
        expected: AssignmentState | None,
    ) -> None:
        group = self.agents.group(card.org_id, str(config.group_id)) if config.group_id else None
        if group is not None and group.default_agent_id:
            assignment = _assigned(config, group.default_agent_id, "default_agent", moment)
            self._set(card, assignment, outcomes, expected, group_id=group.id, label="default_agent")
        else:
            exception = Assignment(
                state=AssignmentState.lead_exception,
                group_id=config.group_id,
                at=moment,
                reason="no eligible or available agent, and no default agent",
            )
            self._set(card, exception, outcomes, expected)

    def _set(
        self,
        card: Card,
        assignment: Assignment,
        outcomes: Counter[str],
        expected: AssignmentState | None,
        *,
        group_id: str | None = None,
        label: str | None = None,
    ) -> None:
        try:
            self.assigner.assign(card, assignment, expected, group_id=group_id)
        except CardTaken:
            outcomes["taken"] += 1
            return
        outcomes[label or assignment.state.value] += 1


def _assigned(
    config: AssignmentConfig, agent_id: str, by: str, moment: str, group: str | None = ""
) -> Assignment:
    return Assignment(
        state=AssignmentState.assigned,
        group_id=config.group_id if group == "" else group,
        agent_id=agent_id,
        by=by,
        at=moment,
        work_status=config.initial_status,
        activity=[{"at": moment, "type": config.initial_activity}],
    )


def _field(values: dict[str, Any], wanted: str) -> Any:
    """A card field by name, compared without case, spaces, underscores or hyphens."""
    for name, value in values.items():
        if name.replace("_", "").replace("-", "").replace(" ", "").casefold() == wanted and value not in (
            None,
            "",
        ):
            return value
    return None
