"""Batch communications over the API (PRODUCT §8): the bodies of their requests."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from dispatch.batches.models import Channel
from dispatch.processes.models import TemplateSetName

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _unique(channels: list[Channel]) -> list[Channel]:
    if len(set(channels)) != len(channels):
        raise ValueError("each channel once")
    return channels


class NewCommunication(BaseModel):
    """The body of ``POST /communications``: a working list (the contacts ``filter`` matches; none:
    every contact), its process, template set (none: the default), due date and channels."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    process_id: str
    filter: dict[str, Any] | None = None
    template: TemplateSetName | None = None
    due_date: date | None = None
    channels: list[Channel] | None = Field(
        default=None,
        min_length=1,
        max_length=3,
        description="default: the email and SMS the template set has",
    )
    auto_distribute: bool = True

    @model_validator(mode="after")
    def _each_channel_once(self) -> Self:
        if self.channels is not None:
            _unique(self.channels)
        return self


class CommunicationEdit(BaseModel):
    """The body of ``PATCH /communications/{id}``: the filter and channels while the batch is open;
    the name, template set and due date until it is closed (after approval they send it back to
    approval: what recipients receive changed)."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    filter: dict[str, Any] | None = None
    template: TemplateSetName | None = None
    due_date: date | None = None
    channels: list[Channel] | None = Field(default=None, min_length=1, max_length=3)

    @model_validator(mode="after")
    def _each_channel_once(self) -> Self:
        if self.channels is not None:
            _unique(self.channels)
        return self


class OneOffMessage(BaseModel):
    """The body of ``POST /contacts/{id}/messages``: one card of a process to one contact, by the
    contact's channel (the process's order), sent as any batch is — approved first where the
    process or organisation requires it."""

    model_config = ConfigDict(extra="forbid")

    process_id: str
    template: TemplateSetName | None = None
    due_date: date | None = None
    name: Name | None = None
