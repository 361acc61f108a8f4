"""Processes: what a card links to, the fields a recipients file must carry, and the channel templates."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, model_validator

from dispatch.assignment.models import AssignmentConfig
from dispatch.errors import Conflict
from dispatch.views import View

FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_ -]{0,63}$")
TemplateSetName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]


class FieldType(StrEnum):
    string = "string"
    number = "number"
    date = "date"
    boolean = "boolean"
    email = "email"
    phone = "phone"


class ProcessField(View):
    """One "model data item": a column of the recipients file."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, pattern=FIELD_NAME.pattern)]
    label: str | None = None
    type: FieldType = FieldType.string
    required: bool = False


class EmailTemplate(View):
    model_config = ConfigDict(extra="forbid")

    subject: Annotated[str, StringConstraints(min_length=1, max_length=998)]
    text: Annotated[str, StringConstraints(min_length=1)]
    html: str | None = None


class SmsTemplate(View):
    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, StringConstraints(min_length=1, max_length=1600)]


class LetterTemplate(View):
    """A printed letter (PRODUCT §8): ``title`` is text, ``body`` simple HTML — paragraphs, bold,
    italics, line breaks and lists (any other markup is dropped when the letter is laid out)."""

    model_config = ConfigDict(extra="forbid")

    title: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    body: Annotated[str, StringConstraints(min_length=1, max_length=50_000)]


class Templates(View):
    model_config = ConfigDict(extra="forbid")

    email: EmailTemplate | None = None
    sms: SmsTemplate | None = None
    letter: LetterTemplate | None = None


class ChannelOrder(StrEnum):
    """Which channel a card is delivered by when a row has both an email and a phone."""

    email_first = "email_first"
    sms_first = "sms_first"
    both = "both"


class ProcessState(StrEnum):
    draft = "draft"
    live = "live"


class ProcessInput(BaseModel):
    """The body of ``POST /processes`` (and the PROCESS.json of ``dispatch validate``)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    fields: list[ProcessField] = Field(min_length=1, max_length=200)
    link_base_url: HttpUrl
    templates: Templates = Field(default_factory=Templates)
    channel_order: ChannelOrder = ChannelOrder.email_first
    approval_required: bool | None = None
    four_eyes: bool | None = None
    assignment: AssignmentConfig = Field(default_factory=AssignmentConfig)  # to agents, when distributed
    # Named template sets besides ``templates`` (the default): a batch chooses one by name.
    template_sets: dict[TemplateSetName, Templates] = Field(default_factory=dict, max_length=50)

    @model_validator(mode="after")
    def _unique_field_names(self) -> Self:
        _check_unique(self.fields)
        return self


class Process(ProcessInput, View):
    model_config = ConfigDict(extra="ignore")

    id: str
    org_id: str
    state: ProcessState = ProcessState.draft
    created_at: str
    created_by: str  # user id; the email beside it for display
    created_by_email: str | None = None

    def channels(self) -> list[str]:
        """The channels this process can deliver by, in the process's preferred order."""
        available = [name for name in ("email", "sms") if getattr(self.templates, name) is not None]
        if self.channel_order is ChannelOrder.sms_first:
            available.reverse()
        return available

    def with_template_set(self, name: str | None) -> Process:
        """The process as a batch that chose the template set ``name`` sees it: that set as its
        ``templates`` (None: the default set). Conflict when the process has no such set (it was
        removed after the batch chose it)."""
        if name is None:
            return self
        templates = self.template_sets.get(name)
        if templates is None:
            raise Conflict(
                f"the process has no template set {name!r}",
                {"template": name, "template_sets": sorted(self.template_sets)},
            )
        return self.model_copy(update={"templates": templates})


class ProcessChanges(BaseModel):
    """The body of ``PATCH /processes/{id}``: any setting of ``POST /processes``; what is left out
    stays (``approval_required``/``four_eyes`` given as null: the organisation's policy again)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    fields: Annotated[list[ProcessField], Field(min_length=1, max_length=200)] | None = None
    link_base_url: HttpUrl | None = None
    templates: Templates | None = None
    channel_order: ChannelOrder | None = None
    approval_required: bool | None = None
    four_eyes: bool | None = None
    assignment: AssignmentConfig | None = None
    template_sets: dict[TemplateSetName, Templates] | None = Field(default=None, max_length=50)

    @model_validator(mode="after")
    def _given_settings_are_settings(self) -> Self:
        missing = sorted(name for name in self.model_fields_set if getattr(self, name) is None)
        missing = [name for name in missing if name not in {"approval_required", "four_eyes"}]
        if missing:
            raise ValueError(f"{', '.join(missing)} cannot be null; leave it out to keep it")
        if self.fields is not None:
            _check_unique(self.fields)
        return self

    def applied_to(self, process: Process) -> Process:
        """The process with these changes (each already validated as ``POST /processes`` would)."""
        return process.model_copy(update={name: getattr(self, name) for name in self.model_fields_set})


class ProcessChanged(Process):
    """A process after a change to what it sends (``PATCH /processes/{id}``, ``PUT
    /processes/{id}/templates``), and its approved batches that went back to approval because what
    was approved is no longer what would be sent."""

    batches_returned_to_approval: list[str]


def _check_unique(fields: list[ProcessField]) -> None:
    seen: set[str] = set()
    for field in fields:
        key = column_key(field.name)
        if key in seen:
            raise ValueError(f"field {field.name!r} is defined twice")
        seen.add(key)


def column_key(name: str) -> str:
    """How column names are compared: trimmed, case-folded, with space, ``_`` and ``-`` alike."""
    return re.sub(r"[\s_\-]+", "_", name.strip().casefold())
