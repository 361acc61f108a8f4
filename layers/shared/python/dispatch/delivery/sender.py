"""Sending one chunk of a batch's cards (PRODUCT §5, sending half).

- Each card is claimed with a conditional write (``ready`` → ``sending``) before any provider is
  called, so two senders, or a retried chunk, never send the same card twice. A crash after the
  provider accepted leaves the card ``sending``; the sweep turns it ``unconfirmed``, never resent.
- Every provider call takes a slot of its channel's shared rate (:mod:`dispatch.delivery.ratelimit`);
  calls run on a small thread pool so a slow provider does not make the sender miss its slots.
- Throttling and 5xx are retried with exponential back-off and jitter, each retry on a new slot; a
  card still failing after ``MAX_ATTEMPTS`` fails as retryable ("retry failed only" picks it up). A
  refusal fails the card with the provider's reason. A paused or suspended account stops the chunk:
  claimed cards that reached no provider go back to ``ready``.
- A batch that stops sending meanwhile (rejected) stops the chunk the same way.
- Every distribution is recorded on the card's history, a refused one with its reason. A card's
  first distribution that goes nowhere fails the card (or makes it ``suppressed``); a resend that
  goes nowhere is a refusal only: the card keeps the status it had (a delivered card stays
  delivered) and so do its batch's counters — a card's delivery status only moves forward.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from dispatch.batches.models import Batch, Chunk
from dispatch.cards.context import LinkConfig, stored_card_context
from dispatch.cards.models import Card, CardStatus, Distribution
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso
from dispatch.delivery.backoff import backoff
from dispatch.delivery.channels import (
    AccountPaused,
    EmailSender,
    PermanentFailure,
    SmsSender,
    TemporaryFailure,
)
from dispatch.delivery.ratelimit import SlotQueue
from dispatch.processes.models import Process
from dispatch.rendering import RenderError, render_email, render_sms

MAX_ATTEMPTS = 5
STATUS_CHECK_SECONDS = 2.0
SYSTEM_SENDER = "system:auto-distribution"


@dataclass
class ChunkOutcome:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    paused_reason: str | None = None
    stopped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "suppressed": self.suppressed,
            "paused_reason": self.paused_reason,
            "stopped": self.stopped,
        }


@dataclass
class _Delivery:
    """One card in flight: the channels still to go, what went out, and why others did not."""

    card: Card
    context: dict[str, Any]
    pending: deque[str]
    history: list[Distribution] = field(default_factory=list)  # delivered and refused, in order
    attempts: dict[str, int] = field(default_factory=dict)
    not_before: float = 0.0
    permanent: bool = False
    claimed: bool = False
    in_flight: bool = False
    done: bool = False


@dataclass
class ChunkSender:
    cards: CardStore
    email: EmailSender
    sms: SmsSender
    slots: dict[str, SlotQueue]
    links: LinkConfig
    suppressed: Callable[[Iterable[str]], Mapping[str, str]]  # suppressed addresses → why
    still_sending: Callable[[], bool]
    by: str = SYSTEM_SENDER  # an operator's own send: their user id (and email, for display)
    by_email: str | None = None
    claim_from: CardStatus = CardStatus.ready
    workers: int = 8
    backoff_base: float = 0.2
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    hold: Callable[[Card], bool] | None = None  # True: not now (quiet hours); the card stays as it is

    def send_chunk(self, batch: Batch, process: Process, organisation: str, chunk: Chunk) -> ChunkOutcome:
        ready = [
            c
            for c in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row)
            if c.status is CardStatus.ready
        ]
        return self.send_cards(ready, batch, process, organisation)

    def send_cards(
        self, ready: list[Card], batch: Batch, process: Process, organisation: str
    ) -> ChunkOutcome:
        """Send ``ready`` (cards in the ``claim_from`` status), each claimed first."""
        outcome = ChunkOutcome()
        blocked = self.suppressed({address for card in ready for address in _addresses(card)})
        queue: deque[_Delivery] = deque()
        for card in ready:
            why = next((blocked[address] for address in _addresses(card) if address in blocked), None)
            if why is not None:
                refusals = [self._entry(card, channel, refused=why) for channel in card.channels]
                if card.status is CardStatus.ready:
                    refused = self.cards.suppress(card, refusals)
                else:  # a resend: recorded, and the card stays what it was
                    refused = self.cards.refuse(card, refusals, claimed=False)
                outcome.suppressed += refused
                continue
            if self.hold is not None and self.hold(card):
                continue
            context = stored_card_context(
                card, process, link_config=self.links, batch_name=batch.name, organisation=organisation
            )
            queue.append(_Delivery(card, context, deque(card.channels)))
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="send") as pool:
            self._run(queue, process, pool, outcome)
        return outcome

    def _run(
        self, queue: deque[_Delivery], process: Process, pool: ThreadPoolExecutor, outcome: ChunkOutcome
    ) -> None:
        in_flight: dict[Future[str], tuple[_Delivery, str]] = {}
        claimed: list[_Delivery] = []
        next_check = self.clock() + STATUS_CHECK_SECONDS
        while queue or in_flight:
            self._collect(in_flight, queue, outcome, block=not queue)
            if outcome.paused_reason or outcome.stopped:
                break
            if not queue:
                continue
            if self.clock() >= next_check:
                next_check = self.clock() + STATUS_CHECK_SECONDS
                if not self.still_sending():
                    outcome.stopped = True
                    break
            delivery = queue.popleft()
            if delivery.not_before > self.clock():
                queue.append(delivery)
                self.sleep(min(0.05, delivery.not_before - self.clock()))
                continue
            if not delivery.claimed:
                if not self.cards.claim(delivery.card, [self.claim_from]):
                    continue  # another sender has it
                delivery.claimed = True
                claimed.append(delivery)
            channel = delivery.pending.popleft()
            wanted = 1 + sum(1 for waiting in queue if channel in waiting.pending)
            slot = self.slots[channel].take(wanted, self.sleep)
            delivery.in_flight = True
            in_flight[pool.submit(self._provider_call, channel, slot, delivery, process)] = (
                delivery,
                channel,
            )
        self._collect(in_flight, queue, outcome, block=True, until_empty=True)
        for delivery in claimed:
            if not delivery.done:  # paused or stopped before this card was through
                self._finish(delivery, outcome, interrupted=True)

    def _provider_call(self, channel: str, slot: float, delivery: _Delivery, process: Process) -> str:
        """Runs on the pool. A call that could not start within its slot's tolerance is not made."""
        if not self.slots[channel].on_time(slot):
            raise _Late
        card = delivery.card
        if channel == "email":
            if card.email is None:
                raise PermanentFailure("the card has no email address")
            message = render_email(process.templates, delivery.context)
            tags = {"batch_id": card.batch_id, "card_id": card.id}
            return self.email.send(card.email, message, str(delivery.context["unsubscribe_url"]), tags)
        if card.phone is None:
            raise PermanentFailure("the card has no phone number")
        return self.sms.send(card.phone, render_sms(process.templates, delivery.context))

    def _collect(
        self,
        in_flight: dict[Future[str], tuple[_Delivery, str]],
        queue: deque[_Delivery],
        outcome: ChunkOutcome,
        *,
        block: bool,
        until_empty: bool = False,
    ) -> None:
        while in_flight:
            done, _ = wait(list(in_flight), timeout=None if block else 0, return_when=FIRST_COMPLETED)
            for future in done:
                delivery, channel = in_flight.pop(future)
                delivery.in_flight = False
                self._record(future, delivery, channel, queue, outcome)
            if not until_empty:
                return

    def _record(
        self,
        future: Future[str],
        delivery: _Delivery,
        channel: str,
        queue: deque[_Delivery],
        outcome: ChunkOutcome,
    ) -> None:
        card = delivery.card
        try:
            message_id = future.result()
        except _Late:
            delivery.pending.appendleft(channel)
            queue.appendleft(delivery)
            return
        except TemporaryFailure as exc:
            attempt = delivery.attempts.get(channel, 0) + 1
            delivery.attempts[channel] = attempt
            if attempt < MAX_ATTEMPTS:
                delivery.pending.appendleft(channel)
                delivery.not_before = self.clock() + backoff(attempt, base=self.backoff_base)
                queue.append(delivery)
                return
            delivery.history.append(self._entry(card, channel, refused=f"{exc} (after {attempt} attempts)"))
        except AccountPaused as exc:
            outcome.paused_reason = f"{channel} provider account cannot send: {exc}"
            delivery.pending.appendleft(channel)
            return
        except (PermanentFailure, RenderError) as exc:
            delivery.history.append(self._entry(card, channel, refused=str(exc)))
            delivery.permanent = True
        else:
            delivery.history.append(self._entry(card, channel, message_id=message_id))
        if delivery.pending:
            queue.appendleft(delivery)
        else:
            self._finish(delivery, outcome)

    def _finish(self, delivery: _Delivery, outcome: ChunkOutcome, *, interrupted: bool = False) -> None:
        card, history = delivery.card, delivery.history
        if any(entry.refused is None for entry in history):
            self.cards.mark_sent(card, history)
            outcome.sent += 1
        elif interrupted and not history:
            self.cards.release(card)  # nothing reached a provider: the card is as it was
        elif card.status is CardStatus.ready:
            reason = "; ".join(f"{entry.channel}: {entry.refused}" for entry in history)
            self.cards.mark_failed(card, reason, retryable=not delivery.permanent, history=history)
            outcome.failed += 1
        else:  # a resend refused: history only
            self.cards.refuse(card, history, claimed=True)
            outcome.failed += 1
        delivery.done = True

    def _entry(
        self, card: Card, channel: str, *, message_id: str | None = None, refused: str | None = None
    ) -> Distribution:
        return Distribution(
            at=now_iso(),
            by=self.by,
            by_email=self.by_email,
            channel=channel,
            address=_address(card, channel) or "",
            message_id=message_id,
            refused=refused,
        )


class _Late(Exception):
    """The pool started a call after its slot's tolerance: it takes another slot instead."""


def _addresses(card: Card) -> list[str]:
    return [address for address in (card.email, card.phone) if address]


def _address(card: Card, channel: str) -> str | None:
    return card.email if channel == "email" else card.phone
