"""The caller's own organisation settings: anyone in it may read them, only an admin may change them."""

from __future__ import annotations

from dispatch.auth import Caller, Role
from dispatch.organisations.models import Organisation, OrganisationSettings
from dispatch.organisations.store import OrganisationStore


class OrganisationService:
    def __init__(self, store: OrganisationStore) -> None:
        self._store = store

    def settings(self, caller: Caller) -> OrganisationSettings:
        return self._store.get(caller.org_id)

    def get(self, caller: Caller) -> Organisation:
        return Organisation.model_validate({**dict(self._store.get(caller.org_id)), "id": caller.org_id})

    def replace(self, caller: Caller, body: OrganisationSettings) -> Organisation:
        caller.require(Role.admin)
        saved = self._store.put(caller.org_id, body)
        return Organisation.model_validate({**dict(saved), "id": caller.org_id})
