"""The organisation's deliverability settings (part of ``OrganisationSettings``).

Defaults are the safe choice: account protection on below SES's review levels, SMS quiet hours
21:00-08:00 in each recipient's local time, SMS sent as transactional.
"""

from __future__ import annotations

import re
from datetime import time
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from dispatch.views import View

CLOCK_TIME = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class ProtectionPolicy(View):
    """When sending pauses for the organisation (SES puts an account under review at a 5 % bounce
    rate or a 0.1 % complaint rate; pausing below that keeps the account)."""

    model_config = ConfigDict(extra="forbid")

    bounce_rate: float = Field(
        default=0.04, gt=0, le=1, description="pause at this hard-bounce rate (SES reviews at 0.05)"
    )
    complaint_rate: float = Field(
        default=0.0008, gt=0, le=1, description="pause at this complaint rate (SES reviews at 0.001)"
    )
    minimum_sends: int = Field(
        default=200,
        ge=1,
        description="a window's rates count only once it holds this many emails with a known outcome "
        "(a handful of sends says nothing about a list)",
    )
    early_sends: int = Field(
        default=50,
        ge=1,
        description="a batch is checked once, when this many of its emails have a known outcome: "
        "above the bounce rate it stops (a stale list) before it harms the account",
    )


class QuietHours(View):
    """Local wall-clock times: messages wait from ``start`` until ``end`` (``end`` before
    ``start`` spans midnight, as the default 21:00-08:00 does)."""

    model_config = ConfigDict(extra="forbid")

    start: CLOCK_TIME = "21:00"
    end: CLOCK_TIME = "08:00"

    @field_validator("end")
    @classmethod
    def _not_empty(cls, end: str, info: object) -> str:
        data = getattr(info, "data", {})
        if data.get("start") == end:
            raise ValueError("start and end must differ (null turns quiet hours off)")
        return end

    @property
    def start_time(self) -> time:
        return _clock(self.start)

    @property
    def end_time(self) -> time:
        return _clock(self.end)

    def quiet_at(self, local: time) -> bool:
        """Is the wall-clock time ``local`` inside the quiet hours?"""
        start, end = self.start_time, self.end_time
        if start < end:
            return start <= local < end
        return local >= start or local < end


class Deferral(BaseModel):
    """Why a ready card waits (quiet hours), and when it becomes sendable."""

    reason: str
    until: str


class DeferredCards(View):
    """How many cards wait for their recipients' quiet hours to end, and until when."""

    cards: int = 0
    earliest: str | None = Field(default=None, description="when the first of them becomes sendable")
    latest: str | None = Field(default=None, description="when the last of them becomes sendable")

    def add(self, until: str) -> DeferredCards:
        return self.merge(DeferredCards(cards=1, earliest=until, latest=until))

    def merge(self, other: DeferredCards) -> DeferredCards:
        times = [time for time in (self.earliest, self.latest, other.earliest, other.latest) if time]
        return DeferredCards(
            cards=self.cards + other.cards, earliest=min(times, default=None), latest=max(times, default=None)
        )


class SmsType(StrEnum):
    """SNS's ``AWS.SNS.SMS.SMSType``: transactional (critical, highest reliability) or promotional
    (marketing, lowest cost; carriers expect opt-out wording)."""

    transactional = "Transactional"
    promotional = "Promotional"


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    return time(hours, minutes)


# Carriers and SNS recognise these keywords; a promotional message must say how to use one.
OPT_OUT_WORDING = re.compile(r"\b(STOP|UNSUBSCRIBE|END|QUIT|CANCEL|OPTOUT)\b")
