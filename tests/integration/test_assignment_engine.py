"""Each assignment type, its fallback and business hours, on the emulated tables."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dispatch import aws, services
from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.hours import ALWAYS_OPEN, BusinessHours
from dispatch.assignment.messages import AgentQueue
from dispatch.assignment.models import (
    Agent,
    Assignment,
    AssignmentConfig,
    AssignmentState,
    AssignmentType,
    Group,
)
from dispatch.assignment.prospects import ProspectBlocks
from dispatch.assignment.rotation import Assigner
from dispatch.assignment.store import AgentStore
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings
from local.stack import ROOT

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
    return settings, AssignmentEngine(store, Assigner(settings, store), AgentQueue(settings))


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
    pool = CardStore(settings).in_pool("org-a#unassigned", 10, None)[0]
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
    assert [c.id for c in CardStore(settings).in_pool("org-a#lead_exception", 10, None)[0]] == [cards[0].id]


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


def _sent_batch(
    deployed: Any, s3_event: Any, assignment: dict[str, Any], hours: dict[str, Any] | None = None
) -> tuple[Settings, str, dict[str, Any]]:
    """A six-card batch of a round-robin process, generated and sent; the send step's outcome."""
    admin = {
        "sub": "sub-admin",
        "email": "admin@org-a.test",
        "cognito:groups": "admin",
        "custom:org_id": "org-a",
    }
    if hours is not None:
        deployed.api("PUT", "/organisation", admin, body={"name": "Org A", "business_hours": hours})
    _, group = deployed.api("POST", "/groups", admin, body={"name": "Sales"})
    for n in range(2):
        deployed.api(
            "POST",
            "/agents",
            admin,
            body={"email": f"a{n}@example.com", "name": f"A{n}", "groups": [group["id"]]},
        )
    body = {
        **json.loads((ROOT / "examples" / "process.json").read_text()),
        "approval_required": False,
        "assignment": {**assignment, "group_id": group["id"]},
    }
    status, process = deployed.api("POST", "/processes", admin, body=body)
    assert status == 201, process
    bad = {**body, "assignment": {"type": "round_robin", "group_id": "nope"}}
    assert deployed.api("POST", "/processes", admin, body=bad)[0] == 400
    deployed.api("POST", f"/processes/{process['id']}/publish", admin)
    rows = "first_name,email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(6))
    key = f"drop/{process['id']}/list.csv"
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=rows.encode())
    [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(rows)))["batches"]
    step = {"batch_id": handled["batch_id"], "org_id": "org-a"}
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("SendFunction")].environment)
    settings = settings.model_copy(update={"email_rate_per_second": 2000.0})
    [chunk] = services.batch_service(settings).batches.get("org-a", handled["batch_id"]).chunks
    deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
    deployed.invoke("LifecycleFunction", {**step, "action": "start_sending"})
    outcome = services.workflow(settings).send(
        "org-a", handled["batch_id"], chunk, lambda b: services.chunk_sender(b, settings)
    )
    return settings, handled["batch_id"], outcome


def test_sending_a_batch_assigns_its_delivered_cards(deployed: Any, s3_event: Any) -> None:
    settings, batch_id, outcome = _sent_batch(
        deployed, s3_event, {"type": "round_robin", "initial_status": "new"}
    )
    assert (outcome["sent"], outcome["assignment"]) == (6, {"assigned": 6})
    cards = list(CardStore(settings).all_in_batch(batch_id))
    assert Counter(c.assignment.agent_id for c in cards if c.assignment).most_common()[0][1] == 3
    assert {c.assignment.work_status for c in cards if c.assignment} == {"new"}


def test_cards_sent_after_hours_wait_and_are_drained_when_hours_open(deployed: Any, s3_event: Any) -> None:
    today = datetime.now(UTC).date()
    every_day = {
        day: [{"start": "00:00", "end": "24:00"}] for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
    }
    hours = {"timezone": "UTC", "weekly": every_day, "holidays": [today.isoformat()]}  # closed all of today
    settings, batch_id, outcome = _sent_batch(deployed, s3_event, {"type": "round_robin"}, hours)
    assert outcome["assignment"] == {"unassigned": 6}
    drain = services.unassigned_drain(settings)
    assert drain.run(datetime.now(UTC)) == Counter()  # still closed: nothing moves
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=9
    )
    assert drain.run(tomorrow) == Counter({"assigned": 6})
    cards = list(CardStore(settings).all_in_batch(batch_id))
    assert {c.assignment.state.value for c in cards if c.assignment} == {"assigned"}
    assert drain.run(tomorrow) == Counter()  # the batch's mark is gone


def test_cards_queued_for_a_process_that_stopped_assigning_become_prospects(deployed: Any) -> None:
    settings, engine = _world(deployed)
    cards = _cards(settings, [{"state": "CA"}] * 2)
    assert engine.assign(cards, _config(AssignmentType.round_robin), OFFICE, NIGHT) == Counter(
        {"unassigned": 2}
    )
    drained = engine.assign(
        _stored(settings), AssignmentConfig(), ALWAYS_OPEN, MONDAY_NOON, waiting_in=AssignmentState.unassigned
    )
    assert drained == Counter({"prospect": 2})
    assert {c.assignment.state for c in _stored(settings) if c.assignment} == {AssignmentState.prospect}
    # Out of the Unassigned queue's index, and listed by their block instead.
    store = CardStore(settings)
    assert store.in_pool("org-a#unassigned", 10, None)[0] == []
    listed, _ = ProspectBlocks(settings).page("org-a", store, 10, None, keep=lambda card: True)
    assert sorted(card.id for card in listed) == sorted(card.id for card in cards)


def test_a_mark_stays_until_it_is_unchanged_and_a_minute_old(deployed: Any) -> None:
    settings, _ = _world(deployed)
    store = AgentStore(settings)
    store.mark_waiting("org-a", "b1", NIGHT)
    [seen] = store.waiting()
    assert not store.drained(seen, NIGHT + timedelta(seconds=30))  # the index may not list its cards yet
    store.mark_waiting("org-a", "b1", NIGHT)  # another sender queued more meanwhile
    assert not store.drained(seen, NIGHT + timedelta(minutes=5))
    [again] = store.waiting()
    assert again.version == seen.version + 1
    assert store.drained(again, NIGHT + timedelta(minutes=5))
    assert store.waiting() == []


def test_a_transaction_cancelled_by_a_conflict_is_retried_not_taken(
    deployed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _ = _world(deployed)
    [card] = _cards(settings, [{"state": "CA"}])
    client = aws.client("dynamodb")
    real = client.transact_write_items
    calls = {"n": 0}

    def conflict_once(**kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [{"Code": "TransactionConflict"}],
                },
                "TransactWriteItems",
            )
        return real(**kwargs)

    monkeypatch.setattr(client, "transact_write_items", conflict_once)
    assignment = Assignment(state=AssignmentState.assigned, agent_id="agent-1", at="t")
    Assigner(settings, AgentStore(settings)).assign(card, assignment, None, group_id="g1")  # with the rank
    assert calls["n"] == 2
    assert _stored(settings)[0].assignment.agent_id == "agent-1"  # type: ignore[union-attr]
