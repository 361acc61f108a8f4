"""Business hours across timezones and daylight saving, on the emulated tables (PRODUCT §7).

Hours are local wall-clock intervals in the organisation's IANA timezone: "09:00-17:00" stays
09:00-17:00 local, so its UTC times move with daylight saving. In 2027 the US springs forward on
Sun 14 March and falls back on Sun 7 November; the EU on Sun 28 March and Sun 31 October. Between
those dates New York is on summer time while Berlin is not, and the same UTC instant can be open in
one organisation and closed in the other.

Each test builds its own small world: organisations whose settings carry the hours (read back
from the table, as the workflow and the drain do), a group of two agents per organisation, and
cards. Outcomes are checked both as the engine's counters and as the states read back from the
cards table.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from dispatch import services
from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.hours import BusinessHours
from dispatch.assignment.models import Agent, AssignmentConfig, AssignmentState, AssignmentType, Group
from dispatch.assignment.rotation import queue_key
from dispatch.assignment.store import AgentStore
from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat
from dispatch.config import Settings
from dispatch.organisations.models import OrganisationSettings
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.models import Process
from dispatch.processes.store import ProcessStore
from local.stack import ROOT

KINDS = [AssignmentType.round_robin, AssignmentType.distribute_all]
OPEN_STATE = {  # where a card goes when hours are open and an agent is eligible and available
    AssignmentType.round_robin: AssignmentState.assigned,
    AssignmentType.distribute_all: AssignmentState.available,
}
NINE_TO_FIVE = [{"start": "09:00", "end": "17:00"}]
WEEKDAYS_NINE_TO_FIVE = dict.fromkeys(("MON", "TUE", "WED", "THU", "FRI"), NINE_TO_FIVE)


def _marks(world: Any) -> list[tuple[str, str]]:
    """The batches marked as having cards in the Unassigned queue."""
    return [(mark.org_id, mark.batch_id) for mark in world.agents.waiting()]


def _hours(timezone: str, weekly: dict[str, Any], holidays: list[str] | None = None) -> BusinessHours:
    return BusinessHours.model_validate({"timezone": timezone, "weekly": weekly, "holidays": holidays or []})


NEW_YORK = _hours("America/New_York", WEEKDAYS_NINE_TO_FIVE)
BERLIN = _hours("Europe/Berlin", WEEKDAYS_NINE_TO_FIVE)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@dataclass
class World:
    settings: Settings
    agents: AgentStore
    engine: AssignmentEngine

    def config(self, org_id: str, kind: AssignmentType) -> AssignmentConfig:
        return AssignmentConfig(
            type=kind, group_id=f"g-{org_id}", initial_status="new lead", initial_activity="call"
        )

    def queue(self, org_id: str, batch_id: str, count: int = 2, first_row: int = 2) -> list[Card]:
        """``count`` delivered, not yet assigned cards of a batch, from row ``first_row``."""
        cards = [
            Card(
                id=f"{batch_id}-{row:07d}",
                batch_id=batch_id,
                org_id=org_id,
                row=row,
                values={"first_name": f"P{row}"},
                status=CardStatus.sent,
                link_expires_at=0,
                created_at="t",
            )
            for row in range(first_row, first_row + count)
        ]
        CardStore(self.settings).put_many(cards)
        return cards

    def assign(self, org_id: str, batch_id: str, kind: AssignmentType, now: datetime) -> Counter[str]:
        """What the send step does for a chunk: the organisation's hours as stored, the instant given."""
        hours = OrganisationStore(self.settings).get(org_id).business_hours
        return self.engine.assign(self.queue(org_id, batch_id), self.config(org_id, kind), hours, now)

    def stored(self, batch_id: str) -> list[Card]:
        return list(CardStore(self.settings).all_in_batch(batch_id))

    def states(self, batch_id: str) -> list[str | None]:
        return [c.assignment.state.value if c.assignment else None for c in self.stored(batch_id)]

    def pool(self, org_id: str, state: AssignmentState) -> list[str]:
        cards, _ = CardStore(self.settings).in_pool(queue_key(org_id, state), 100, None)
        return sorted(card.id for card in cards)


def _world(deployed: Any, hours: dict[str, BusinessHours]) -> World:
    """Per organisation: its settings with ``hours``, a group ``g-<org>`` of two available agents."""
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)
    agents = AgentStore(settings)
    for org_id, org_hours in hours.items():
        OrganisationStore(settings).put(org_id, OrganisationSettings(name=org_id, business_hours=org_hours))
        agents.put_group(Group(id=f"g-{org_id}", org_id=org_id, name="Sales", created_at="t"), new=True)
        for n in range(2):
            agents.create_agent(
                Agent(
                    id=f"{org_id}-agent-{n}",
                    org_id=org_id,
                    email=f"a{n}@{org_id}.example.com",
                    name=f"A{n}",
                    groups=[f"g-{org_id}"],
                    created_at="t",
                    updated_at="t",
                )
            )
    return World(settings, agents, services.assignment_engine(settings))


def _expected(kind: AssignmentType, is_open: bool, count: int = 2) -> tuple[dict[str, int], list[str | None]]:
    """The engine's counters and the stored states of ``count`` cards, open or closed."""
    state = OPEN_STATE[kind] if is_open else AssignmentState.unassigned
    return {state.value: count}, [state.value] * count


def _check_assigned(world: World, org_id: str, batch_id: str, kind: AssignmentType, now: datetime) -> None:
    """Cards handed out at ``now``: round robin to the organisation's own agents with the initial
    status; distribute_all offered to the group; both stamped with the instant they were handed out."""
    for card in world.stored(batch_id):
        assignment = card.assignment
        assert assignment is not None
        assert (assignment.group_id, assignment.at) == (f"g-{org_id}", isoformat(now))
        if kind is AssignmentType.round_robin:
            assert assignment.agent_id in {f"{org_id}-agent-0", f"{org_id}-agent-1"}
            assert (assignment.work_status, assignment.by) == ("new lead", "round_robin")
        else:
            assert (assignment.agent_id, assignment.by) == (None, "distribute_all")


# ---- the engine ---------------------------------------------------------------------------------

NEW_YORK_INSTANTS = [  # (UTC instant, open in New York?) — Mon-Fri 09:00-17:00 America/New_York
    ("2027-01-11T13:30:00", False),  # Mon, 08:30 EST
    ("2027-07-12T13:30:00", True),  # Mon, 09:30 EDT: the same UTC time of day, open in summer
    ("2027-03-08T13:30:00", False),  # the Monday before spring forward: 08:30 EST
    ("2027-03-15T13:30:00", True),  # the Monday after spring forward (Sun 14 Mar): 09:30 EDT
    ("2027-11-01T13:30:00", True),  # the last Monday on summer time: 09:30 EDT
    ("2027-11-08T13:30:00", False),  # the Monday after fall back (Sun 7 Nov): 08:30 EST
    ("2027-01-11T21:30:00", True),  # 16:30 EST: closing moves too, still open in winter
    ("2027-07-12T21:00:00", False),  # exactly 17:00 EDT: the end of an interval is exclusive
]


def test_new_york_hours_move_in_utc_with_daylight_saving(deployed: Any) -> None:
    world = _world(deployed, {"org-ny": NEW_YORK})
    seen: dict[tuple[str, str], tuple[dict[str, int], list[str | None]]] = {}
    for kind in KINDS:
        for n, (instant, _) in enumerate(NEW_YORK_INSTANTS):
            outcome = world.assign("org-ny", f"{kind}{n}", kind, _at(instant))
            seen[kind, instant] = (dict(outcome), world.states(f"{kind}{n}"))
    assert seen == {
        (kind, instant): _expected(kind, is_open) for kind in KINDS for instant, is_open in NEW_YORK_INSTANTS
    }

    closed = [
        f"{kind}{n}" for kind in KINDS for n, (_, is_open) in enumerate(NEW_YORK_INSTANTS) if not is_open
    ]
    # Only the closed batches are marked for the drain, and only their cards wait in the queue.
    assert sorted(_marks(world)) == sorted(("org-ny", batch) for batch in closed)
    assert world.pool("org-ny", AssignmentState.unassigned) == sorted(
        f"{batch}-{row:07d}" for batch in closed for row in (2, 3)
    )
    for kind in KINDS:
        for n, (instant, is_open) in enumerate(NEW_YORK_INSTANTS):
            if is_open:
                _check_assigned(world, "org-ny", f"{kind}{n}", kind, _at(instant))


TWO_ZONES = [  # (UTC instant, open in New York?, open in Berlin?) — both Mon-Fri 09:00-17:00 local
    ("2027-03-08T13:30:00", False, True),  # both on winter time: NY 08:30 EST, Berlin 14:30 CET
    ("2027-03-22T13:30:00", True, True),  # US on summer time, EU not yet: NY 09:30 EDT, Berlin 14:30 CET
    ("2027-03-22T12:30:00", False, True),  # same Monday: NY 08:30 EDT, Berlin 13:30 CET
    ("2027-03-22T15:30:00", True, True),  # NY 11:30 EDT, Berlin 16:30 CET
    ("2027-03-29T15:30:00", True, False),  # the day after the EU change (Sun 28 Mar): Berlin 17:30 CEST
    ("2027-10-25T15:30:00", True, False),  # both on summer time: Berlin 17:30 CEST
    ("2027-11-01T15:30:00", True, True),  # EU back on CET (Sun 31 Oct), US still on EDT: Berlin 16:30
]


def test_one_instant_is_open_in_one_zone_and_closed_in_the_other(deployed: Any) -> None:
    world = _world(deployed, {"org-ny": NEW_YORK, "org-berlin": BERLIN})
    seen: dict[tuple[str, str], tuple[Any, ...]] = {}
    for kind in KINDS:
        for n, (instant, _, _) in enumerate(TWO_ZONES):
            moment = _at(instant)
            ny = world.assign("org-ny", f"ny-{kind}{n}", kind, moment)
            berlin = world.assign("org-berlin", f"be-{kind}{n}", kind, moment)
            seen[kind, instant] = (
                dict(ny),
                world.states(f"ny-{kind}{n}"),
                dict(berlin),
                world.states(f"be-{kind}{n}"),
            )
    assert seen == {
        (kind, instant): (*_expected(kind, ny_open), *_expected(kind, berlin_open))
        for kind in KINDS
        for instant, ny_open, berlin_open in TWO_ZONES
    }
    # Each organisation's queue holds only its own cards, in its own group's pool.
    for org, prefix, column in (("org-ny", "ny", 1), ("org-berlin", "be", 2)):
        assert world.pool(org, AssignmentState.unassigned) == sorted(
            f"{prefix}-{kind}{n}-{row:07d}"
            for kind in KINDS
            for n, case in enumerate(TWO_ZONES)
            if not case[column]
            for row in (2, 3)
        ), org


# An overnight shift is written as two intervals that touch at midnight (one may not cross it).
TOKYO_NIGHTS = _hours(
    "Asia/Tokyo", {"FRI": [{"start": "22:00", "end": "24:00"}], "SAT": [{"start": "00:00", "end": "06:00"}]}
)
TOKYO_INSTANTS = [  # (UTC instant, open?) — Asia/Tokyo is UTC+9 all year
    ("2027-01-15T12:30:00", False),  # Fri 21:30 JST
    ("2027-01-15T13:30:00", True),  # Fri 22:30 JST
    ("2027-01-15T15:00:00", True),  # Sat 00:00 JST: Friday's 24:00 end meets Saturday's 00:00 start
    ("2027-01-15T20:30:00", True),  # Sat 05:30 JST, though still Friday in UTC
    ("2027-01-15T21:30:00", False),  # Sat 06:30 JST
    ("2027-01-14T13:30:00", False),  # Thu 22:30 JST: the shift is Friday night's only
]


def test_an_overnight_shift_stays_open_across_local_midnight(deployed: Any) -> None:
    world = _world(deployed, {"org-tokyo": TOKYO_NIGHTS})
    seen = {}
    for kind in KINDS:
        for n, (instant, _) in enumerate(TOKYO_INSTANTS):
            outcome = world.assign("org-tokyo", f"tk-{kind}{n}", kind, _at(instant))
            seen[kind, instant] = (dict(outcome), world.states(f"tk-{kind}{n}"))
    assert seen == {
        (kind, instant): _expected(kind, is_open) for kind in KINDS for instant, is_open in TOKYO_INSTANTS
    }


# Waitangi Day 2027 (Sat 6 Feb) is observed on Mon 8 Feb. Auckland is on NZDT (UTC+13) then, so
# local Monday morning is still Sunday in UTC, and local Tuesday morning is Monday 8 Feb in UTC.
AUCKLAND = _hours("Pacific/Auckland", WEEKDAYS_NINE_TO_FIVE, holidays=["2027-02-08"])
AUCKLAND_INSTANTS = [  # (UTC instant, open?)
    ("2027-02-07T21:00:00", False),  # Mon 8 Feb 10:00 NZDT, the holiday (a Sunday in UTC)
    ("2027-02-08T21:00:00", True),  # Tue 9 Feb 10:00 NZDT (the holiday's date in UTC)
    ("2027-02-14T21:00:00", True),  # Mon 15 Feb 10:00 NZDT, an ordinary Monday (a Sunday in UTC)
]


def test_a_holiday_closes_the_whole_local_date(deployed: Any) -> None:
    world = _world(deployed, {"org-akl": AUCKLAND})
    assert OrganisationStore(world.settings).get("org-akl").business_hours == AUCKLAND  # survives storage
    seen = {}
    for kind in KINDS:
        for n, (instant, _) in enumerate(AUCKLAND_INSTANTS):
            outcome = world.assign("org-akl", f"akl-{kind}{n}", kind, _at(instant))
            seen[kind, instant] = (dict(outcome), world.states(f"akl-{kind}{n}"))
    assert seen == {
        (kind, instant): _expected(kind, is_open) for kind in KINDS for instant, is_open in AUCKLAND_INSTANTS
    }
    assert sorted(_marks(world)) == [("org-akl", f"akl-{kind}0") for kind in sorted(KINDS)]


# ---- the Unassigned queue's drain ---------------------------------------------------------------


def _batch_of(world: World, org_id: str, batch_id: str, kind: AssignmentType) -> None:
    """The process (with ``kind`` assignment) and the batch the drain looks up for a queued batch."""
    body = json.loads((ROOT / "examples" / "process.json").read_text())
    process = Process.model_validate(
        {
            **body,
            "id": f"p-{batch_id}",
            "org_id": org_id,
            "state": "live",
            "created_at": "t",
            "created_by": "admin",
            "assignment": world.config(org_id, kind).model_dump(mode="json"),
        }
    )
    ProcessStore(world.settings).create(process)
    batch = Batch(
        id=batch_id,
        org_id=org_id,
        process_id=process.id,
        process_name=process.name,
        name=batch_id,
        file_name="list.csv",
        source_key=f"uploads/{org_id}/{batch_id}/source",
        created_by="admin@example.com",
        created_at="t",
        updated_at="t",
        status=BatchStatus.sending,
    )
    assert BatchStore(world.settings).create(batch)


@pytest.mark.parametrize("kind", KINDS, ids=str)
def test_the_drain_waits_for_nine_local_whatever_the_utc_offset(deployed: Any, kind: AssignmentType) -> None:
    world = _world(deployed, {"org-ny": NEW_YORK})
    _batch_of(world, "org-ny", "night", kind)
    cards = [card.id for card in world.queue("org-ny", "night", 3)]
    night = _at("2027-01-11T04:00:00")  # Sun 23:00 EST
    hours = OrganisationStore(world.settings).get("org-ny").business_hours
    queued = world.engine.assign(world.stored("night"), world.config("org-ny", kind), hours, night)
    assert queued == Counter({"unassigned": 3})
    assert _marks(world) == [("org-ny", "night")]
    drain = services.unassigned_drain(world.settings)

    # Still closed: nothing moves and the batch stays marked.
    for closed in ("2027-01-11T13:05:00", "2027-03-15T12:59:59"):  # 08:05 EST; 08:59:59 EDT
        assert drain.run(_at(closed)) == Counter(), closed
        assert world.states("night") == ["unassigned"] * 3
        assert _marks(world) == [("org-ny", "night")]
        assert world.pool("org-ny", AssignmentState.unassigned) == cards

    # Exactly 09:00:00 EDT on the Monday after spring forward (13:00 UTC; it was 14:00 UTC in winter).
    opening = _at("2027-03-15T13:00:00")
    assert drain.run(opening) == Counter({OPEN_STATE[kind].value: 3})
    assert world.states("night") == [OPEN_STATE[kind].value] * 3
    _check_assigned(world, "org-ny", "night", kind, opening)
    assert _marks(world) == []
    assert world.pool("org-ny", AssignmentState.unassigned) == []
    if kind is AssignmentType.distribute_all:
        assert world.pool("org-ny", AssignmentState.available) == cards
    assert drain.run(_at("2027-03-15T13:05:00")) == Counter()  # the mark is gone: nothing to do


def test_the_drain_opens_each_organisation_by_its_own_clock(deployed: Any) -> None:
    kind = AssignmentType.round_robin
    world = _world(deployed, {"org-ny": NEW_YORK, "org-berlin": BERLIN})
    saturday = _at("2027-03-20T12:00:00")  # closed in both
    for org_id, batch_id in (("org-ny", "ny"), ("org-berlin", "be")):
        _batch_of(world, org_id, batch_id, kind)
        assert world.assign(org_id, batch_id, kind, saturday) == Counter({"unassigned": 2})
    drain = services.unassigned_drain(world.settings)

    assert drain.run(_at("2027-03-23T07:30:00")) == Counter()  # Tue: NY 03:30 EDT, Berlin 08:30 CET
    assert sorted(_marks(world)) == [("org-berlin", "be"), ("org-ny", "ny")]

    # A week later Berlin is on summer time: 07:30 UTC is 09:30 CEST. NY (03:30 EDT) stays queued.
    assert drain.run(_at("2027-03-30T07:30:00")) == Counter({"assigned": 2})
    assert (world.states("be"), world.states("ny")) == (["assigned"] * 2, ["unassigned"] * 2)
    assert _marks(world) == [("org-ny", "ny")]

    # 13:30 UTC is 09:30 EDT in New York (and 15:30 CEST in Berlin, whose queue is already empty).
    assert drain.run(_at("2027-03-30T13:30:00")) == Counter({"assigned": 2})
    assert world.states("ny") == ["assigned"] * 2
    assert _marks(world) == []
    assert {c.assignment.agent_id for c in world.stored("ny") if c.assignment} == {
        "org-ny-agent-0",
        "org-ny-agent-1",
    }


def test_cards_queued_while_the_drain_runs_are_not_stranded(
    deployed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sender whose clock still reads 08:59:59 EDT queues two more cards of the batch (and marks
    it) while the drain, at 09:00:00, is between reading the queue and removing the mark."""
    kind = AssignmentType.round_robin
    world = _world(deployed, {"org-ny": NEW_YORK})
    _batch_of(world, "org-ny", "b", kind)
    assert world.assign("org-ny", "b", kind, _at("2027-03-15T04:00:00")) == Counter({"unassigned": 2})
    drain = services.unassigned_drain(world.settings)
    read = drain.cards.in_pool
    hours = OrganisationStore(world.settings).get("org-ny").business_hours

    def in_pool_then_a_late_sender(*args: Any) -> Any:
        page = read(*args)
        if len(world.stored("b")) == 2:
            late = world.queue("org-ny", "b", 2, first_row=4)
            sender = world.engine.assign(
                late, world.config("org-ny", kind), hours, _at("2027-03-15T12:59:59")
            )
            assert sender == Counter({"unassigned": 2})
        return page

    monkeypatch.setattr(drain.cards, "in_pool", in_pool_then_a_late_sender)
    assert drain.run(_at("2027-03-15T13:00:00")) == Counter({"assigned": 2})
    # The two late cards still wait; a later sweep must find them.
    assert world.states("b") == ["assigned", "assigned", "unassigned", "unassigned"]
    drain.run(_at("2027-03-15T13:05:00"))
    assert world.states("b") == ["assigned"] * 4, f"stranded; marks left: {_marks(world)}"
