"""Telling agents: a card assigned to them, a ring_all offer, an offer taken by another agent.

- Channel: offers and "taken" notices are time-critical and go by SMS to the agent's work phone
  (by email when the agent has none); an assignment notice goes by email (work email, else login
  email), which suits any number of them.
- Pacing: every message takes a slot of its channel's shared rate (the limiter the batch senders
  use, :mod:`dispatch.delivery.ratelimit`), so agent notices never push SES or SNS past the
  account's rate.
- Once only: a notice (kind, agent, round and the time of the event it tells) is recorded
  (conditional put, kept 30 days) after its rate slot is taken and before it is sent; a repeated
  queue message finds the record and sends nothing. When sending fails (throttled, paused, a
  fault), the record is removed and the message fails, so SQS delivers it again; an SMS that SNS
  refuses goes by email instead; a notice no channel accepts is logged and dropped.
- Still true: a notice whose card moved on (reassigned, offer accepted or lapsed) is dropped.
- Agents' emails carry no card tags, so their SES events never touch a card.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from dispatch.assignment.messages import Notice
from dispatch.assignment.models import Agent, AssignmentState
from dispatch.assignment.offers import OfferToken, sign_offer
from dispatch.assignment.store import AgentStore
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
from dispatch.clock import parse_iso
from dispatch.delivery.channels import EmailMessage, EmailSender, Refused, SmsSender
from dispatch.delivery.ratelimit import SlotQueue
from dispatch.errors import NotFound
from dispatch.observability import logger
from dispatch.organisations.store import OrganisationStore

KEEP_SECONDS = 30 * 24 * 3600  # how long a sent notice is remembered (longer than any redelivery)


@dataclass
class Notifier:
    agents: AgentStore
    cards: CardStore
    batches: BatchStore
    organisations: OrganisationStore
    email: EmailSender
    sms: SmsSender
    slots: dict[str, SlotQueue]
    api_base_url: str
    key: Callable[[], bytes]
    sleep: Callable[[float], None] = field(default=time.sleep)

    def deliver(self, notice: Notice, now: datetime) -> str:
        """Send one notice; returns ``sent``, ``stale`` (the card moved on), ``duplicate``,
        ``no_agent`` or ``refused`` (no channel accepts it: logged, not retried). Any other
        failure propagates with the record removed, so the message is retried."""
        try:
            card = self.cards.get(notice.card_id)
            agent = self.agents.agent(card.org_id, notice.agent_id)
        except NotFound:
            return "no_agent"
        if not _still_true(notice, card, now):
            return "stale"
        organisation = self.organisations.get(card.org_id)
        about = _About(
            organisation=organisation.name or "Batch Dispatch",
            sender=organisation.sender_email,
            batch=self.batches.get(card.org_id, card.batch_id).name,
            now=now,
        )
        outgoing = self._compose(notice, card, agent, about)
        # The slot first: a function stopped while it waits has recorded nothing.
        self.slots["sms" if outgoing.phone else "email"].take(1, self.sleep)
        key = (card.id, f"{notice.kind}#{notice.agent_id}#{notice.round}#{notice.at}")
        if not self.agents.first_notice(key, int(now.timestamp()) + KEEP_SECONDS):
            return "duplicate"
        try:
            self._send(outgoing, agent, notice, about)
        except Refused as exc:
            # The provider's error code only: its message may quote the address.
            code = str(exc).partition(":")[0]
            logger.warning("an agent notice was refused", kind=notice.kind, agent_id=agent.id, code=code)
            return "refused"
        except Exception:
            self.agents.forget_notice(key)
            raise
        return "sent"

    def _compose(self, notice: Notice, card: Card, agent: Agent, about: _About) -> _Outgoing:
        """Assignment notices by email; offers and "taken" by SMS when the agent has a work phone."""
        if notice.kind == "assigned":
            assignment = card.assignment
            status = assignment.work_status if assignment and assignment.work_status else "new"
            return _Outgoing(
                subject=f"{about.organisation}: a card from {about.batch} is assigned to you",
                text=(
                    f"Card {card.id} (row {card.row} of {about.batch}) is assigned to you, status {status}.\n"
                    f"The card: {self.api_base_url}/cards/{card.id}\n"
                    f"All your cards: {self.api_base_url}/agents/me/cards\n"
                ),
                phone=None,
            )
        expires = _offer_expiry(card)
        if notice.kind == "offer" and expires is not None:
            token = sign_offer(
                self.key(), OfferToken(card.id, agent.id, notice.round, int(expires.timestamp()))
            )
            minutes = max(1, math.ceil((expires - about.now).total_seconds() / 60))
            link = f"{self.api_base_url}/offers/{token}"
            subject = f"{about.organisation}: a card offered to you"
            text = (
                f"{about.organisation}: a new card from {about.batch} is offered to you and other agents; "
                f"the first to accept gets it. Accept within {minutes} min: {link}"
            )
        else:
            subject = f"{about.organisation}: card taken"
            text = (
                f"{about.organisation}: the card from {about.batch} you were offered has been taken by "
                "another agent."
            )
        return _Outgoing(subject=subject, text=text, phone=agent.work_phone)

    def _send(self, outgoing: _Outgoing, agent: Agent, notice: Notice, about: _About) -> None:
        """By SMS when there is a phone (its slot already taken), by email — from the
        organisation's sender — when there is none or SNS refuses the number."""
        if outgoing.phone:
            try:
                self.sms.send(outgoing.phone, outgoing.text)
                return
            except Refused:
                self.slots["email"].take(1, self.sleep)
        message = EmailMessage(subject=outgoing.subject, text=outgoing.text + "\n", html=None)
        email = self.email.sending_as(about.sender)
        email.send(str(agent.work_email or agent.email), message, None, {"notice": notice.kind})


@dataclass(frozen=True, slots=True)
class _Outgoing:
    subject: str
    text: str
    phone: str | None


@dataclass(frozen=True, slots=True)
class _About:
    """What a notice names: the organisation, the batch, and when it is written; and who sends it
    (the organisation's ``sender_email``, None for the stack's sender)."""

    organisation: str
    sender: str | None
    batch: str
    now: datetime


def _offer_expiry(card: Card) -> datetime | None:
    expires = card.assignment.offer_expires_at if card.assignment else None
    return parse_iso(expires) if expires else None


def _still_true(notice: Notice, card: Card, now: datetime) -> bool:
    assignment = card.assignment
    if notice.kind == "taken":
        return True
    if assignment is None:
        return False
    if notice.kind == "assigned":
        return assignment.state is AssignmentState.assigned and assignment.agent_id == notice.agent_id
    expires = _offer_expiry(card)
    return (
        assignment.state is AssignmentState.offered
        and assignment.offer_round == notice.round
        and notice.agent_id in assignment.offered_to
        and expires is not None
        and expires > now
    )
