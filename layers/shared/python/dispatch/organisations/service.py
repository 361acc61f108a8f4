"""The caller's own organisation settings: anyone in it may read them, only an admin may change them."""

from __future__ import annotations

from typing import Any

from dispatch.auth import Caller, Role
from dispatch.organisations.models import OrganisationSettings
from dispatch.organisations.store import OrganisationStore


class OrganisationService:
    def __init__(self, store: OrganisationStore) -> None:
        self._store = store

    def settings(self, caller: Caller) -> OrganisationSettings:
        return self._store.get(caller.org_id)

    def get(self, caller: Caller) -> dict[str, Any]:
        return {"id": caller.org_id, **self._store.get(caller.org_id).model_dump(mode="json")}

    def replace(self, caller: Caller, body: OrganisationSettings) -> dict[str, Any]:
        caller.require(Role.admin)
        saved = self._store.put(caller.org_id, body)
        return {"id": caller.org_id, **saved.model_dump(mode="json")}
