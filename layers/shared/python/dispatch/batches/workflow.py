"""The steps the batch state machine calls (statemachines/batch_lifecycle.asl.json).

Each step re-reads the batch and moves it with a conditional write, so a step Step Functions
retries is harmless, and a batch changed by a person meanwhile (rejected, say) is never overrun.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.models import AssignmentType
from dispatch.batches.approval import approval_required, standing_approval_applies
from dispatch.batches.content import CHANGED, content_digest
from dispatch.batches.execution import Executions
from dispatch.batches.failure import describe
from dispatch.batches.lifecycle import TRANSITIONS
from dispatch.batches.models import Approval, Batch, BatchStatus, Chunk, FailureStage
from dispatch.batches.store import BatchStore
from dispatch.cards.context import LinkConfig
from dispatch.cards.generation import generate_chunk
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, now_iso, utcnow
from dispatch.config import Settings
from dispatch.contacts.models import SHARDS
from dispatch.deliverability.protection import AccountProtection, SendingPaused
from dispatch.deliverability.quiet_hours import QuietHoursDesk
from dispatch.delivery.channels import TemporaryFailure
from dispatch.delivery.sender import ChunkSender
from dispatch.errors import Conflict, PermanentFailure
from dispatch.ingest.staging import read_chunk
from dispatch.observability import logger
from dispatch.organisations.models import OrganisationSettings
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.models import Process
from dispatch.processes.store import ProcessStore

UNSENT = frozenset({CardStatus.ready, CardStatus.error})
ASSIGNABLE = frozenset({CardStatus.sent, CardStatus.delivered, CardStatus.unconfirmed})
# Statuses in which an approval is still to be acted on automatically: a change to what would be
# sent returns them to approval at once. Later ones (sent, partially_sent) are caught when a person
# sends again (``check_content``).
LIVE_APPROVAL = frozenset({BatchStatus.approved, BatchStatus.sending})
# Statuses of a batch that went elsewhere before its sending started: nothing to send, no fault.
MOVED_ON = frozenset(
    {
        BatchStatus.pending_approval,
        BatchStatus.rejected,
        BatchStatus.expired,
        BatchStatus.sent,
        BatchStatus.partially_sent,
        BatchStatus.complete,
        BatchStatus.archived,
    }
)
# Cards a sender claimed and never recorded: handed to a provider, or perhaps not (FinishSending).
UNRESOLVED = frozenset({CardStatus.sending, CardStatus.unconfirmed})


@dataclass
class Workflow:
    settings: Settings
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    cards: CardStore
    links: Callable[[], LinkConfig]
    lifecycle: Executions
    sending: Executions
    cleanup: Executions
    assignments: AssignmentEngine
    protection: AccountProtection | None = None  # account protection's pause (None: not checked)
    quiet_hours: QuietHoursDesk | None = None  # recipients' quiet hours (None: not applied)

    def generate(self, org_id: str, batch_id: str, chunk: Chunk) -> dict[str, int]:
        batch = self.batches.get(org_id, batch_id)
        if batch.status is not BatchStatus.generating:
            raise PermanentFailure(
                f"the batch is {batch.status.value}; cards are generated only while generating"
            )
        generated = self.batches.chunk_counts(batch_id, chunk.index)
        if generated is not None:  # written and counted before (a retried task, a resumed batch)
            return {"cards": sum(generated.values()), "errors": generated.get(CardStatus.error.value, 0)}
        process = self.processes.get(org_id, batch.process_id).with_template_set(batch.template)
        organisation = self.organisations.get(org_id)
        rows = list(read_chunk(self.settings.bucket, batch_id, chunk.index))
        return generate_chunk(
            rows,
            batch=batch,
            chunk=chunk,
            process=process,
            organisation=organisation.name or org_id,
            link_config=self.links(),
            cards=self.cards,
            batches=self.batches,
        )

    def after_generation(self, org_id: str, batch_id: str, *, release: bool = False) -> dict[str, Any]:
        """Does this batch wait for a person? If not, it is approved now. A scheduled run's batch
        carries its author's standing approval, which four-eyes does not accept (see
        :mod:`dispatch.batches.approval`).

        A communication made over the API stops at ``generated`` (``hold``) until a person sends it;
        its send runs the lifecycle from here again, from ``generated``, with ``release``. Without
        it, a retried step that finds the batch ``generated`` by its own first attempt holds again
        rather than taking the batch on to approval and sending."""
        batch = self.batches.get(org_id, batch_id)
        held = batch.communication is not None and batch.communication.hold and not release
        if held and batch.status in (BatchStatus.generating, BatchStatus.generated):
            if batch.status is BatchStatus.generating:
                self.batches.transition(
                    org_id, batch_id, BatchStatus.generated, sources=[BatchStatus.generating]
                )
            return {"approval_required": False, "hold": True}
        process = self.processes.get(org_id, batch.process_id)
        organisation = self.organisations.get(org_id)
        required = approval_required(process, organisation)
        decision = Approval(decided_by="policy:no-approval-required", decided_at=now_iso())
        if required and standing_approval_applies(batch, process, organisation):
            required = False
            decision = Approval(
                decided_by=batch.standing_approval,
                decided_by_email=batch.standing_approval_email,
                decided_at=now_iso(),
                reason=f"standing approval of schedule {batch.schedule_id}",
            )
        if not required and batch.status in (BatchStatus.generating, BatchStatus.generated):
            decision.content = content_digest(batch, process, organisation)
            self.batches.transition(
                org_id,
                batch_id,
                BatchStatus.approved,
                sources=[BatchStatus.generating, BatchStatus.generated],
                set_values={"approval": decision.model_dump()},
            )
        # A retried step finds the batch approved by its own first attempt: nothing more to do.
        return {"approval_required": required, "hold": False}

    def request_approval(self, org_id: str, batch_id: str, task_token: str) -> None:
        """Status and task token in one write: an approver can never see a batch it cannot resume.

        Retried (its first attempt stopped after this write), the step may find the batch decided
        already — the approver answered the first attempt's token, which no execution waited on
        any more, so the approval started sending itself. Nothing is left to wait for: the wait
        runs out at the approval timeout and its expiry step finds the batch decided."""
        try:
            self.batches.transition(
                org_id,
                batch_id,
                BatchStatus.pending_approval,
                sources=[BatchStatus.generating, BatchStatus.generated, BatchStatus.pending_approval],
                set_values={
                    "task_token": task_token,
                    "approval": Approval(requested_at=now_iso()).model_dump(),
                },
            )
        except Conflict:
            status = self.batches.get(org_id, batch_id).status
            if status not in LIVE_APPROVAL | MOVED_ON:
                raise PermanentFailure(f"the batch is {status.value}; no approval can be asked for") from None
            logger.info("decided before its approval was asked again", batch_id=batch_id, status=status.value)

    def approval_expired(self, org_id: str, batch_id: str) -> None:
        """The approval wait timed out. Expiry moves the batch only if it is still pending, so an
        approval decided at the same moment wins cleanly: its conditional move came first, but its
        answer to the execution failed (the wait had timed out), so nothing else would start
        sending — this step does. A rejection decided at that moment closed its cards itself."""
        try:
            expired = self.batches.transition(
                org_id,
                batch_id,
                BatchStatus.expired,
                sources=[BatchStatus.pending_approval],
                set_values={"status_reason": "approval timed out", "task_token": None},
            )
        except Conflict:
            current = self.batches.get(org_id, batch_id)
            if current.status is BatchStatus.approved:
                logger.info("approved as the approval timed out; sending starts", batch_id=batch_id)
                self.start_sending(org_id, batch_id)
            elif current.status is BatchStatus.expired:  # a retried step: its cards may not be closed
                self.close_all(current, CardStatus.removed)
            return
        self.close_all(expired, CardStatus.removed)

    def start_sending(self, org_id: str, batch_id: str) -> dict[str, Any]:
        """After approval: with auto distribution on, send every ready card; off, they wait.

        Both the state machine and an approval that found the execution no longer waiting may
        call this for one approval: the second finds the batch already sending and starts nothing.
        A batch that moved on meanwhile — rejected, or back to approval because what it would send
        changed — is not a fault: nothing is sent.
        """
        batch = self.batches.get(org_id, batch_id)
        if not batch.auto_distribute:
            logger.info("auto distribution off; cards stay ready", batch_id=batch_id)
            return {"send": False}
        try:
            self.begin_sending(batch, sources=[BatchStatus.approved])
        except SendingPaused as paused:  # the batch stays approved: send-remaining after a resume
            self.batches.note(org_id, batch_id, BatchStatus.approved, f"not sent yet: {paused.message}")
            return {"send": False}
        except Conflict:
            current = self.batches.get(org_id, batch_id)
            if current.status is BatchStatus.sending:
                # Started already — by an approval that found no execution waiting, or by this
                # step's first attempt, which may have stopped between the status and the start.
                self._start_run(current)
                return {"send": True}
            if current.status not in MOVED_ON:
                raise PermanentFailure(f"the batch is {current.status.value}; sending cannot start") from None
            logger.info(
                "the batch moved on before sending started", batch_id=batch_id, status=current.status.value
            )
            return {"send": False}
        return {"send": True}

    def begin_sending(self, batch: Batch, *, sources: list[BatchStatus], reset_failed: bool = False) -> Batch:
        """Move the batch to ``sending`` and start a sending execution over all its chunks.

        Only what was approved is sent: a batch whose content changed since goes back to approval
        instead (Conflict). Each run is numbered on the batch, so the execution name is unique per
        run and a repeated start of the same run is a no-op.
        """
        if self.protection is not None:
            self.protection.check(batch.org_id)  # 409 while account protection pauses sending
        process = self.processes.get(batch.org_id, batch.process_id)
        organisation = self.organisations.get(batch.org_id)
        self.check_content(batch, process, organisation)
        sending = self.batches.transition(
            batch.org_id,
            batch.id,
            BatchStatus.sending,
            sources=sources,
            set_values={"status_reason": None, "failure": None},
            increments={"send_runs": 1},
        )
        self._start_run(sending, reset_failed=reset_failed)
        return sending

    def _start_run(self, batch: Batch, *, reset_failed: bool = False) -> None:
        """The sending execution of the batch's latest run (a no-op when it exists)."""
        self.sending.start(
            f"{batch.id}-send-{batch.send_runs}",
            {
                "batch_id": batch.id,
                "org_id": batch.org_id,
                "chunks": [chunk.model_dump() for chunk in batch.chunks],
                "send_concurrency": self.settings.send_concurrency,
                "reset_failed": reset_failed,
            },
        )

    def send(
        self,
        org_id: str,
        batch_id: str,
        chunk: Chunk,
        sender_for: Callable[[Batch], ChunkSender],
        *,
        reset_failed: bool = False,
    ) -> dict[str, Any]:
        """Deliver one chunk. A batch rejected meanwhile gets its unsent cards rejected instead; a
        paused provider account stops sending with the batch ``partially_sent`` and the reason.
        Cards the provider kept throttling are back to ``ready`` and the chunk fails with
        TemporaryFailure once it is counted: the state machine retries it, for minutes."""
        batch = self.batches.get(org_id, batch_id)
        if batch.status is BatchStatus.rejected:
            self.close_unsent(batch, chunk, CardStatus.rejected)
            return {"sent": 0, "failed": 0, "stopped": True}
        if batch.status is not BatchStatus.sending:
            logger.info("batch not sending; chunk skipped", batch_id=batch_id, status=batch.status.value)
            return {"sent": 0, "failed": 0, "skipped": True}
        paused = self.protection.paused_reason(org_id) if self.protection is not None else None
        if paused is not None:  # a pause this batch's sending started too late to see
            with suppress(Conflict):
                self.batches.transition(
                    org_id,
                    batch_id,
                    BatchStatus.partially_sent,
                    sources=[BatchStatus.sending],
                    set_values={"status_reason": f"paused: {paused}"},
                )
            return {"sent": 0, "failed": 0, "skipped": True}
        process = self.processes.get(org_id, batch.process_id).with_template_set(batch.template)
        organisation = self.organisations.get(org_id)
        try:
            self.check_content(batch, process, organisation)
        except Conflict:
            return {"sent": 0, "failed": 0, "skipped": True}
        if reset_failed:  # "retry failed only": cards that failed with a temporary error go again
            for card in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row):
                if card.status is CardStatus.failed and card.retryable:
                    self.cards.set_status(card, CardStatus.failed, CardStatus.ready)
        # Marked in flight before any claim (the sweep's way to the chunk), closed at its end.
        opener = self.batches.open_chunk(batch.id, chunk.index, now_iso())
        sender = sender_for(batch)
        if batch.assigns_with(process.assignment).type is AssignmentType.none:
            sender.prospect = self.assignments.prospects_sent(
                org_id, batch.id, chunk.first_row, chunk.last_row
            )
        hold = self.quiet_hours.hold(organisation) if self.quiet_hours is not None else None
        sender.hold = hold
        outcome = sender.send_chunk(batch, process, organisation.name or org_id, chunk)
        if hold is not None:
            hold.record(batch, chunk)
        if outcome.paused_reason:
            with suppress(Conflict):
                self.batches.transition(
                    org_id,
                    batch_id,
                    BatchStatus.partially_sent,
                    sources=[BatchStatus.sending],
                    set_values={"status_reason": f"paused: {outcome.paused_reason}"},
                )
        if outcome.stopped and self.batches.get(org_id, batch_id).status is BatchStatus.rejected:
            self.close_unsent(batch, chunk, CardStatus.rejected)
        self.settle(batch, chunk, closing=opener)
        assigned = self._assign(batch, process, organisation, chunk)
        if outcome.deferred:  # Step Functions retries the chunk, backing off: the rest go then
            raise TemporaryFailure(f"the provider kept throttling or failing {outcome.deferred} card(s)")
        return {**outcome.as_dict(), "assignment": assigned}

    def _assign(
        self, batch: Batch, process: Process, organisation: OrganisationSettings, chunk: Chunk
    ) -> dict[str, int]:
        """The chunk's delivered cards go to agents (PRODUCT §7)."""
        cards = self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row)
        return self.assign_delivered(batch, process, organisation, cards)

    def assign_delivered(
        self, batch: Batch, process: Process, organisation: OrganisationSettings, cards: Iterable[Card]
    ) -> dict[str, int]:
        """Every path that delivers cards — a chunk of the batch, one card distributed by hand —
        hands the delivered ones to the batch's assignment setting. Only cards never assigned are
        taken, each with a conditional write, so a card is assigned exactly once however many
        deliveries it has."""
        delivered = [card for card in cards if card.status in ASSIGNABLE and card.assignment is None]
        if not delivered:
            return {}
        config = batch.assigns_with(process.assignment)
        return dict(self.assignments.assign(delivered, config, organisation.business_hours, utcnow()))

    def close_unsent(self, batch: Batch, chunk: Chunk, target: CardStatus) -> int:
        """Cards of the chunk never sent (``ready`` or ``error``) become ``target``; sent ones stay."""
        closed = 0
        for card in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row):
            if card.status in UNSENT and self.cards.set_status(card, card.status, target, card.error):
                closed += 1
        self.settle(batch, chunk)
        return closed

    def chunk_progress(self, batch_id: str, chunk: Chunk, ready_before: int) -> dict[str, Any]:
        """After a chunk's send task ran out of retries: did that round move any card on? Step
        Functions counts attempts, not progress, so a chunk that meets a fault on every attempt but
        gets further each time (a busy table, a sender that keeps being killed) would otherwise
        fail its batch with most of it sent. While each round leaves fewer cards ``ready`` the
        state machine gives the chunk another; a round that moved nothing gives up. Each round
        must lower the count, so the rounds are bounded by the chunk's rows."""
        counts = self.cards.status_counts(batch_id, chunk.first_row, chunk.last_row)
        ready = counts.get(CardStatus.ready.value, 0)
        return {"ready": ready, "advanced": ready < ready_before}

    def settle(self, batch: Batch, chunk: Chunk, *, closing: str | None = None) -> None:
        """Count the chunk's cards into the batch's counters (``closing``: the opener token of a
        sender through with the chunk, see ``BatchStore.settle_chunk``)."""
        self.batches.settle_chunk(
            batch.org_id,
            batch.id,
            chunk.index,
            lambda: self.cards.status_counts(batch.id, chunk.first_row, chunk.last_row),
            closing=closing,
        )

    def sweep(self, now: datetime, stale_after: timedelta) -> int:
        """Cards claimed longer ago than any send attempt can take, and still ``sending``, belong to
        a sender that died after (perhaps) handing them to a provider: they become ``unconfirmed``,
        which is never resent automatically — except a resend of a card already accepted, which
        keeps that status (``CardStore.mark_unconfirmed``). Returns how many.

        Such cards are found through their chunks: a sender marks a chunk in flight before it
        claims any card of it (``BatchStore.open_chunk``), and the mark stays until a settlement
        finds no card of the chunk ``sending``. Each chunk marked since before the cutoff is read
        whole, its stale claims turned, and it is counted — which also clears the mark once no
        card is ``sending`` and no sender can still be at work on it."""
        cutoff = isoformat(now - stale_after)
        swept = 0
        batches: dict[str, Batch] = {}
        for days_back in (2, 1, 0):
            day = (now - stale_after - timedelta(days=days_back)).date().isoformat()
            for batch_id, index in list(self.batches.in_flight_chunks(day, cutoff)):
                if batch_id not in batches:
                    batches[batch_id] = self.batches.find(batch_id)
                batch = batches[batch_id]
                chunk = next((chunk for chunk in batch.chunks if chunk.index == index), None)
                if chunk is None:
                    continue
                turned = sum(
                    self.cards.mark_unconfirmed(batch.id, row, claimed_at)
                    for row, claimed_at in self.cards.claims(batch.id, chunk.first_row, chunk.last_row)
                    if claimed_at < cutoff
                )
                self.batches.settle_chunk(
                    batch.org_id,
                    batch.id,
                    chunk.index,
                    partial(self.cards.status_counts, batch.id, chunk.first_row, chunk.last_row),
                    swept_before=cutoff,
                )
                if turned:
                    logger.warning("stale claims marked unconfirmed", batch_id=batch_id, cards=turned)
                swept += turned
        return swept

    def finish_sending(self, org_id: str, batch_id: str, run: str | None = None) -> Batch:
        """``sent`` when every card was handed to a provider, else ``partially_sent``; a batch
        already moved on (paused, rejected, back to approval) keeps its status, and so does a batch
        a newer sending run owns (``run``: the finishing execution's name).

        Every chunk task has finished, so a card still ``sending`` (or ``unconfirmed``) was claimed
        by a sender that stopped around its provider call — after it, mostly: claims are taken
        just before the call. Nothing will send it again, and its delivery event (email) or the
        sweep resolves it; it counts as handed over, and the reason says how many there are.
        ``partially_sent`` means some cards were not sent for a known reason (failed, suppressed,
        no usable channel) and what to do is in their errors."""
        batch = self.batches.get(org_id, batch_id)
        if batch.status is not BatchStatus.sending or not _latest(batch, run):
            return batch
        by_status = batch.counters.by_status
        unresolved = sum(by_status.get(status.value, 0) for status in UNRESOLVED)
        target = (
            BatchStatus.sent
            if batch.counters.sent + unresolved == batch.counters.cards
            else BatchStatus.partially_sent
        )
        reason = None
        if unresolved:
            reason = (
                f"{unresolved} card(s) unconfirmed: their sender stopped around the provider call; "
                "an approver may resend them"
            )
        return self.batches.transition(
            org_id, batch_id, target, sources=[BatchStatus.sending], set_values={"status_reason": reason}
        )

    def fail(self, org_id: str, batch_id: str, error: dict[str, Any] | None, run: str | None = None) -> None:
        """A system fault: the batch is marked failed with its cause in words and the stage it
        stopped in (where a resume continues), never with the error's data. A sending run that a
        newer one replaced (``run``: its execution's name) fails alone, not the batch. Chunks a
        stopped sender left open (``BatchStore.open_chunk``) are counted first, so the failed
        batch's counters equal its cards."""
        batch = self.batches.get(org_id, batch_id)
        if BatchStatus.failed not in TRANSITIONS[batch.status] or not _latest(batch, run):
            return  # already finished, rejected or failed, or no longer this run's: nothing to mark
        if batch.status is BatchStatus.sending:
            for chunk in batch.chunks:
                marker = self.batches.chunk_marker(batch.id, chunk.index)
                if marker is not None and marker.sending_since is not None:
                    self.settle(batch, chunk)
        failure = describe(batch.status, error)
        with suppress(Conflict):  # moved on meanwhile (approved, rejected…): not this fault's batch any more
            self.batches.transition(
                org_id,
                batch_id,
                BatchStatus.failed,
                sources=[batch.status],
                set_values={
                    "status_reason": failure.cause,
                    "failure": failure.model_dump(),
                    "task_token": None,
                },
            )

    def resume(self, batch: Batch) -> Batch:
        """Continue a failed batch from where it stopped; a sent card is never sent again.

        - generation or approval: the lifecycle runs again (a new execution, named after the
          resume) — chunks already generated are skipped, the rest are generated (card ids are
          the rows, so nothing is written twice), then approval is asked for as usual;
        - sending: a new sending run; it sends only cards still ``ready`` (each claimed first),
          and only if what was approved is still what would be sent.
        The move out of ``failed`` is conditional, so of two resumes one wins and one is a 409.
        """
        failure = batch.failure
        if batch.status is not BatchStatus.failed:
            raise Conflict("only a failed batch can be resumed", {"status": batch.status.value})
        if failure is None or not failure.resumable:
            raise Conflict(
                "this batch stopped before its cards could be made; upload the file again",
                {"status": batch.status.value, "reason": batch.status_reason},
            )
        cleared = {"status_reason": None, "failure": None}
        if failure.stage is FailureStage.sending:
            if batch.auto_distribute or batch.send_runs:
                return self.begin_sending(batch, sources=[BatchStatus.failed])
            return self.batches.transition(
                batch.org_id, batch.id, BatchStatus.approved, sources=[BatchStatus.failed], set_values=cleared
            )
        resumed = self.batches.transition(
            batch.org_id,
            batch.id,
            BatchStatus.generating,
            sources=[BatchStatus.failed],
            set_values=cleared,
            increments={"resumes": 1},
        )
        self.start_generation(resumed, name=f"{batch.id}-resume-{resumed.resumes}")
        return resumed

    def start_generation(self, batch: Batch, *, name: str | None = None) -> None:
        """The lifecycle of a ``generating`` batch: over its staged chunks — or, for a communication
        whose working list is not staged yet, from staging it (its contacts' shards in parallel)."""
        if batch.communication is not None and not batch.chunks:
            self.lifecycle.start(
                name or batch.id,
                {
                    "stage": "working_list",
                    "batch_id": batch.id,
                    "org_id": batch.org_id,
                    "segments": list(range(SHARDS)),
                    "approval_timeout_seconds": self.settings.approval_timeout_seconds,
                },
            )
            return
        self.lifecycle.start_lifecycle(batch, self.settings.approval_timeout_seconds, name=name)

    def check_content(self, batch: Batch, process: Process, organisation: OrganisationSettings) -> None:
        """Conflict, with the batch back in ``pending_approval``, when what it would send now is not
        what was approved. Anyone about to send calls this with the inputs it will render with."""
        if batch.approval.content == content_digest(batch, process, organisation):
            return
        returned = self._back_to_approval(batch)
        status = BatchStatus.pending_approval if returned else self.batches.get(batch.org_id, batch.id).status
        raise Conflict(f"{CHANGED}; the batch needs a new approval before it sends", {"status": status.value})

    def content_changed(
        self, org_id: str, *, batch_id: str | None = None, process_id: str | None = None
    ) -> list[str]:
        """After a change to a batch, a process or the organisation (nothing named): its approved
        and sending batches whose content no longer matches their approval go back to
        ``pending_approval``; returns their ids. A running sender stops at its next status check;
        what it sent until then was rendered from inputs it had checked against the approval."""
        if batch_id is not None:
            candidates: Iterable[Batch] = [self.batches.get(org_id, batch_id)]
        else:
            candidates = self.batches.each(org_id, LIVE_APPROVAL, process_id=process_id)
        organisation = self.organisations.get(org_id)
        processes: dict[str, Process] = {}
        returned = []
        for batch in candidates:
            if batch.status not in LIVE_APPROVAL:
                continue
            if batch.process_id not in processes:
                processes[batch.process_id] = self.processes.get(org_id, batch.process_id)
            try:
                content: str | None = content_digest(batch, processes[batch.process_id], organisation)
            except Conflict:  # its template set was removed: nothing it was approved to send is left
                content = None
            if batch.approval.content != content and self._back_to_approval(batch):
                returned.append(batch.id)
        return returned

    def _back_to_approval(self, batch: Batch) -> bool:
        """``pending_approval`` again, if the batch is still in the status it was read in."""
        try:
            self.batches.transition(
                batch.org_id,
                batch.id,
                BatchStatus.pending_approval,
                sources=[batch.status],
                set_values={
                    "status_reason": CHANGED,
                    "approval": Approval(requested_at=now_iso()).model_dump(),
                },
            )
        except Conflict:
            return False
        logger.info("content changed after approval; back to approval", batch_id=batch.id)
        return True

    def close_all(self, batch: Batch, target: CardStatus) -> None:
        """Every unsent card of the batch becomes ``target``, chunk by chunk in the cleanup state
        machine (a large batch does not fit one invocation). One run per batch and target."""
        if not batch.chunks:
            return
        self.cleanup.start(
            f"{batch.id}-{target.value}",
            {
                "batch_id": batch.id,
                "org_id": batch.org_id,
                "target": target.value,
                "chunks": [chunk.model_dump() for chunk in batch.chunks],
            },
        )


def _latest(batch: Batch, run: str | None) -> bool:
    """Does the sending execution ``run`` (None: not a sending run) still speak for the batch? Only
    while the batch is sending and the run is its latest: a change sends a batch back to approval,
    and a new approval or a resume starts a newer run, while the old run's last tasks may still
    finish."""
    return run is None or (
        batch.status is BatchStatus.sending and run == f"{batch.id}-send-{batch.send_runs}"
    )
