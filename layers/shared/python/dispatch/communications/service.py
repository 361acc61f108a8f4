"""Batch communications (PRODUCT §8, seed 004): a filter over the organisation's contacts becomes a
batch of kind ``communication`` that the batch engine then generates, approves, sends, tracks,
exports, completes, archives and clones exactly as it does an uploaded file's.

- ``create``: the batch, ``open``, with the filter's current count (``matched``);
- ``generate``: ``open`` → ``generating``; the lifecycle stages the working list (its contacts'
  shards in parallel) and generates the cards as for any file, then stops at ``generated``;
- ``send``: from ``generated``, the lifecycle runs on from its approval step — ``pending_approval``
  where the process or organisation requires it (four-eyes, reset on change, timeout), else
  approved and sent at once;
- ``edit``: the filter and channels while ``open``; the name, template set and due date until the
  batch is closed — a change after approval sends it back to approval (they are in the digest of
  what was approved, :mod:`dispatch.batches.content`);
- ``message``: a one-off card to one contact ("Create Log"), a batch of one that goes straight on;
- ``scheduled``: a distribution schedule's run with a contact filter as its source (PRODUCT §6):
  the filter's matches at that run, a communication that goes straight on (no hold at
  ``generated``), to approval as the process requires or by the schedule's standing approval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dispatch.auth import Caller, Role
from dispatch.batches.execution import Executions
from dispatch.batches.models import ELECTRONIC, Batch, BatchKind, BatchStatus, Channel, Communication
from dispatch.batches.store import BatchStore
from dispatch.batches.workflow import Workflow
from dispatch.clock import isoformat, utcnow
from dispatch.communications.models import CommunicationEdit, NewCommunication, OneOffMessage
from dispatch.communications.working_list import WorkingList
from dispatch.config import Settings
from dispatch.contacts.service import ContactService
from dispatch.contacts.store import ContactStore
from dispatch.errors import Conflict, Unprocessable
from dispatch.ids import new_id
from dispatch.processes.models import Process, ProcessState
from dispatch.processes.store import ProcessStore

CLOSED = frozenset({BatchStatus.complete, BatchStatus.archived})
EDITABLE = frozenset(BatchStatus) - CLOSED - {BatchStatus.invalid, BatchStatus.rejected, BatchStatus.expired}


@dataclass
class CommunicationService:
    settings: Settings
    batches: BatchStore
    processes: ProcessStore
    contacts: ContactService
    contact_store: ContactStore
    working_lists: WorkingList
    workflow: Workflow
    lifecycle: Executions

    def create(self, caller: Caller, body: NewCommunication) -> Batch:
        caller.require(Role.sender)
        process = self._process(caller, body.process_id, body.template, body.channels or [])
        channels = body.channels or _electronic(process, body.template)
        matched = self.contacts.count(caller.org_id, body.filter)
        moment = utcnow()
        batch_id = new_id(moment)
        batch = Batch(
            id=batch_id,
            org_id=caller.org_id,
            process_id=process.id,
            process_name=process.name,
            name=body.name,
            file_name=body.name,
            source_key=f"contacts:{batch_id}",
            created_by=caller.user_id,
            created_by_email=caller.email,
            created_at=isoformat(moment),
            updated_at=isoformat(moment),
            status=BatchStatus.open,
            auto_distribute=body.auto_distribute,
            kind=BatchKind.communication,
            communication=Communication(filter=body.filter, channels=channels, matched=matched),
            template=body.template,
            due_date=body.due_date.isoformat() if body.due_date else None,
        )
        self.batches.create(batch)
        return batch

    def generate(self, caller: Caller, batch_id: str) -> Batch:
        """``open`` → ``generating``: the working list is staged and its cards generated (async)."""
        caller.require(Role.sender)
        batch = self._communication(caller, batch_id)
        self._process(caller, batch.process_id, batch.template, _channels(batch))
        generating = self.batches.transition(
            caller.org_id,
            batch.id,
            BatchStatus.generating,
            sources=[BatchStatus.open],
            set_values={"status_reason": None, "failure": None},
        )
        # One execution per generation (a batch back to open may be generated again).
        moment = re.sub(r"\D", "", generating.updated_at)
        self.workflow.start_generation(generating, name=f"{batch.id}-list-{moment}")
        return generating

    def send(self, caller: Caller, batch_id: str) -> Batch:
        """From ``generated``: the lifecycle goes on from its approval step (async)."""
        caller.require(Role.sender)
        batch = self._communication(caller, batch_id)
        if batch.status is not BatchStatus.generated:
            raise Conflict("only a generated communication can be sent", {"status": batch.status.value})
        self.lifecycle.start(
            f"{batch.id}-send-request",
            {
                "stage": "send",
                "batch_id": batch.id,
                "org_id": batch.org_id,
                "chunks": [chunk.model_dump() for chunk in batch.chunks],
                "approval_timeout_seconds": self.settings.approval_timeout_seconds,
            },
        )
        return batch

    def edit(self, caller: Caller, batch_id: str, body: CommunicationEdit) -> Batch:
        caller.require(Role.sender)
        batch = self._communication(caller, batch_id)
        assert batch.communication is not None
        changes: dict[str, Any] = {}
        fields = body.model_fields_set
        if fields & {"filter", "channels"}:
            if batch.status is not BatchStatus.open:
                raise Conflict(
                    "the working list is generated: its filter and channels no longer change "
                    "(clone the batch once it is closed)",
                    {"status": batch.status.value},
                )
            communication = batch.communication.model_copy(
                update={
                    "filter": body.filter if "filter" in fields else batch.communication.filter,
                    "channels": body.channels or batch.communication.channels,
                }
            )
            communication.matched = self.contacts.count(caller.org_id, communication.filter)
            changes["communication"] = communication.model_dump()
        if "template" in fields:
            changes["template"] = body.template
        if "due_date" in fields:
            changes["due_date"] = body.due_date.isoformat() if body.due_date else None
        channels = body.channels or batch.communication.channels
        self._process(caller, batch.process_id, changes.get("template", batch.template), channels)
        if batch.status not in EDITABLE:
            raise Conflict("a closed communication cannot change", {"status": batch.status.value})
        if changes:
            self.batches.update(caller.org_id, batch.id, changes, EDITABLE)
        if body.name is not None:
            self.batches.rename(caller.org_id, batch.id, body.name)
        self.workflow.content_changed(caller.org_id, batch_id=batch.id)  # approved content changed?
        return self.batches.get(caller.org_id, batch.id)

    def message(self, caller: Caller, contact_id: str, body: OneOffMessage) -> Batch:
        """One card of a process for one contact, by the contact's channel, through the batch
        engine (its approval rules included): the batch of one, on its way."""
        caller.require(Role.sender)
        contact = self.contact_store.get(caller.org_id, contact_id)
        process = self._process(caller, body.process_id, body.template, [])
        channels = _electronic(process, body.template)
        if not (contact.email or contact.phone):
            raise Unprocessable("the contact has no email or phone to send to", {"contact_id": contact.id})
        moment = utcnow()
        batch_id = new_id(moment)
        name = body.name or f"Message to {contact.external_id}"
        batch = Batch(
            id=batch_id,
            org_id=caller.org_id,
            process_id=process.id,
            process_name=process.name,
            name=name,
            file_name=name,
            source_key=f"contacts:{batch_id}",
            created_by=caller.user_id,
            created_by_email=caller.email,
            created_at=isoformat(moment),
            updated_at=isoformat(moment),
            status=BatchStatus.open,
            kind=BatchKind.communication,
            communication=Communication(contact_id=contact.id, channels=channels, matched=1, hold=False),
            template=body.template,
            due_date=body.due_date.isoformat() if body.due_date else None,
        )
        self.batches.create(batch)
        generating = self.working_lists.stage_one(batch, contact)
        self.workflow.start_generation(generating)
        return generating

    def check_source(
        self, caller: Caller, process_id: str, raw: Any, template: str | None, channels: list[Channel] | None
    ) -> None:
        """A schedule's contact source: a filter that can be understood (400 saying where) and a
        template set that carries its channels (422)."""
        self.contacts.compiled(caller.org_id, raw)
        process = self._process(caller, process_id, template, channels or [])
        if not channels:
            _electronic(process, template)

    def scheduled(self, batch: Batch, raw: Any, channels: list[Channel] | None) -> Batch:
        """A scheduled run's communication (``batch``: its identity, process and settings, ``open``):
        the contacts ``raw`` matches now, staged and generated, then sent on. A repeated call for
        the same batch id starts nothing new."""
        process = self.processes.get(batch.org_id, batch.process_id)
        chosen = channels or _electronic(process, batch.template)
        matched = self.contacts.count(batch.org_id, raw)
        communication = Communication(filter=raw, channels=chosen, matched=matched, hold=False)
        if self.batches.create(batch.model_copy(update={"communication": communication})):
            generating = self.batches.transition(
                batch.org_id, batch.id, BatchStatus.generating, sources=[BatchStatus.open]
            )
            self.workflow.start_generation(generating)
            return generating
        return self.batches.get(batch.org_id, batch.id)

    def _communication(self, caller: Caller, batch_id: str) -> Batch:
        batch = self.batches.get(caller.org_id, batch_id)
        if batch.kind is not BatchKind.communication or batch.communication is None:
            raise Conflict("this batch is not a communication", {"kind": batch.kind.value})
        return batch

    def _process(
        self, caller: Caller, process_id: str, template: str | None, channels: list[Channel]
    ) -> Process:
        """The live process, with the template set chosen; 422 when that set cannot carry every
        channel asked for."""
        process = self.processes.get(caller.org_id, process_id)
        if process.state is not ProcessState.live:
            raise Conflict("only a live process accepts batches", {"process_state": process.state.value})
        try:
            templates = process.with_template_set(template).templates
        except Conflict as exc:
            raise Unprocessable(exc.message, exc.details) from exc
        missing = [channel for channel in channels if getattr(templates, channel) is None]
        if missing:
            raise Unprocessable(
                f"the template set has no {' or '.join(missing)} template",
                {"template": template, "missing": missing},
            )
        return process


def _electronic(process: Process, template: str | None) -> list[Channel]:
    """The email and SMS channels the template set has (422 when it has neither)."""
    templates = process.with_template_set(template).templates
    channels: list[Channel] = [channel for channel in ELECTRONIC if getattr(templates, channel) is not None]
    if not channels:
        raise Unprocessable("the template set has no email or SMS template", {"template": template})
    return channels


def _channels(batch: Batch) -> list[Channel]:
    return list(batch.communication.channels) if batch.communication else list(ELECTRONIC)
