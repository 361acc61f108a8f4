"""Ring_all offers: the signed accept link an agent gets by SMS, and accepting it (PRODUCT §7).

An offer token names the card, the agent and the round, and expires when the round does. It is a
card-link token (:mod:`dispatch.cards.links`: one HMAC and one constant-time comparison for every
token) signed with a key derived from the link key for this purpose only, so a card link cannot
be used as an offer or the other way round.

Opening the link shows the offer; only the page's POST accepts, so a messaging app that fetches
the link for a preview does not accept it. Accepting is one conditional write on the card — still
``offered``, in the token's round, to this agent — so the first accept wins and every other gets
409; the winner's place in the rotation and the "taken" notices to the others follow through the
agent work queue (this public path holds no other rights).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dispatch.assignment.messages import Accepted, AgentQueue
from dispatch.assignment.models import AssignmentState, OfferState, OfferView, start_work
from dispatch.assignment.rotation import Assigner, CardTaken
from dispatch.assignment.store import AgentStore
from dispatch.batches.store import BatchStore
from dispatch.cards import links
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso, parse_iso, utcnow
from dispatch.errors import Conflict, Gone, NotFound
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.store import ProcessStore

_PURPOSE = b"batch-dispatch ring_all offer"
_SEPARATOR = "~"


def offer_key(link_key: bytes) -> bytes:
    return links.derived_key(link_key, _PURPOSE)


@dataclass(frozen=True, slots=True)
class OfferToken:
    card_id: str
    agent_id: str
    round: int
    expires_at: int


def sign_offer(link_key: bytes, offer: OfferToken) -> str:
    subject = _SEPARATOR.join((offer.card_id, offer.agent_id, str(offer.round)))
    return links.sign(offer_key(link_key), subject, offer.expires_at)


def read_offer(link_key: bytes, token: str, now: int) -> OfferToken:
    """The offer a token names; NotFound for anything forged or malformed, Gone once lapsed."""
    try:
        link = links.authentic(offer_key(link_key), token)
    except NotFound as exc:
        raise NotFound("no such offer") from exc
    parts = link.card_id.split(_SEPARATOR)
    if len(parts) != 3 or not (parts[0] and parts[1] and parts[2].isdigit()):
        raise NotFound("no such offer")
    card_id, agent_id, round_ = parts
    if link.expires_at <= now:
        raise Gone("this offer has lapsed")
    return OfferToken(card_id, agent_id, int(round_), link.expires_at)


@dataclass
class OfferDesk:
    cards: CardStore
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    agents: AgentStore
    assigner: Assigner
    queue: AgentQueue
    key: Callable[[], bytes]

    def view(self, token: str) -> OfferView:
        offer = read_offer(self.key(), token, int(utcnow().timestamp()))
        card = self._card(offer)
        return self._view(card, offer, _state(card, offer))

    def accept(self, token: str) -> OfferView:
        """First accept wins; Conflict when another agent has it. Accepting again is harmless and
        queues what follows an accept again (it happens once), in case the first queueing failed."""
        offer = read_offer(self.key(), token, int(utcnow().timestamp()))
        card = self._card(offer)
        self._take(card, offer)
        return self._view(card, offer, OfferState.yours)

    def accept_signed_in(self, card: Card, agent_id: str) -> None:
        """The signed-in agent accepts the card's current offer to them (the console's workspace):
        the same conditional write as the SMS link, for the round the card is in now. Conflict when
        another agent accepted first, or when this round is not offered to this agent (the ring
        moved on); accepting a card already theirs is harmless, as with the link."""
        current = card.assignment
        if (
            current is not None
            and current.state is AssignmentState.offered
            and agent_id not in current.offered_to
        ):
            raise Conflict("this card is no longer offered to you", {"card_id": card.id})
        round_ = current.offer_round if current is not None else 0
        expires = parse_iso(current.offer_expires_at) if current and current.offer_expires_at else utcnow()
        self._take(card, OfferToken(card.id, agent_id, round_, int(expires.timestamp())))

    def _take(self, card: Card, offer: OfferToken) -> None:
        state = _state(card, offer)
        if state is OfferState.taken:
            raise Conflict("another agent has accepted this card", {"card_id": card.id})
        if state is OfferState.open:
            try:
                self.agents.agent(card.org_id, offer.agent_id)
            except NotFound as exc:  # the agent was removed since the offer
                raise NotFound("no such offer") from exc
            current = card.assignment
            assert current is not None
            moment = now_iso()
            batch = self.batches.get(card.org_id, card.batch_id)
            config = batch.assigns_with(self.processes.get(card.org_id, batch.process_id).assignment)
            accepted = current.model_copy(
                update={
                    "state": AssignmentState.assigned,
                    "agent_id": offer.agent_id,
                    "by": "ring_all",
                    "at": moment,
                    **start_work(config, current, moment),
                }
            )
            try:
                self.assigner.assign(card, accepted, AssignmentState.offered, offer_round=offer.round)
            except CardTaken as exc:
                raise Conflict("another agent has accepted this card", {"card_id": card.id}) from exc
        self.queue.send([Accepted(card_id=card.id, agent_id=offer.agent_id, round=offer.round)])

    def _card(self, offer: OfferToken) -> Card:
        try:
            return self.cards.get(offer.card_id)
        except NotFound as exc:
            raise NotFound("no such offer") from exc

    def _view(self, card: Card, offer: OfferToken, state: OfferState) -> OfferView:
        organisation = self.organisations.get(card.org_id).name or "Batch Dispatch"
        batch = self.batches.get(card.org_id, card.batch_id)
        return OfferView(state, organisation, batch.name, offer.expires_at)


def _state(card: Card, offer: OfferToken) -> OfferState:
    current = card.assignment
    if current is None:
        return OfferState.taken
    if current.state is AssignmentState.assigned and current.agent_id == offer.agent_id:
        return OfferState.yours
    if (
        current.state is AssignmentState.offered
        and current.offer_round == offer.round
        and offer.agent_id in current.offered_to
    ):
        return OfferState.open
    return OfferState.taken
