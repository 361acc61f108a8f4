"""Round robin under parallel workers, on the emulated table: 8 workers assign 1,000 cards to 10
agents — no card assigned twice, every card assigned, counts differ by at most one."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest

from dispatch.assignment.models import Agent, Assignment, AssignmentState, Group
from dispatch.assignment.rotation import BLOCK, Assigner, CardTaken
from dispatch.assignment.store import AgentStore
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings

CARDS = 1_000  # the 10,000-card run is bench/assignment.py (moto parses every item in Python)
AGENTS = 10
WORKERS = 8


def _settings(deployed: Any) -> Settings:
    return Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)


def _team(
    settings: Settings, group_id: str = "g1", filters: dict[int, dict[str, Any]] | None = None
) -> AgentStore:
    store = AgentStore(settings)
    store.put_group(Group(id=group_id, org_id="org-a", name="Sales", created_at="t"), new=True)
    for n in range(AGENTS):
        store.create_agent(
            Agent(
                id=f"agent-{n:02d}",
                org_id="org-a",
                email=f"a{n}@example.com",
                name=f"Agent {n}",
                groups=[group_id],
                filters=(filters or {}).get(n, {}),
                created_at="t",
                updated_at="t",
            )
        )
    return store


def _cards(settings: Settings, count: int, values: dict[str, Any] | None = None) -> list[Card]:
    cards = [
        Card(
            id=f"b1-{row:07d}",
            batch_id="b1",
            org_id="org-a",
            row=row,
            values=values or {"region": "north"},
            status=CardStatus.sent,
            link_expires_at=0,
            created_at="t",
        )
        for row in range(2, count + 2)
    ]
    CardStore(settings).put_many(cards)
    return cards


def _assignment(agent_id: str) -> Assignment:
    return Assignment(state=AssignmentState.assigned, group_id="g1", agent_id=agent_id, by="round_robin")


def _make(card: Card, agent_id: str) -> Assignment:
    return _assignment(agent_id)


def test_eight_workers_assign_cards_evenly_and_once(deployed: Any, serialised_moto: None) -> None:
    settings = _settings(deployed)
    agents = _team(settings)
    cards = _cards(settings, CARDS)
    queue = [cards[start : start + BLOCK] for start in range(0, CARDS, BLOCK)]
    lock = threading.Lock()
    results: list[dict[str, str | None]] = []
    failures: list[BaseException] = []

    def work() -> None:
        assigner = Assigner(settings, agents)
        while True:
            with lock:
                if not queue:
                    return
                block = queue.pop()
            try:
                picks = assigner.round_robin([(card, card.values) for card in block], "g1", _make, None)
            except Exception as exc:  # reported below, not lost in the thread
                failures.append(exc)
                return
            with lock:
                results.append(picks)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    stored = list(CardStore(settings).all_in_batch("b1"))
    assert all(card.assignment is not None for card in stored)
    by_agent = Counter(card.assignment.agent_id for card in stored if card.assignment)
    assert sum(by_agent.values()) == CARDS
    assert max(by_agent.values()) - min(by_agent.values()) <= 1, by_agent
    picks = Counter(agent for result in results for agent in result.values())
    assert picks == by_agent  # what the workers were told is what the table holds: no card twice
    members = {m.agent_id: m.assigned for m in agents.members("g1")}
    assert members == dict(by_agent)  # the rotation counted each assignment once


def test_a_card_assigned_meanwhile_is_left_out_not_assigned_twice(deployed: Any) -> None:
    settings = _settings(deployed)
    agents = _team(settings)
    cards = _cards(settings, 3)
    assigner = Assigner(settings, agents)
    assigner.assign(cards[1], _assignment("agent-05"), None, group_id="g1")
    picks = assigner.round_robin([(card, card.values) for card in cards], "g1", _make, None)
    assert cards[1].id not in picks  # left out: another assignment got there first
    stored = {card.id: card.assignment for card in CardStore(settings).all_in_batch("b1")}
    assert stored[cards[1].id] is not None
    assert stored[cards[1].id].agent_id == "agent-05"  # untouched
    assert {stored[cards[0].id].agent_id, stored[cards[2].id].agent_id} <= {
        f"agent-{n:02d}" for n in range(10)
    }
    with pytest.raises(CardTaken):  # a second automatic assignment of an assigned card
        assigner.assign(cards[0], _assignment("agent-09"), None)


def test_eligibility_filters_keep_equally_eligible_agents_even(deployed: Any) -> None:
    """Agents 0-4 take only the north; 5-9 take anything: north cards rotate over all ten."""
    settings = _settings(deployed)
    north_only = {n: {"region": {"equals": "north"}} for n in range(5)}
    agents = _team(settings, filters=north_only)
    south = _cards(settings, 100, {"region": "south"})
    assigner = Assigner(settings, agents)
    for start in range(0, len(south), BLOCK):
        assigner.round_robin([(c, c.values) for c in south[start : start + BLOCK]], "g1", _make, None)
    by_agent = Counter(c.assignment.agent_id for c in CardStore(settings).all_in_batch("b1") if c.assignment)
    assert set(by_agent) == {f"agent-{n:02d}" for n in range(5, 10)}
    assert max(by_agent.values()) - min(by_agent.values()) <= 1
