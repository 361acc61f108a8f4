"""Process rules: who may create and publish them, and when a process may go live."""

from __future__ import annotations

from dispatch.assignment.store import AgentStore
from dispatch.auth import Caller, Role
from dispatch.clock import now_iso, utcnow
from dispatch.deliverability.opt_out import check_opt_out_wording
from dispatch.errors import InvalidRequest, NotFound, Unprocessable
from dispatch.ids import new_id
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.example_file import example_file
from dispatch.processes.models import Process, ProcessInput, ProcessState, Templates
from dispatch.processes.store import ProcessStore
from dispatch.rendering import check_syntax


class ProcessService:
    def __init__(self, store: ProcessStore, organisations: OrganisationStore, agents: AgentStore) -> None:
        self._store = store
        self._organisations = organisations
        self._agents = agents

    def create(self, caller: Caller, body: ProcessInput) -> Process:
        caller.require(Role.admin)
        problems = check_syntax(body.templates)
        if problems:
            raise Unprocessable("a template does not compile", {"templates": problems})
        group_id = body.assignment.group_id
        if group_id:
            try:
                self._agents.group(caller.org_id, group_id)
            except NotFound as exc:
                raise InvalidRequest(
                    f"no such distribution group {group_id!r}", {"group_id": group_id}
                ) from exc
        process = Process(
            **body.model_dump(),
            id=new_id(utcnow()),
            org_id=caller.org_id,
            created_at=now_iso(),
            created_by=caller.user_id,
            created_by_email=caller.email,
        )
        self._store.create(process)
        return process

    def publish(self, caller: Caller, process_id: str) -> Process:
        """Make a process live. Links are never sent without an output channel (seed 001)."""
        caller.require(Role.admin)
        process = self._store.get(caller.org_id, process_id)
        if not process.channels():
            raise Unprocessable("a process needs an email or SMS template before it can go live")
        check_opt_out_wording(process.templates, self._organisations.get(caller.org_id))
        self._store.set_state(caller.org_id, process_id, ProcessState.live)
        return process.model_copy(update={"state": ProcessState.live})

    def replace_templates(self, caller: Caller, process_id: str, templates: Templates) -> Process:
        caller.require(Role.admin)
        process = self._store.get(caller.org_id, process_id)
        problems = check_syntax(templates)
        if problems:
            raise Unprocessable("a template does not compile", {"templates": problems})
        if (
            process.state is ProcessState.live
            and not process.model_copy(update={"templates": templates}).channels()
        ):
            raise Unprocessable("a live process needs an email or SMS template")
        if process.state is ProcessState.live:
            check_opt_out_wording(templates, self._organisations.get(caller.org_id))
        self._store.set_templates(caller.org_id, process_id, templates)
        return process.model_copy(update={"templates": templates})

    def get(self, caller: Caller, process_id: str) -> Process:
        return self._store.get(caller.org_id, process_id)

    def example_file(self, caller: Caller, process_id: str, file_format: str) -> tuple[bytes, str]:
        """The file a sender fills in: the process's columns and one row of example values."""
        process = self._store.get(caller.org_id, process_id)
        region = self._organisations.get(caller.org_id).default_phone_region
        return example_file(process, file_format, region)

    def list(self, caller: Caller, limit: int, cursor: str | None) -> tuple[list[Process], str | None]:
        return self._store.list(caller.org_id, limit, cursor)
