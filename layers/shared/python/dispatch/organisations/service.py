"""The caller's own organisation settings: anyone in it may read them, only an admin may change them."""

from __future__ import annotations

from datetime import datetime

from dispatch.assignment.hours import HoursStatus, hours_status
from dispatch.auth import Caller, Role
from dispatch.clock import utcnow
from dispatch.errors import Unprocessable
from dispatch.organisations.identities import SenderIdentities
from dispatch.organisations.models import HoursCheck, Organisation, OrganisationSettings
from dispatch.organisations.store import OrganisationStore


class OrganisationService:
    def __init__(self, store: OrganisationStore, identities: SenderIdentities) -> None:
        self._store = store
        self._identities = identities

    def settings(self, caller: Caller) -> OrganisationSettings:
        return self._store.get(caller.org_id)

    def get(self, caller: Caller) -> Organisation:
        return Organisation.model_validate({**dict(self._store.get(caller.org_id)), "id": caller.org_id})

    def replace(self, caller: Caller, body: OrganisationSettings) -> Organisation:
        """Save the settings; a ``sender_email`` must be an address SES will send from (its own
        identity or its domain's verified in SES), else 422 and nothing is saved."""
        caller.require(Role.admin)
        sender = body.sender_email
        if sender is not None and not self._identities.verified(sender):
            raise Unprocessable(
                f"the sender {sender} is not a verified SES identity: verify the address or its "
                "domain in SES first, or leave sender_email out to send from the stack's sender",
                {"sender_email": sender},
            )
        saved = self._store.put(caller.org_id, body)
        return Organisation.model_validate({**dict(saved), "id": caller.org_id})

    def check_hours(self, caller: Caller, body: HoursCheck) -> HoursStatus:
        """Whether ``body``'s hours are open at its moment (now by default), and the next opening
        and closing from there: the settings screen's "open now?" preview, by the same rules the
        distribution follows (daylight-saving days, holidays, overnight periods)."""
        caller.require(Role.sender)
        moment: datetime = body.at or utcnow()
        return hours_status(body.business_hours, moment)
