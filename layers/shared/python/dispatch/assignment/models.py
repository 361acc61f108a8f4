"""Agents, distribution groups and how a card is assigned (PRODUCT §7)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from dispatch.emails import CanonicalEmail
from dispatch.models import Model
from dispatch.numbers import Storable
from dispatch.views import View

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
FieldName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Filter(Model):
    """An eligibility condition on one card field: ``equals`` a value, ``in`` a list, or a range
    (``min`` and/or ``max``, inclusive; numbers, or ISO dates compared as text)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    equals: Annotated[str | int | float | bool, Storable] | None = None
    in_: Annotated[list[str | int | float], Storable] | None = Field(default=None, alias="in")
    min: Annotated[str | int | float, Storable] | None = None
    max: Annotated[str | int | float, Storable] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        kinds = [self.equals is not None, self.in_ is not None, self.min is not None or self.max is not None]
        if sum(kinds) != 1:
            raise ValueError("a filter is one of: equals, in, or a range (min and/or max)")
        return self

    def matches(self, value: Any) -> bool:
        if value is None:
            return False
        if self.equals is not None:
            return _same(value, self.equals)
        if self.in_ is not None:
            return any(_same(value, option) for option in self.in_)
        try:
            if self.min is not None and value < self.min:
                return False
            return not (self.max is not None and value > self.max)
        except TypeError:
            return False


def eligible(filters: dict[str, Filter], values: dict[str, Any]) -> bool:
    """Every filter holds for the card's values (no filter: every card)."""
    return not unmet(filters, values)


def unmet(filters: dict[str, Filter], values: dict[str, Any]) -> list[str]:
    """The fields whose filter the card's values do not meet (none: the card is eligible)."""
    return [name for name, condition in filters.items() if not condition.matches(values.get(name))]


def _same(value: Any, expected: Any) -> bool:
    if isinstance(value, str) and isinstance(expected, str):
        return value.strip().casefold() == expected.strip().casefold()
    return bool(value == expected)


class AgentInput(Model):
    """The body of ``POST /agents`` (and one row of an agents file)."""

    model_config = ConfigDict(extra="forbid")

    email: CanonicalEmail  # the agent's login (matches AssignToEmail), canonical
    name: Name
    # The agent's user (Cognito sub): who acts as this agent. Set by an admin, or linked the first
    # time the user with the login email signs in as the agent.
    user_id: Annotated[str, StringConstraints(strip_whitespace=True, max_length=128)] | None = None
    work_phone: str | None = None  # E.164, for ring-all offers and notifications
    work_email: CanonicalEmail | None = None  # notifications; the login email when absent
    available: bool = True
    groups: list[str] = Field(default_factory=list)
    filters: dict[FieldName, Filter] = Field(default_factory=dict)


class Agent(AgentInput):
    id: str
    org_id: str
    created_at: str
    updated_at: str

    def eligible_for(self, values: dict[str, Any]) -> bool:
        return eligible(self.filters, values)

    def unmet(self, values: dict[str, Any]) -> list[str]:
        return unmet(self.filters, values)

    def filter_specs(self) -> dict[str, dict[str, Any]]:
        """The filters as written (``{"in": [...]}``), without the unused kinds."""
        return {
            name: condition.model_dump(mode="json", by_alias=True, exclude_none=True)
            for name, condition in self.filters.items()
        }

    def view(self) -> dict[str, Any]:
        """As stored: the filters as written."""
        return {**self.model_dump(mode="json", by_alias=True), "filters": self.filter_specs()}

    def public(self) -> AgentView:
        return AgentView.model_validate(self.view())


FilterValue = str | int | float | bool | list[str | int | float]


class AgentView(View):
    """An agent as the API shows it; each filter as written (``equals``, ``in``, ``min``/``max``)."""

    id: str
    org_id: str
    email: str
    name: str
    user_id: str | None
    work_phone: str | None
    work_email: str | None
    available: bool
    groups: list[str]
    filters: dict[str, dict[str, FilterValue]]
    created_at: str
    updated_at: str


class GroupInput(Model):
    model_config = ConfigDict(extra="forbid")

    name: Name
    default_agent_id: str | None = None


class Group(GroupInput, View):
    id: str
    org_id: str
    created_at: str


class RotationPlace(Model):
    agent_id: str
    available: bool
    assigned: int = Field(description="cards assigned to the agent in this group")


class GroupView(Group):
    """A group and its members in rotation order (the next to be assigned first)."""

    rotation: list[RotationPlace]


class AssignmentType(StrEnum):
    none = "none"
    distribute_all = "distribute_all"
    round_robin = "round_robin"
    direct = "direct"
    ring_all = "ring_all"


class AssignmentState(StrEnum):
    prospect = "prospect"  # not assigned (type none, or direct without a match)
    assigned = "assigned"
    available = "available"  # distribute_all: waiting for the first eligible agent to claim it
    offered = "offered"  # ring_all: offered to up to ten agents, waiting for an accept
    unassigned = "unassigned"  # outside business hours: distributed when hours open
    lead_exception = "lead_exception"  # no eligible or available agent and no default agent


class AssignmentConfig(View):
    """How a process's cards are assigned: the type, the group, and what an assigned card starts as."""

    model_config = ConfigDict(extra="forbid")

    type: AssignmentType = AssignmentType.none
    group_id: str | None = None
    initial_status: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = "new"
    initial_activity: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] = "assigned"
    # How long each round of ring_all offers waits for an accept (SQS's longest message delay).
    ring_timeout_seconds: int = Field(default=120, ge=30, le=900)

    @model_validator(mode="after")
    def _group_when_distributing(self) -> Self:
        if self.type not in {AssignmentType.none, AssignmentType.direct} and not self.group_id:
            raise ValueError(f"assignment type {self.type.value} needs a group_id")
        return self


class Assignment(View):
    """Where a card stands with agents."""

    state: AssignmentState
    group_id: str | None = None
    agent_id: str | None = None
    by: str | None = None  # round_robin, direct, claim, manual:<user id>, default_agent, ring_all
    by_email: str | None = None  # who assigned it by hand, for display
    at: str | None = None
    work_status: str | None = None
    activity: list[dict[str, str]] = Field(default_factory=list)
    offered_to: list[str] = Field(default_factory=list)  # ring_all: this round's agents
    offered_before: list[str] = Field(default_factory=list)  # ring_all: earlier rounds' agents
    offer_round: int = 0
    offer_expires_at: str | None = None  # ring_all: when this round's offers lapse
    reason: str | None = None
    retrieved_from: str | None = None  # the agent a retrieval took the card back from


ACTIVITY_KEPT = 100  # a card keeps its last 100 activity entries


def start_work(config: AssignmentConfig, current: Assignment | None, moment: str) -> dict[str, Any]:
    """What a card starts with when it reaches an agent: from a queue, or new — the setting's
    initial status, and its initial activity after whatever the card has already (a retrieved
    card keeps its history); from another agent (a reassignment) — the work it has, unchanged."""
    if current is not None and current.state is AssignmentState.assigned:
        return {"work_status": current.work_status, "activity": current.activity}
    earlier = current.activity if current is not None else []
    entry = {"at": moment, "type": config.initial_activity}
    return {"work_status": config.initial_status, "activity": [*earlier, entry][-ACTIVITY_KEPT:]}


MAX_IMPORT_BASE64 = 7_000_000  # a 5 MiB file, base64-encoded, within API Gateway's 10 MB


Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class AgentImport(Model):
    """An agents file (CSV/TSV or XLSX), base64-encoded in the JSON body."""

    model_config = ConfigDict(extra="forbid")

    file_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    content_base64: Annotated[str, StringConstraints(max_length=MAX_IMPORT_BASE64)]


class Activity(Model):
    """The body of ``POST /cards/{id}/activity``: what was done, the card's new work status (if it
    changes) and a note."""

    model_config = ConfigDict(extra="forbid")

    type: Label
    status: Label | None = None
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


class ImportRowError(Model):
    row: int
    column: str | None
    code: str
    message: str


class ImportResult(Model):
    """What an agents file did: rows read, agents created and updated, rows not applied and why."""

    rows: int
    created: int
    updated: int
    errors: list[ImportRowError]


class Queue(StrEnum):
    """``GET /cards?queue=``: the queue's name, and the assignment state of its cards."""

    prospects = "prospects"
    lead_exception = "lead_exception"
    unassigned = "unassigned"
    offered = "offered"
    available = "available"

    @property
    def state(self) -> AssignmentState:
        return AssignmentState.prospect if self is Queue.prospects else AssignmentState(self.value)


class QueueFilter(Model):
    """What a queue listing is narrowed to; ``q``: a text any field value, the email or the phone
    contains (case-insensitive)."""

    queue: Queue
    process_id: str | None = None
    batch_id: str | None = None
    group_id: str | None = None
    q: str | None = None


class QueuedCard(Model):
    """One card of a queue: who it is (its values and addresses), its batch, its delivery status
    and where it stands with agents (the group, why it is here, since when)."""

    id: str
    batch_id: str
    row: int
    status: str
    email: str | None
    phone: str | None
    values: dict[str, Any]
    sent_at: str | None
    assignment: Assignment


class ManualAssignment(Model):
    model_config = ConfigDict(extra="forbid")

    agent_id: str


class Release(Model):
    """Make a card claimable by every eligible agent of ``group_id`` (default: the card's group,
    else its batch's assignment group)."""

    model_config = ConfigDict(extra="forbid")

    group_id: str | None = None


class OfferState(StrEnum):
    open = "open"  # still offered to this agent: the page shows the accept button
    yours = "yours"  # this agent has it
    taken = "taken"  # another agent accepted first, or the card went elsewhere


@dataclass(frozen=True, slots=True)
class OfferView:
    state: OfferState
    organisation: str
    batch_name: str
    expires_at: int
