"""Organisation (tenant) settings that shape validation, approval and delivery."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, EmailStr, StringConstraints

from dispatch.assignment.hours import ALWAYS_OPEN, BusinessHours


class OrganisationSettings(BaseModel):
    """Defaults apply until an admin saves settings: approval on, four-eyes off, US numbers."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    timezone: str = "UTC"
    default_phone_region: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"
    sender_email: EmailStr | None = None
    approval_required: bool = True
    four_eyes: bool = False
    business_hours: BusinessHours = ALWAYS_OPEN  # when cards may be distributed to agents
