"""Agents, groups, and the agent's own side over the API (PRODUCT §7, §9).

Admins manage agents and groups. An agent is the user linked to an agent record, by user id (see
``_me``); the agent role (a Cognito group) lets a user be linked once by the agent's login email,
and gives no other rights. An agent, while available, sees the cards offered to every eligible
agent of their groups (``distribute_all``) and claims one — the first claim wins, the rest get
409; a claimed card starts with its batch's initial status and activity. An agent lists the cards
assigned to them (least recently worked first), reads each of them, and records work on them (an
admin may record it for the agent); recording work keeps a card from being retrieved as idle. The
staff's side of the queues (listing, assigning by hand) is :mod:`dispatch.assignment.queues`.
"""

from __future__ import annotations

import base64
import binascii
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dispatch.assignment.agent_file import read_agent_file
from dispatch.assignment.models import (
    ACTIVITY_KEPT,
    Activity,
    Agent,
    AgentImport,
    AgentInput,
    AgentView,
    AssignmentState,
    Group,
    GroupInput,
    GroupView,
    ImportResult,
    ImportRowError,
    RotationPlace,
    start_work,
)
from dispatch.assignment.offers import OfferDesk
from dispatch.assignment.rotation import Assigner, CardTaken, agent_pool, queue_key
from dispatch.assignment.store import AgentStore
from dispatch.auth import Caller, Role
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card, CardView, LeadCard, WorkedCard, WorkSummary
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso, utcnow
from dispatch.dynamo import decode_cursor, encode_cursor
from dispatch.errors import Conflict, DispatchError, Forbidden, InvalidRequest, NotFound, Unprocessable
from dispatch.ids import new_id
from dispatch.processes.store import ProcessStore

_UNAVAILABLE = (
    "you are unavailable: switch yourself on (PUT /agents/me/availability) to see and claim new cards"
)


@dataclass
class AssignmentService:
    agents: AgentStore
    assigner: Assigner
    cards: CardStore
    batches: BatchStore
    processes: ProcessStore

    # ---- agents ---------------------------------------------------------------------------------
    def create_agent(self, caller: Caller, body: AgentInput) -> AgentView:
        caller.require(Role.admin)
        self._groups_exist(caller, body.groups)
        moment = now_iso()
        agent = Agent(
            id=new_id(utcnow()),
            org_id=caller.org_id,
            created_at=moment,
            updated_at=moment,
            **body.model_dump(),
        )
        self.agents.create_agent(agent)
        return agent.public()

    def replace_agent(self, caller: Caller, agent_id: str, body: AgentInput) -> AgentView:
        caller.require(Role.admin)
        self._groups_exist(caller, body.groups)
        before = self.agents.agent(caller.org_id, agent_id)
        values = body.model_dump()
        if "user_id" not in body.model_fields_set:  # left out: the agent keeps its user (null unlinks)
            values["user_id"] = before.user_id
        after = Agent(
            id=before.id,
            org_id=before.org_id,
            created_at=before.created_at,
            updated_at=now_iso(),
            **values,
        )
        self.agents.update_agent(before, after)
        return after.public()

    def set_my_availability(self, caller: Caller, available: bool) -> AgentView:
        """An agent switches themself on or off (an admin can do it through the agent)."""
        me = self._me(caller)
        after = me.model_copy(update={"available": available, "updated_at": now_iso()})
        self.agents.update_agent(me, after)
        return after.public()

    def import_agents(self, caller: Caller, body: AgentImport, region: str) -> ImportResult:
        """Create or update (by email) every valid row; rows with errors are reported, not applied."""
        caller.require(Role.admin)
        try:
            raw = base64.b64decode(body.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidRequest("content_base64 is not base64") from exc
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "agents"
            path.write_bytes(raw)
            result = read_agent_file(path, default_phone_region=region)
        if result.rejected_reason:
            raise Unprocessable(result.rejected_reason, {"file_name": body.file_name})
        errors = [asdict(error) for error in result.errors]
        created = updated = 0
        for row, agent in result.agents:
            try:
                existing = self.agents.agent_by(caller.org_id, email=agent.email)
                if existing is None:
                    self.create_agent(caller, agent)
                    created += 1
                else:
                    self.replace_agent(caller, existing.id, agent)
                    updated += 1
            except DispatchError as exc:
                errors.append({"row": row, "column": None, "code": exc.code, "message": exc.message})
        return ImportResult(
            rows=result.rows,
            created=created,
            updated=updated,
            errors=[ImportRowError.model_validate(error) for error in sorted(errors, key=lambda e: e["row"])],
        )

    def delete_agent(self, caller: Caller, agent_id: str) -> None:
        """Only an agent without assigned cards: theirs would be left with nobody to work them and
        out of retrieval's reach (reassign them, or retrieve them, first)."""
        caller.require(Role.admin)
        agent = self.agents.agent(caller.org_id, agent_id)
        if self.cards.in_pool(agent_pool(caller.org_id, agent.id), 1, None)[0]:
            raise Conflict(
                "the agent still has assigned cards; reassign or retrieve them first", {"agent_id": agent_id}
            )
        self.agents.delete_agent(agent)

    def get_agent(self, caller: Caller, agent_id: str) -> AgentView:
        return self.agents.agent(caller.org_id, agent_id).public()

    def list_agents(
        self, caller: Caller, limit: int, cursor: str | None
    ) -> tuple[list[AgentView], str | None]:
        agents, next_cursor = self.agents.agents(caller.org_id, limit, cursor)
        return [agent.public() for agent in agents], next_cursor

    # ---- groups ---------------------------------------------------------------------------------
    def create_group(self, caller: Caller, body: GroupInput) -> Group:
        caller.require(Role.admin)
        if body.default_agent_id:
            self.agents.agent(caller.org_id, body.default_agent_id)
        group = Group(id=new_id(utcnow()), org_id=caller.org_id, created_at=now_iso(), **body.model_dump())
        self.agents.put_group(group, new=True)
        return group

    def replace_group(self, caller: Caller, group_id: str, body: GroupInput) -> Group:
        caller.require(Role.admin)
        before = self.agents.group(caller.org_id, group_id)
        if body.default_agent_id:
            self.agents.agent(caller.org_id, body.default_agent_id)
        group = before.model_copy(update=body.model_dump())
        self.agents.put_group(group, new=False)
        return group

    def get_group(self, caller: Caller, group_id: str) -> GroupView:
        """The group, and its members in rotation order (next to be assigned first)."""
        group = self.agents.group(caller.org_id, group_id)
        members = sorted(self.agents.members(group.id), key=lambda m: (m.rank, m.agent_id))
        rotation = [
            RotationPlace(agent_id=m.agent_id, available=m.available, assigned=m.assigned) for m in members
        ]
        return GroupView.model_validate({**dict(group), "rotation": rotation})

    def list_groups(self, caller: Caller, limit: int, cursor: str | None) -> tuple[list[Group], str | None]:
        return self.agents.groups(caller.org_id, limit, cursor)

    def delete_group(self, caller: Caller, group_id: str) -> None:
        caller.require(Role.admin)
        self.agents.group(caller.org_id, group_id)
        self.agents.delete_group(caller.org_id, group_id)

    # ---- the agent's own side ---------------------------------------------------------------------
    def me(self, caller: Caller) -> AgentView:
        return self._me(caller).public()

    def my_card(self, caller: Caller, card_id: str) -> CardView:
        """A card the caller works or may take: assigned to them, offered to them in its ring's
        current round, or waiting for a claim they may make (their group; available; eligible)."""
        me = self._me(caller)
        card = self._card(caller, card_id)
        current = card.assignment
        state = current.state if current is not None else None
        mine = current is not None and (
            (state is AssignmentState.assigned and current.agent_id == me.id)
            or (state is AssignmentState.offered and me.id in current.offered_to)
            or (state is AssignmentState.available and self._claimable_by(me, card) is None)
        )
        if not mine:
            raise Forbidden("this card is not assigned or offered to you", _state(card))
        return card.public()

    def available_to_me(
        self, caller: Caller, limit: int, cursor: str | None
    ) -> tuple[list[LeadCard], str | None]:
        """Cards waiting for the first claim in the caller's groups that the caller is eligible
        for, oldest first; 409 while the caller is unavailable (they can claim none)."""
        me = self._me(caller)
        if not me.available:
            raise Conflict(_UNAVAILABLE, {"available": False})
        pool = queue_key(caller.org_id, AssignmentState.available)
        cards, last = self.cards.in_pool(
            pool, limit, decode_cursor(cursor), keep=lambda card: self._claimable_by(me, card) is None
        )
        return [_lead(card) for card in cards], encode_cursor(last)

    def offered_to_me(
        self, caller: Caller, limit: int, cursor: str | None
    ) -> tuple[list[LeadCard], str | None]:
        """The ring_all offers of the current rounds made to the caller, oldest first: what the
        offer SMS links to, for an agent working in the console."""
        me = self._me(caller)
        pool = queue_key(caller.org_id, AssignmentState.offered)
        cards, last = self.cards.in_pool(
            pool,
            limit,
            decode_cursor(cursor),
            keep=lambda card: card.assignment is not None and me.id in card.assignment.offered_to,
        )
        return [_lead(card) for card in cards], encode_cursor(last)

    def accept_offer(self, caller: Caller, card_id: str, desk: OfferDesk) -> CardView:
        """The caller accepts a ring_all offer made to them: the first accept wins (the link's
        rule); later ones are 409 with the reason."""
        me = self._me(caller)
        desk.accept_signed_in(self._card(caller, card_id), me.id)
        return self.cards.get(card_id).public()

    def my_cards(self, caller: Caller, limit: int, cursor: str | None) -> tuple[list[WorkedCard], str | None]:
        """The cards assigned to the caller, least recently worked (or assigned) first: the ones
        closest to being retrieved as idle lead. Working a card moves it to the end."""
        me = self._me(caller)
        cards, last = self.cards.in_pool(agent_pool(caller.org_id, me.id), limit, decode_cursor(cursor))
        return [_worked(card) for card in cards], encode_cursor(last)

    def record_activity(self, caller: Caller, card_id: str, body: Activity) -> CardView:
        """The card's agent (or an admin, for them) records work on it: an activity entry, maybe a
        new work status; the card counts as worked now. 403 for anyone else; 409 when the card is
        not assigned, or was reassigned or taken back before the work was written."""
        card = self._card(caller, card_id)
        current = card.assignment
        agent_id = current.agent_id if current and current.state is AssignmentState.assigned else None
        if not caller.holds(Role.admin):
            me = self._me(caller)
            if agent_id != me.id:
                raise Forbidden("this card is not assigned to you")
        if agent_id is None:
            raise Conflict("this card is not assigned to an agent", _state(card))
        entry = {"at": now_iso(), "type": body.type, "by": caller.user_id, "by_email": caller.email}
        if body.note:
            entry["note"] = body.note
        worked = self.cards.record_work(
            card, agent_pool(caller.org_id, agent_id), entry, body.status, ACTIVITY_KEPT
        )
        if worked is None:
            raise Conflict(
                "the card was reassigned or taken back meanwhile; read it again",
                _state(self.cards.get(card_id)),
            )
        return worked.public()

    def claim(self, caller: Caller, card_id: str) -> CardView:
        """The first eligible, available agent to claim an offered card gets it, with its batch's
        initial status and activity; later claims are 409, an agent who may not claim it 403 (or
        409 while unavailable), each with the reason."""
        me = self._me(caller)
        card = self._card(caller, card_id)
        offer = card.assignment
        if offer is not None and offer.state is AssignmentState.assigned:  # the claim came second
            mine = offer.agent_id == me.id
            raise Conflict(
                "you have this card already" if mine else "another agent has this card now", _state(card)
            )
        if offer is None or offer.state is not AssignmentState.available:
            raise Conflict("this card is not waiting to be claimed", _state(card))
        if not me.available:
            raise Conflict(_UNAVAILABLE, {**_state(card), "available": False})
        refused = self._claimable_by(me, card)
        if refused is not None:
            raise Forbidden(refused, _state(card))
        batch = self.batches.get(card.org_id, card.batch_id)
        config = batch.assigns_with(self.processes.get(card.org_id, batch.process_id).assignment)
        moment = now_iso()
        claimed = offer.model_copy(
            update={
                "state": AssignmentState.assigned,
                "agent_id": me.id,
                "by": "claim",
                "at": moment,
                **start_work(config, offer, moment),
            }
        )
        try:
            self.assigner.assign(card, claimed, AssignmentState.available, group_id=offer.group_id)
        except CardTaken as exc:
            raise Conflict("another agent claimed this card first", _state(self.cards.get(card_id))) from exc
        return self.cards.get(card_id).public()

    @staticmethod
    def _claimable_by(me: Agent, card: Card) -> str | None:
        """Why ``me`` may not claim a card offered to every eligible agent (None: they may)."""
        offer = card.assignment
        if offer is None or offer.group_id not in me.groups:
            return "this card is offered to a group you are not in"
        unmet = me.unmet(card.values)
        if unmet:
            return f"this card does not meet your eligibility filters ({', '.join(unmet)})"
        return None

    def _me(self, caller: Caller) -> Agent:
        """The agent the caller is, by user id: the agent record linked to it, whatever the caller's
        roles. A user of the agent group whose login email is an unlinked agent's is linked to it,
        once: from then on only that user id is the agent (the email claim is for display, and an
        agent already linked to another user is not theirs). Staff (sender, approver, admin) are
        agents only when linked — their email alone never makes them one."""
        agent = self.agents.agent_by(caller.org_id, user_id=caller.user_id)
        if agent is not None:
            return agent
        if not caller.holds(Role.agent):
            raise Forbidden("you are not an agent of this organisation", {"required_role": "agent"})
        agent = self.agents.agent_by(caller.org_id, email=caller.email)
        if agent is None:
            raise Forbidden("you are not an agent of this organisation")
        if agent.user_id == caller.user_id:
            return agent  # linked by this user's concurrent request since the first look
        if agent.user_id is not None:
            raise Forbidden("this agent belongs to another user")
        try:
            return self.agents.link_user(agent, caller.user_id)
        except Conflict as exc:
            linked = self.agents.agent_by(caller.org_id, user_id=caller.user_id)
            if linked is None:  # another user was linked first
                raise Forbidden("this agent belongs to another user") from exc
            return linked  # this user's concurrent request linked it

    def _card(self, caller: Caller, card_id: str) -> Card:
        card = self.cards.get(card_id)
        if card.org_id != caller.org_id:
            raise NotFound("no such card")
        return card

    def _groups_exist(self, caller: Caller, groups: list[str]) -> None:
        for group_id in groups:
            try:
                self.agents.group(caller.org_id, group_id)
            except NotFound as exc:
                raise InvalidRequest(f"no such group {group_id!r}", {"group_id": group_id}) from exc


def _state(card: Card) -> dict[str, Any]:
    return {"assignment": card.assignment.state.value if card.assignment else None}


def _worked(card: Card) -> WorkedCard:
    """One line of an agent's card list: the card's summary and where its work stands."""
    assignment = card.assignment
    activity = assignment.activity if assignment else []
    work = WorkSummary(
        group_id=assignment.group_id if assignment else None,
        by=assignment.by if assignment else None,
        assigned_at=assignment.at if assignment else None,
        work_status=assignment.work_status if assignment else None,
        last_activity=activity[-1] if activity else None,
        activity_count=len(activity),
    )
    return WorkedCard.model_validate(
        {**dict(card.summary()), "batch_id": card.batch_id, "values": card.values, "assignment": work}
    )


def _lead(card: Card) -> LeadCard:
    expires = card.assignment.offer_expires_at if card.assignment else None
    return LeadCard.model_validate(
        {
            **dict(card.summary()),
            "batch_id": card.batch_id,
            "values": card.values,
            "offer_expires_at": expires,
        }
    )
