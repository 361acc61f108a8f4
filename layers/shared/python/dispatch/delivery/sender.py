"""Sending one chunk of a batch's cards (PRODUCT §5, sending half).

- Each card is claimed with a conditional write (``ready`` → ``sending``) as its rate slot comes,
  just before its provider call (the write done in the slot queue's lead, so that a slow write
  does not make the call miss its slot), so two senders, or a retried chunk, never send the same
  card twice, and a sender that dies while waiting for slots leaves its cards ``ready`` for the
  retried chunk. A crash after the provider accepted leaves the card ``sending``: its delivery
  event moves it on (:mod:`dispatch.delivery.feedback`); without one, the sweep turns it
  ``unconfirmed``, never resent automatically.
- Every provider call takes a slot of its channel's shared rate (:mod:`dispatch.delivery.ratelimit`);
  calls run on a small thread pool so a slow provider does not make the sender miss its slots.
- Throttling and 5xx are retried with exponential back-off and jitter, each retry on a new slot
  and a new claim (the card is ``ready`` while it waits, unless one of its messages went out); a
  card still failing after ``MAX_ATTEMPTS`` goes back to ``ready`` for the chunk's next attempt in
  batch sending (``defer_temporary``: the chunk then fails, and Step Functions retries it for
  minutes), or fails as retryable in a person's send. A refusal fails the card with the
  provider's reason.
- A fault of the sender itself (a DynamoDB error beyond the SDK's retries) records what the
  provider took and frees the claims nothing was sent for before it goes up; only a death of the
  process (a timeout, out of memory) leaves in-flight cards ``sending``.
- A paused or suspended account stops the chunk: claimed cards that reached no provider go back to
  ``ready``.
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
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from dispatch.assignment.models import Assignment
from dispatch.batches.models import Batch, Chunk
from dispatch.cards.context import LinkConfig, stored_card_context
from dispatch.cards.models import SYSTEM_SENDER, Card, CardStatus, Distribution
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso
from dispatch.delivery.backoff import backoff
from dispatch.delivery.channels import (
    AccountPaused,
    EmailSender,
    Refused,
    SmsSender,
    TemporaryFailure,
)
from dispatch.delivery.ratelimit import Slot, SlotQueue
from dispatch.processes.models import Process
from dispatch.rendering import RenderError, render_email, render_sms

MAX_ATTEMPTS = 5
STATUS_CHECK_SECONDS = 2.0


@dataclass
class ChunkOutcome:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    deferred: int = 0  # back to ready: the provider kept throttling (or failing) them for now
    paused_reason: str | None = None
    stopped: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "suppressed": self.suppressed,
            "deferred": self.deferred,
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
    deferred: bool = False
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
    # A card the provider kept throttling through MAX_ATTEMPTS: batch sending puts it back to
    # ``ready`` for the chunk's next attempt (Step Functions retries it, backing off for minutes);
    # a person's send fails it as retryable, and they decide when to try again.
    defer_temporary: bool = False
    workers: int = 8
    backoff_base: float = 0.2
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    hold: Callable[[Card], bool] | None = None  # True: not now (quiet hours); the card stays as it is
    prospect: Callable[[], Assignment] | None = None  # a batch that assigns nobody: with each send

    def send_chunk(self, batch: Batch, process: Process, organisation: str, chunk: Chunk) -> ChunkOutcome:
        ready = [  # a card whose only channel is its letter waits for its printed bundle
            c
            for c in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row)
            if c.status is CardStatus.ready and c.channels
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
                card,
                process,
                link_config=self.links,
                batch_name=batch.name,
                organisation=organisation,
                due_date=batch.due_date,
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
        try:
            self._loop(queue, process, pool, outcome, in_flight=in_flight, claimed=claimed)
        except Exception:
            # A fault of this sender (a DynamoDB error beyond the retries, say): before it goes up,
            # record what the provider already took and free the claims nothing was sent for, so
            # the retried chunk finds them ready and no accepted card is left ``sending``.
            with suppress(Exception):
                self._collect(in_flight, deque(), outcome, block=True, until_empty=True)
            for delivery in claimed:
                if delivery.claimed and not delivery.done:
                    with suppress(Exception):
                        self._finish(delivery, outcome, interrupted=True)
            raise
        for delivery in claimed:
            if delivery.claimed and not delivery.done:  # paused or stopped before it was through
                self._finish(delivery, outcome, interrupted=True)

    def _loop(
        self,
        queue: deque[_Delivery],
        process: Process,
        pool: ThreadPoolExecutor,
        outcome: ChunkOutcome,
        *,
        in_flight: dict[Future[str], tuple[_Delivery, str]],
        claimed: list[_Delivery],
    ) -> None:
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
            channel = delivery.pending[0]
            wanted = 1 + sum(1 for waiting in queue if channel in waiting.pending)
            slots = self.slots[channel]
            slot = slots.take(wanted, self.sleep)
            # Claimed only when its slot is about to come (the slot queue's lead before it, the
            # time the claim's write takes; none while writes are fast), just before the call: a
            # sender that dies while it waits (a timeout strikes most likely then) leaves the card
            # ready, not claimed.
            if not delivery.claimed:
                if not self.cards.claim(delivery.card, [self.claim_from], self.by, self.by_email):
                    continue  # another sender has it (the slot goes unused)
                delivery.claimed = True
                if delivery not in claimed:
                    claimed.append(delivery)
            slots.wait(slot, self.sleep)
            delivery.pending.popleft()
            delivery.in_flight = True
            in_flight[pool.submit(self._provider_call, channel, slot, delivery, process)] = (
                delivery,
                channel,
            )
        self._collect(in_flight, queue, outcome, block=True, until_empty=True)

    def _provider_call(self, channel: str, slot: Slot, delivery: _Delivery, process: Process) -> str:
        """Runs on the pool. A call that could not start within its slot's tolerance is not made."""
        if not self.slots[channel].start(slot):
            raise _Late
        card = delivery.card
        if channel == "email":
            if card.email is None:
                raise Refused("the card has no email address")
            message = render_email(process.templates, delivery.context)
            tags = {"batch_id": card.batch_id, "card_id": card.id}
            return self.email.send(card.email, message, str(delivery.context["unsubscribe_url"]), tags)
        if card.phone is None:
            raise Refused("the card has no phone number")
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
            self._unclaim(delivery)
            queue.appendleft(delivery)
            return
        except TemporaryFailure as exc:
            attempt = delivery.attempts.get(channel, 0) + 1
            delivery.attempts[channel] = attempt
            if attempt < MAX_ATTEMPTS:
                delivery.pending.appendleft(channel)
                delivery.not_before = self.clock() + backoff(attempt, base=self.backoff_base)
                self._unclaim(delivery)
                queue.append(delivery)
                return
            delivery.history.append(self._entry(card, channel, refused=f"{exc} (after {attempt} attempts)"))
            delivery.deferred = self.defer_temporary
        except AccountPaused as exc:
            outcome.paused_reason = f"{channel} provider account cannot send: {exc}"
            delivery.pending.appendleft(channel)
            return
        except (Refused, RenderError) as exc:
            delivery.history.append(self._entry(card, channel, refused=str(exc)))
            delivery.permanent = True
        else:
            delivery.history.append(self._entry(card, channel, message_id=message_id))
        if delivery.pending:
            queue.appendleft(delivery)
        else:
            self._finish(delivery, outcome)

    def _unclaim(self, delivery: _Delivery) -> None:
        """A card waiting for another try holds no claim unless a provider took one of its
        messages: a sender that dies meanwhile leaves it as it was (``ready``), for the retried
        chunk, rather than ``sending`` — which only an approver's resend could settle."""
        if delivery.claimed and not any(entry.refused is None for entry in delivery.history):
            self.cards.release(delivery.card)
            delivery.claimed = False

    def _finish(self, delivery: _Delivery, outcome: ChunkOutcome, *, interrupted: bool = False) -> None:
        card, history = delivery.card, delivery.history
        if any(entry.refused is None for entry in history):
            self.cards.mark_sent(card, history, self.prospect() if self.prospect is not None else None)
            outcome.sent += 1
        elif interrupted and not history:
            self.cards.release(card)  # nothing reached a provider: the card is as it was
        elif delivery.deferred:
            self.cards.release(card)  # for the chunk's next attempt
            outcome.deferred += 1
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
