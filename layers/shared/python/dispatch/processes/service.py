"""Process rules: who may create and publish them, and when a process may go live."""

from __future__ import annotations

from dispatch.assignment.store import AgentStore
from dispatch.auth import Caller, Role
from dispatch.clock import now_iso, utcnow
from dispatch.deliverability.opt_out import check_opt_out_wording
from dispatch.errors import Unprocessable
from dispatch.ids import new_id
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.example_file import example_file
from dispatch.processes.models import Process, ProcessChanges, ProcessInput, ProcessState, Templates
from dispatch.processes.preview import TemplatesPreview, preview
from dispatch.processes.store import ProcessStore
from dispatch.rendering import check_syntax


class ProcessService:
    def __init__(self, store: ProcessStore, organisations: OrganisationStore, agents: AgentStore) -> None:
        self._store = store
        self._organisations = organisations
        self._agents = agents

    def create(self, caller: Caller, body: ProcessInput) -> Process:
        caller.require(Role.admin)
        self._check(caller, body)
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

    def preview(
        self, caller: Caller, process_id: str, templates: Templates, api_base_url: str
    ) -> TemplatesPreview:
        """The templates being edited, rendered with the process's example row (nothing is stored)."""
        caller.require(Role.admin)
        process = self._store.get(caller.org_id, process_id)
        organisation = self._organisations.get(caller.org_id)
        return preview(
            process,
            templates,
            region=organisation.default_phone_region,
            organisation=organisation.name or caller.org_id,
            api_base_url=api_base_url,
        )

    def _check(self, caller: Caller, body: ProcessInput) -> None:
        """Templates compile, and the assignment's group exists."""
        problems = check_syntax(body.templates)
        if problems:
            raise Unprocessable("a template does not compile", {"templates": problems})
        self._agents.check_setting(caller.org_id, body.assignment)

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
        """``PUT /processes/{id}/templates``: a change of the templates alone."""
        return self.update(caller, process_id, ProcessChanges(templates=templates))

    def update(self, caller: Caller, process_id: str, changes: ProcessChanges) -> Process:
        """Change any setting of a process. The caller then sends back to approval the batches
        whose approved content this changes (templates, fields, link base: see
        :mod:`dispatch.batches.content`); other settings apply to what happens next (a batch's
        approval policy when it is checked, the assignment of cards delivered from now on)."""
        caller.require(Role.admin)
        process = self._store.get(caller.org_id, process_id)
        changed = changes.applied_to(process)
        if changes.templates is not None:
            problems = check_syntax(changes.templates)
            if problems:
                raise Unprocessable("a template does not compile", {"templates": problems})
        for name, templates in (changes.template_sets or {}).items():
            problems = check_syntax(templates)
            if problems:
                raise Unprocessable("a template does not compile", {"template_sets": {name: problems}})
        if changed.state is ProcessState.live and not changed.channels():
            raise Unprocessable("a live process needs an email or SMS template")
        if changes.templates is not None and changed.state is ProcessState.live:
            check_opt_out_wording(changed.templates, self._organisations.get(caller.org_id))
        self._agents.check_setting(caller.org_id, changes.assignment)
        values = changes.model_dump(mode="json", exclude_unset=True)
        if values:
            self._store.update(caller.org_id, process_id, values)
        return changed

    def get(self, caller: Caller, process_id: str) -> Process:
        return self._store.get(caller.org_id, process_id)

    def example_file(self, caller: Caller, process_id: str, file_format: str) -> tuple[bytes, str]:
        """The file a sender fills in: the process's columns and one row of example values."""
        process = self._store.get(caller.org_id, process_id)
        region = self._organisations.get(caller.org_id).default_phone_region
        return example_file(process, file_format, region)

    def list(self, caller: Caller, limit: int, cursor: str | None) -> tuple[list[Process], str | None]:
        return self._store.list(caller.org_id, limit, cursor)
