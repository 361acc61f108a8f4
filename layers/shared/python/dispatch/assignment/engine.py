"""Which agent gets each card of a chunk, by its batch's assignment setting — the batch's own,
else its process's (PRODUCT §7).

- ``none``: the card is a prospect (listed in the prospects queue).
- Outside the organisation's business hours every distributing type leaves the card in the
  Unassigned queue (distributed when hours open).
- ``round_robin``: the group's rotation (see :mod:`dispatch.assignment.rotation`).
- ``direct``: the card's ``AssignToEmail`` or ``AssignToUserId`` field names the agent; no field or
  no such agent → prospect; an agent who is unavailable or not eligible → the fallback.
- ``distribute_all``: the card waits for the first claim of an eligible agent (``available``).
- ``ring_all``: the card is ``offered`` to up to ten eligible, available agents at once (the least
  recently assigned first), each sent an accept link (:mod:`dispatch.assignment.offers`); a round
  that nobody accepts within the process's ``ring_timeout_seconds`` goes to the next ten agents
  not asked yet (:meth:`AssignmentEngine.ring_timeout`), and when none is left, to the fallback.
- Fallback: no eligible and available agent → the group's default agent, else Lead Exception.
A card that reaches an agent from a queue (or new) starts with the setting's initial status and
activity (:func:`dispatch.assignment.models.start_work`), and its agent is told (a notice through
the agent work queue, :mod:`dispatch.assignment.messages`). The engine also takes a card out of a
queue by hand ("return to the pool": ``waiting_in`` its queue), with the same rules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from dispatch.assignment.hours import BusinessHours
from dispatch.assignment.messages import AgentQueue, Notice, RingTimeout
from dispatch.assignment.models import (
    Agent,
    Assignment,
    AssignmentConfig,
    AssignmentState,
    AssignmentType,
    start_work,
)
from dispatch.assignment.rotation import BLOCK, QUEUES, Assigner, CardTaken
from dispatch.assignment.store import AgentStore, Member
from dispatch.cards.models import Card
from dispatch.clock import isoformat, utcnow

DIRECT_EMAIL = "assigntoemail"
DIRECT_USER = "assigntouserid"
RING_SIZE = 10  # agents offered a ring_all card at once


def no_assignment(now: datetime) -> Assignment:
    """A card of a setting that assigns nobody: a prospect."""
    return Assignment(state=AssignmentState.prospect, at=isoformat(now), reason="no assignment")


@dataclass
class _Pass:
    """One engine call: how it assigns, when, on which state it conditions each write, what it
    has done so far and what it must tell agents when it is done (notices go after the writes:
    a notice read before its card changed would be dropped as no longer true)."""

    config: AssignmentConfig
    now: datetime
    expected: AssignmentState | None
    offer_round: int | None = None  # taking an offered card out of its ring: the round read
    outcomes: Counter[str] = field(default_factory=Counter)
    notices: list[Notice] = field(default_factory=list)

    @property
    def moment(self) -> str:
        return isoformat(self.now)


@dataclass
class AssignmentEngine:
    agents: AgentStore
    assigner: Assigner
    queue: AgentQueue

    def prospects_sent(
        self, org_id: str, batch_id: str, first_row: int, last_row: int
    ) -> Callable[[], Assignment]:
        """For a batch's sender whose setting assigns nobody: the rows' prospect blocks noted first
        (:mod:`dispatch.assignment.prospects`), then the prospect each send records with it
        (``CardStore.mark_sent``: one write instead of two). The engine queues only the cards that
        missed it (one a delivery event recorded first, or one the sender died before recording)."""
        self.assigner.prospects.note(org_id, batch_id, range(first_row, last_row + 1))
        return lambda: no_assignment(utcnow())

    def assign(
        self,
        cards: list[Card],
        config: AssignmentConfig,
        hours: BusinessHours,
        now: datetime,
        *,
        waiting_in: AssignmentState | None = None,
        offer_round: int | None = None,
    ) -> Counter[str]:
        """Assign the cards still waiting — not assigned yet, or (``waiting_in``) in that queue,
        an offered card in ring ``offer_round`` — and return how many ended in each state
        (``default_agent`` for the fallback, ``taken`` for cards another worker got first). Each
        write is conditional on that, so a card is assigned exactly once however often it is
        offered here."""
        waiting = [c for c in cards if (c.assignment.state if c.assignment else None) == waiting_in]
        run = _Pass(config, now, waiting_in, offer_round)
        if config.type is AssignmentType.none:
            prospect = no_assignment(now)
            self.assigner.note_prospects(waiting)  # each block once, not once a card
            for card in waiting:
                self._set(card, prospect, run, noted=True)
            return run.outcomes
        if not hours.is_open(now):
            if waiting_in is not AssignmentState.unassigned:  # those wait already
                self._queue_until_open(waiting, run)
            return run.outcomes
        if config.type is AssignmentType.round_robin:
            self._round_robin(waiting, run)
        elif config.type is AssignmentType.direct:
            for card in waiting:
                self._direct(card, run)
                self._flush(run)
        elif config.type is AssignmentType.distribute_all:
            members = self.agents.members(str(config.group_id))
            offer = Assignment(
                state=AssignmentState.available, group_id=config.group_id, by="distribute_all", at=run.moment
            )
            for card in waiting:
                if any(m.available and m.eligible_for(card.values) for m in members):
                    self._set(card, offer, run)
                else:
                    self._fallback(card, run)
                self._flush(run)
        else:
            members = self.agents.members(str(config.group_id))
            first = (offer_round or 0) + 1  # a card taken out of a ring by hand rings afresh
            self._arm([RingTimeout(card_id=card.id, round=first) for card in waiting], config)
            for card in waiting:
                self._ring(card, members, run, previous=None)
                self._flush(run)
        return run.outcomes

    def ring_timeout(
        self, card: Card, config: AssignmentConfig, hours: BusinessHours, now: datetime, round_: int
    ) -> str:
        """A ring_all round lapsed: if the card is still offered in that round, offer it to the
        next agents not asked yet, else to the fallback; outside business hours it waits in the
        Unassigned queue. Every write is conditional on the round, so a late accept or a repeated
        timeout message changes nothing. Returns what happened."""
        offer = card.assignment
        if offer is None or offer.state is not AssignmentState.offered or offer.offer_round != round_:
            return "settled"
        # The offer's group, even if the process has moved to another since.
        run = _Pass(
            config.model_copy(update={"group_id": offer.group_id}), now, AssignmentState.offered, round_
        )
        if not hours.is_open(now):
            self._queue_until_open([card], run)
        else:
            members = self.agents.members(str(run.config.group_id))
            self._arm([RingTimeout(card_id=card.id, round=round_ + 1)], config)
            self._ring(card, members, run, previous=offer)
            self._flush(run)
        return next(iter(run.outcomes), "settled")

    def _queue_until_open(self, cards: list[Card], run: _Pass) -> None:
        """Marked first: a worker that stops between the mark and the cards leaves a mark the drain
        clears, never queued cards the drain does not know of."""
        if not cards:
            return
        self.agents.mark_waiting(cards[0].org_id, cards[0].batch_id, run.now)
        queued = Assignment(state=AssignmentState.unassigned, group_id=run.config.group_id, at=run.moment)
        for card in cards:
            self._set(card, queued, run)

    def _ring(self, card: Card, members: list[Member], run: _Pass, *, previous: Assignment | None) -> None:
        """Offer the card to the next ring of agents (the first, or the one after ``previous``)."""
        asked = set(previous.offered_before + previous.offered_to) if previous else set()
        candidates = sorted(
            (m for m in members if m.available and m.eligible_for(card.values) and m.agent_id not in asked),
            key=lambda member: (member.rank, member.agent_id),
        )
        ring = [member.agent_id for member in candidates[:RING_SIZE]]
        if not ring:
            self._fallback(card, run)
            return
        number = (previous.offer_round if previous else run.offer_round or 0) + 1
        offer = Assignment(
            state=AssignmentState.offered,
            group_id=run.config.group_id,
            by="ring_all",
            at=run.moment,
            offered_to=ring,
            offered_before=sorted(asked),
            offer_round=number,
            offer_expires_at=isoformat(run.now + timedelta(seconds=run.config.ring_timeout_seconds)),
        )
        if self._set(card, offer, run):
            run.notices += [
                Notice(kind="offer", card_id=card.id, agent_id=agent, at=run.moment, round=number)
                for agent in ring
            ]

    def _flush(self, run: _Pass) -> None:
        """Queue the notices of what was just written (a card, or a block of them): a worker that
        stops later loses none of them; one that stops in between loses at most these."""
        self.queue.send(run.notices)
        run.notices.clear()

    def _arm(self, timeouts: list[RingTimeout], config: AssignmentConfig) -> None:
        """Queue the rounds' timeouts before the offers are written: a worker that dies in between
        leaves a timeout that finds nothing to do, never an offer that no timeout will end."""
        self.queue.send(timeouts, delay_seconds=config.ring_timeout_seconds)

    def _round_robin(self, cards: list[Card], run: _Pass) -> None:
        group_id = str(run.config.group_id)

        def make(card: Card, agent_id: str) -> Assignment:
            return _assigned(run.config, card, agent_id, "round_robin", run.moment)

        for start in range(0, len(cards), BLOCK):
            block = cards[start : start + BLOCK]
            picks = self.assigner.round_robin(
                [(card, card.values) for card in block], group_id, make, run.expected, run.offer_round
            )
            for card in block:
                if card.id not in picks:
                    run.outcomes["taken"] += 1
                    continue
                agent = picks[card.id]
                if agent is None:
                    self._fallback(card, run)
                else:
                    run.outcomes[AssignmentState.assigned.value] += 1
                    run.notices.append(
                        Notice(kind="assigned", card_id=card.id, agent_id=agent, at=run.moment)
                    )
            self._flush(run)

    def _direct(self, card: Card, run: _Pass) -> None:
        email, user_id = _field(card.values, DIRECT_EMAIL), _field(card.values, DIRECT_USER)
        agent: Agent | None = None
        if email:
            agent = self.agents.agent_by(card.org_id, email=str(email))
        if agent is None and user_id:
            agent = self.agents.agent_by(card.org_id, user_id=str(user_id))
        if agent is None:
            prospect = Assignment(state=AssignmentState.prospect, at=run.moment, reason="no agent named")
            self._set(card, prospect, run)
        elif not agent.available or not agent.eligible_for(card.values):
            self._fallback(card, run)
        else:
            group = run.config.group_id if run.config.group_id in agent.groups else None
            assignment = _assigned(run.config, card, agent.id, "direct", run.moment, group=group)
            self._set(card, assignment, run, group_id=group)

    def _fallback(self, card: Card, run: _Pass) -> None:
        config = run.config
        group = self.agents.group(card.org_id, str(config.group_id)) if config.group_id else None
        if group is not None and group.default_agent_id:
            assignment = _assigned(config, card, group.default_agent_id, "default_agent", run.moment)
            self._set(card, assignment, run, group_id=group.id, label="default_agent")
        else:
            exception = Assignment(
                state=AssignmentState.lead_exception,
                group_id=config.group_id,
                at=run.moment,
                reason="no eligible or available agent, and no default agent",
            )
            self._set(card, exception, run)

    def _set(
        self,
        card: Card,
        assignment: Assignment,
        run: _Pass,
        *,
        group_id: str | None = None,
        label: str | None = None,
        noted: bool = False,
    ) -> bool:
        """Write one card's assignment (conditional on the run's expected state and, for an offered
        card, its round); an assigned agent is told. False when the card was taken meanwhile. A
        card put in a queue keeps the work status and activity it has (a retrieved card's).
        ``noted``: a prospect's block is noted already (``Assigner.note_prospects``)."""
        current = card.assignment
        if assignment.state in QUEUES and current is not None:
            assignment = assignment.model_copy(
                update={"work_status": current.work_status, "activity": current.activity}
            )
        try:
            self.assigner.assign(
                card, assignment, run.expected, group_id=group_id, offer_round=run.offer_round, noted=noted
            )
        except CardTaken:
            run.outcomes["taken"] += 1
            return False
        run.outcomes[label or assignment.state.value] += 1
        if assignment.state is AssignmentState.assigned and assignment.agent_id:
            run.notices.append(
                Notice(kind="assigned", card_id=card.id, agent_id=assignment.agent_id, at=run.moment)
            )
        return True


def _assigned(
    config: AssignmentConfig, card: Card, agent_id: str, by: str, moment: str, *, group: str | None = ""
) -> Assignment:
    return Assignment(
        state=AssignmentState.assigned,
        group_id=config.group_id if group == "" else group,
        agent_id=agent_id,
        by=by,
        at=moment,
        **start_work(config, card.assignment, moment),
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
