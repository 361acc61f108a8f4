"""Organisation (tenant) settings that shape validation, approval and delivery."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AwareDatetime,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from dispatch.assignment.hours import ALWAYS_OPEN, BusinessHours
from dispatch.deliverability.policy import ProtectionPolicy, QuietHours, SmsType
from dispatch.models import Model
from dispatch.views import View


class OrganisationSettings(Model):
    """Defaults apply until an admin saves settings: approval on, four-eyes off, US numbers."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    timezone: str = "UTC"
    default_phone_region: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] = "US"
    sender_email: EmailStr | None = Field(
        default=None,
        description="The From address of the organisation's emails (its batches, its agents' notices): "
        "an address SES sends from — its own or its domain's identity verified in SES (checked when "
        "saved). Without it, the stack's sender.",
    )
    approval_required: bool = True
    four_eyes: bool = False
    business_hours: BusinessHours = ALWAYS_OPEN  # when cards may be distributed to agents
    return_address: list[Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]] | None = (
        Field(
            default=None, max_length=8, description="printed on letters as the sender's address, a line each"
        )
    )
    account_protection: ProtectionPolicy = Field(
        default_factory=ProtectionPolicy,
        description="when sending pauses: hard-bounce and complaint rates below SES's review levels",
    )
    sms_quiet_hours: QuietHours | None = Field(
        default_factory=QuietHours,
        description="SMS wait during these hours in each recipient's local time (a timezone column, "
        "else the phone number's zone, else the organisation's); null turns them off",
    )
    email_quiet_hours: bool = Field(
        default=False, description="emails wait for the same quiet hours too (opt-in)"
    )
    sms_type: SmsType = Field(
        default=SmsType.transactional,
        description="SNS's SMS type; promotional SMS templates must say how to opt out (Reply STOP)",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        """An IANA name: business hours, schedules and quiet hours read the time in it (an unknown
        name was once saved and then made the settings unreadable)."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f'unknown timezone "{value}": use an IANA name such as Europe/Paris') from exc
        return value

    @model_validator(mode="after")
    def _hours_in_the_organisation_timezone(self) -> OrganisationSettings:
        """Business hours given without their own timezone are in the organisation's."""
        if "timezone" not in self.business_hours.model_fields_set and self.timezone != "UTC":
            self.business_hours = self.business_hours.model_copy(update={"timezone": self.timezone})
        return self


class Organisation(OrganisationSettings, View):
    """The caller's organisation: its id and settings."""

    id: str


class HoursCheck(Model):
    """The body of ``POST /organisation/business-hours/check``: hours being edited (not saved yet)
    and the moment to ask about (default: now)."""

    model_config = ConfigDict(extra="forbid")

    business_hours: BusinessHours
    at: AwareDatetime | None = None
