"""The lead queues (PRODUCT §7, §11): the organisation's cards waiting outside any agent's hands —
prospects, Lead Exception, Unassigned, offered (ring_all) and claimable (distribute_all) — listed
for the people who run them, and moved out by hand.

A queue is one key of the cards' sparse ``pool`` index (``<org>#<state>``, whatever the group), so a
listing is one query, newest first; prospects are listed by blocks of rows, the newest batches'
last rows first (:mod:`dispatch.assignment.prospects`). Filters (process, batch, group) and a
search (any field value, the email or the phone, case-insensitive) are applied while reading, and
a page is full unless it is the last (:func:`dispatch.dynamo.query_filtered`).

Moving a card out of a queue, each a write conditional on the queue (and the ring's round) it was
read in, so a card taken meanwhile — claimed, accepted, drained, moved by someone else — is a 409:

- **assign** to an agent: the agent moves to the top of the group's rotation and is told; from a
  queue the card starts with the setting's initial status and activity, from another agent it
  keeps its work (:func:`dispatch.assignment.models.start_work`);
- **return to the pool**: the card goes through the engine again by its batch's assignment setting
  — rotation, eligibility and availability, business hours, default agent and Lead Exception —
  as if it had just been delivered;
- **make it claimable**: offered to every eligible agent of a group (``distribute_all``'s pool),
  refused (409) when no member of the group is available and eligible for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.messages import AgentQueue, Notice
from dispatch.assignment.models import (
    Assignment,
    AssignmentConfig,
    AssignmentState,
    AssignmentType,
    ManualAssignment,
    Queue,
    QueuedCard,
    QueueFilter,
    Release,
    start_work,
)
from dispatch.assignment.rotation import QUEUES, Assigner, CardTaken, queue_key
from dispatch.assignment.store import AgentStore
from dispatch.auth import Caller, Role
from dispatch.batches.models import Batch
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card, CardView
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso, utcnow
from dispatch.dynamo import decode_cursor, encode_cursor
from dispatch.errors import Conflict, InvalidRequest, NotFound
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.store import ProcessStore


@dataclass
class LeadQueues:
    cards: CardStore
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    agents: AgentStore
    assigner: Assigner
    engine: AssignmentEngine
    queue: AgentQueue

    def listing(
        self, caller: Caller, wanted: QueueFilter, limit: int, cursor: str | None
    ) -> tuple[list[QueuedCard], str | None]:
        """A page of one queue of the caller's organisation, newest first."""
        caller.require(Role.sender)
        processes: dict[str, str | None] = {}  # batch id → its process (None: the batch is gone)

        def process_of(batch_id: str) -> str | None:
            if batch_id not in processes:
                try:
                    processes[batch_id] = self.batches.get(caller.org_id, batch_id).process_id
                except NotFound:
                    processes[batch_id] = None
            return processes[batch_id]

        def keep(card: Card) -> bool:
            assignment = card.assignment
            return (
                (wanted.batch_id is None or card.batch_id == wanted.batch_id)
                and (
                    wanted.group_id is None
                    or (assignment is not None and assignment.group_id == wanted.group_id)
                )
                and (wanted.q is None or _contains(card, wanted.q))
                and (wanted.process_id is None or process_of(card.batch_id) == wanted.process_id)
            )

        start = decode_cursor(cursor)
        if wanted.queue is Queue.prospects:
            cards, last = self.assigner.prospects.page(
                caller.org_id, self.cards, limit, start, batch_id=wanted.batch_id, keep=keep
            )
        else:
            pool = queue_key(caller.org_id, wanted.queue.state)
            cards, last = self.cards.in_pool(pool, limit, start, newest_first=True, keep=keep)
        return [_queued(card) for card in cards], encode_cursor(last)

    def assign(self, caller: Caller, card_id: str, body: ManualAssignment) -> CardView:
        """Assign (or reassign) a card by hand; the agent moves to the top of its group's rotation
        and is told."""
        caller.require(Role.sender)
        card = self._card(caller, card_id)
        agent = self.agents.agent(caller.org_id, body.agent_id)
        current = card.assignment
        group_id = current.group_id if current and current.group_id in agent.groups else None
        if group_id is None and agent.groups:
            group_id = agent.groups[0]
        moment = now_iso()
        assignment = Assignment(
            state=AssignmentState.assigned,
            group_id=group_id,
            agent_id=agent.id,
            by=f"manual:{caller.user_id}",
            by_email=caller.email,
            at=moment,
            **start_work(self._setting(card), current, moment),
        )
        self._write(card, assignment, group_id=group_id)
        self.queue.send([Notice(kind="assigned", card_id=card.id, agent_id=agent.id, at=moment)])
        return self.cards.get(card_id).public()

    def redistribute(self, caller: Caller, card_id: str) -> CardView:
        """Return a queued card to the pool: the engine assigns it again by its batch's setting."""
        caller.require(Role.sender)
        card = self._card(caller, card_id)
        current = self._queued_state(card)
        config = self._setting(card)
        if config.type is AssignmentType.none:
            raise Conflict(
                "this card's batch assigns to nobody; assign it to an agent or make it claimable",
                _state(card),
            )
        hours = self.organisations.get(caller.org_id).business_hours
        outcome = self.engine.assign(
            [card], config, hours, utcnow(), waiting_in=current.state, offer_round=_round(current)
        )
        if outcome.get("taken"):
            raise Conflict("the card changed meanwhile; read it again", _state(self.cards.get(card_id)))
        return self.cards.get(card_id).public()

    def release(self, caller: Caller, card_id: str, body: Release) -> CardView:
        """Make a queued card claimable by every eligible agent of a group."""
        caller.require(Role.sender)
        card = self._card(caller, card_id)
        current = self._queued_state(card)
        group_id = body.group_id or current.group_id or self._setting(card).group_id
        if group_id is None:
            raise InvalidRequest("name the group whose agents may claim the card (group_id)")
        group = self.agents.group(caller.org_id, group_id)
        if not any(m.available and m.eligible_for(card.values) for m in self.agents.members(group.id)):
            raise Conflict(
                "no agent of the group is available and eligible for this card",
                {**_state(card), "group_id": group.id},
            )
        claimable = Assignment(
            state=AssignmentState.available,
            group_id=group.id,
            by=f"manual:{caller.user_id}",
            by_email=caller.email,
            at=now_iso(),
            work_status=current.work_status,
            activity=current.activity,
        )
        self._write(card, claimable)
        return self.cards.get(card_id).public()

    def _write(self, card: Card, assignment: Assignment, *, group_id: str | None = None) -> None:
        """Conditional on the state (and ring round) the card was read in."""
        current = card.assignment
        try:
            self.assigner.assign(
                card,
                assignment,
                current.state if current else None,
                group_id=group_id,
                offer_round=_round(current),
            )
        except CardTaken as exc:
            raise Conflict(
                "the card changed meanwhile; read it again", _state(self.cards.get(card.id))
            ) from exc

    def _queued_state(self, card: Card) -> Assignment:
        current = card.assignment
        if current is None or current.state not in QUEUES:
            raise Conflict("this card is not waiting in a queue", _state(card))
        return current

    def _setting(self, card: Card) -> AssignmentConfig:
        batch: Batch = self.batches.get(card.org_id, card.batch_id)
        return batch.assigns_with(self.processes.get(card.org_id, batch.process_id).assignment)

    def _card(self, caller: Caller, card_id: str) -> Card:
        card = self.cards.get(card_id)
        if card.org_id != caller.org_id:
            raise NotFound("no such card")
        return card


def _round(current: Assignment | None) -> int | None:
    """An offered card's ring round: a move out of the ring is conditional on it."""
    return current.offer_round if current is not None and current.state is AssignmentState.offered else None


def _state(card: Card) -> dict[str, Any]:
    return {"assignment": card.assignment.state.value if card.assignment else None}


def _contains(card: Card, text: str) -> bool:
    wanted = text.strip().casefold()
    fields = [*card.values.values(), card.email, card.phone]
    return any(wanted in str(value).casefold() for value in fields if value is not None)


def _queued(card: Card) -> QueuedCard:
    assert card.assignment is not None  # a card of a queue has one
    return QueuedCard(
        id=card.id,
        batch_id=card.batch_id,
        row=card.row,
        status=card.status.value,
        email=card.email,
        phone=card.phone,
        values=card.values,
        sent_at=card.sent_at,
        assignment=card.assignment,
    )
