"""Each assignment type, its fallback and business hours, on the emulated tables."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.hours import ALWAYS_OPEN, BusinessHours
from dispatch.assignment.models import Agent, AssignmentConfig, AssignmentType, Group
from dispatch.assignment.rotation import Assigner
from dispatch.assignment.store import AgentStore
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings

MONDAY_NOON = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
NIGHT = datetime(2027, 3, 15, 23, 0, tzinfo=UTC)
OFFICE = BusinessHours.model_validate(
    {"timezone": "UTC", "weekly": {"MON": [{"start": "09:00", "end": "17:00"}]}}
)


def _world(
    deployed: Any, agents: int = 3, default: bool = False, available: bool = True
) -> tuple[Settings, AssignmentEngine]:
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)
    store = AgentStore(settings)
    store.put_group(Group(id="g1", org_id="org-a", name="Sales", created_at="t"), new=True)
    for n in range(agents):
        store.create_agent(
            Agent(
                id=f"agent-{n}",
                org_id="org-a",
                email=f"a{n}@example.com",
                name=f"A{n}",
                user_id=f"u{n}",
                groups=["g1"],
                available=available,
                filters={"state": {"equals": "CA"}} if n == 0 else {},
                created_at="t",
                updated_at="t",
            )
        )
    if default:
        store.create_agent(
            Agent(
                id="boss",
                org_id="org-a",
                email="boss@example.com",
                name="Boss",
                created_at="t",
                updated_at="t",
            )
        )
        store.put_group(
            Group(id="g1", org_id="org-a", name="Sales", default_agent_id="boss", created_at="t"), new=False
        )
    return settings, AssignmentEngine(store, Assigner(settings, store))


def _cards(settings: Settings, values: list[dict[str, Any]]) -> list[Card]:
    cards = [
        Card(
            id=f"b1-{row:07d}",
            batch_id="b1",
            org_id="org-a",
            row=row,
            values=value,
            status=CardStatus.sent,
            link_expires_at=0,
            created_at="t",
        )
        for row, value in enumerate(values, start=2)
    ]
    CardStore(settings).put_many(cards)
    return cards


def _stored(settings: Settings) -> list[Card]:
    return list(CardStore(settings).all_in_batch("b1"))


def _config(kind: AssignmentType, **extra: Any) -> AssignmentConfig:
    return AssignmentConfig(
        type=kind, group_id="g1", initial_status="new lead", initial_activity="call", **extra
    )


def test_none_makes_prospects(deployed: Any) -> None:
    settings, engine = _world(deployed)
    cards = _cards(settings, [{"state": "CA"}] * 2)
    assert engine.assign(cards, AssignmentConfig(), ALWAYS_OPEN, MONDAY_NOON) == Counter({"prospect": 2})


def test_round_robin_assigns_evenly_with_the_initial_status_and_activity(deployed: Any) -> None:
    settings, engine = _world(deployed)
    cards = _cards(settings, [{"state": "CA"}] * 9 + [{"state": "NY"}] * 4)
    assert engine.assign(cards, _config(AssignmentType.round_robin), OFFICE, MONDAY_NOON) == Counter(
        {"assigned": 13}
    )
    stored = _stored(settings)
    ca = Counter(c.assignment.agent_id for c in stored if c.assignment and c.values["state"] == "CA")
    ny = Counter(c.assignment.agent_id for c in stored if c.assignment and c.values["state"] == "NY")
    assert ca == {"agent-0": 3, "agent-1": 3, "agent-2": 3}
    assert ny == {"agent-1": 2, "agent-2": 2}  # agent-0 takes only CA: the other two share NY evenly
    first = stored[0].assignment
    assert first is not None
    assert (first.work_status, first.activity[0]["type"], first.by) == ("new lead", "call", "round_robin")
    # A second run finds nothing left to assign.
    assert (
        engine.assign(_stored(settings), _config(AssignmentType.round_robin), OFFICE, MONDAY_NOON)
        == Counter()
    )


def test_outside_business_hours_cards_wait_unassigned(deployed: Any) -> None:
    settings, engine = _world(deployed)
    cards = _cards(settings, [{"state": "CA"}] * 2)
    assert engine.assign(cards, _config(AssignmentType.round_robin), OFFICE, NIGHT) == Counter(
        {"unassigned": 2}
    )
    pool = CardStore(settings).in_pool("org-a#g1#unassigned", 10, None)[0]
    assert [c.id for c in pool] == [c.id for c in cards]


def test_no_available_agent_falls_back_to_the_default_agent_else_lead_exception(deployed: Any) -> None:
    settings, engine = _world(deployed, available=False, default=True)
    cards = _cards(settings, [{"state": "CA"}])
    assert engine.assign(cards, _config(AssignmentType.round_robin), ALWAYS_OPEN, MONDAY_NOON) == Counter(
        {"default_agent": 1}
    )
    assert _stored(settings)[0].assignment.agent_id == "boss"  # type: ignore[union-attr]


def test_lead_exception_when_there_is_no_default_agent(deployed: Any) -> None:
    settings, engine = _world(deployed, available=False)
    cards = _cards(settings, [{"state": "CA"}])
    assert engine.assign(cards, _config(AssignmentType.distribute_all), ALWAYS_OPEN, MONDAY_NOON) == Counter(
        {"lead_exception": 1}
    )
    assert [c.id for c in CardStore(settings).in_pool("org-a#g1#lead_exception", 10, None)[0]] == [
        cards[0].id
    ]


def test_direct_by_email_or_user_id_else_prospect(deployed: Any) -> None:
    settings, engine = _world(deployed)
    cards = _cards(
        settings,
        [
            {"AssignToEmail": "A2@example.com"},
            {"assign_to_user_id": "u1"},
            {"AssignToEmail": "nobody@example.com"},
            {},
        ],
    )
    outcome = engine.assign(cards, _config(AssignmentType.direct), ALWAYS_OPEN, MONDAY_NOON)
    assert outcome == Counter({"assigned": 2, "prospect": 2})
    stored = _stored(settings)
    assert [c.assignment.agent_id for c in stored[:2]] == ["agent-2", "agent-1"]  # type: ignore[union-attr]


def test_direct_to_an_ineligible_agent_falls_back(deployed: Any) -> None:
    settings, engine = _world(deployed)
    cards = _cards(settings, [{"AssignToEmail": "a0@example.com", "state": "NY"}])  # agent-0 takes only CA
    assert engine.assign(cards, _config(AssignmentType.direct), ALWAYS_OPEN, MONDAY_NOON) == Counter(
        {"lead_exception": 1}
    )


def test_distribute_all_offers_the_card_to_the_eligible_agents(deployed: Any) -> None:
    settings, engine = _world(deployed)
    cards = _cards(settings, [{"state": "CA"}])
    assert engine.assign(cards, _config(AssignmentType.distribute_all), ALWAYS_OPEN, MONDAY_NOON) == Counter(
        {"available": 1}
    )
