"""An agent's assigned cards (``GET /agents/me/cards``), work recorded on them
(``POST /cards/{id}/activity``), and the ``retrieval`` schedule that takes back the ones not worked
for N days (PRODUCT §6, §7). Time is the ``clock`` fixture's: ``dispatch.clock`` reads it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest

from dispatch import clock as dispatch_clock
from dispatch import services
from dispatch.assignment.messages import Notice, parse_message
from dispatch.assignment.models import Activity, Assignment, AssignmentState, ManualAssignment
from dispatch.assignment.rotation import Assigner, queue_key
from dispatch.assignment.store import AgentStore
from dispatch.auth import caller_from_claims
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat
from dispatch.config import Settings
from local.template import REGION

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
NEXT_YEAR = datetime.now().year + 1


class Clock:
    """A wall clock that stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment

    def iso(self) -> str:
        return isoformat(self.moment)


@pytest.fixture
def clock() -> Iterator[Clock]:
    """``dispatch.clock.utcnow`` — and every ``dispatch`` module's imported copy of it — reads this
    clock (functions loaded by the runtime afterwards import it too). Request it before ``deployed``."""
    real = dispatch_clock.utcnow
    fake = Clock(real().replace(microsecond=0))
    now: Callable[[], datetime] = fake.now
    _swap(real, now)
    yield fake
    _swap(now, real)


def _swap(old: Callable[[], datetime], new: Callable[[], datetime]) -> None:
    for name, module in list(sys.modules.items()):
        if (name == "dispatch" or name.startswith("dispatch.")) and getattr(module, "utcnow", None) is old:
            vars(module)["utcnow"] = new


def _agent(n: int) -> dict[str, Any]:
    return {
        "sub": f"sub-{n}",
        "email": f"agent{n}@example.com",
        "cognito:groups": "agent",
        "custom:org_id": "org-a",
    }


@pytest.fixture(autouse=True)
def _batch(batch_record: Any) -> None:
    batch_record()  # the batch of the cards these tests write


def _settings(deployed: Any) -> Settings:
    return Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)


def _group_with_agents(deployed: Any, count: int) -> tuple[str, list[str]]:
    status, group = deployed.api("POST", "/groups", ADMIN, body={"name": "Sales"})
    assert status == 201
    ids = []
    for n in range(count):
        body = {"email": f"agent{n}@example.com", "name": f"Agent {n}", "groups": [group["id"]]}
        status, agent = deployed.api("POST", "/agents", ADMIN, body=body)
        assert status == 201, agent
        ids.append(agent["id"])
    return group["id"], ids


def _cards(deployed: Any, rows: range | list[int]) -> list[Card]:
    cards = [
        Card(
            id=f"b1-{row:07d}",
            batch_id="b1",
            org_id="org-a",
            row=row,
            values={"state": "CA"},
            status=CardStatus.sent,
            link_expires_at=0,
            created_at="t",
        )
        for row in rows
    ]
    CardStore(_settings(deployed)).put_many(cards)
    return cards


def _assign(deployed: Any, card: Card, agent_id: str) -> None:
    status, body = deployed.api("POST", f"/cards/{card.id}/assign", ADMIN, body={"agent_id": agent_id})
    assert (status, body["assignment"]["agent_id"]) == (200, agent_id), body


def _work(deployed: Any, card: Card, claims: dict[str, Any], **body: Any) -> tuple[int, Any]:
    return deployed.api("POST", f"/cards/{card.id}/activity", claims, body={"type": "call", **body})  # type: ignore[no-any-return]


def _my_cards(deployed: Any, claims: dict[str, Any], limit: int = 100) -> list[list[dict[str, Any]]]:
    """Every page of the caller's cards, following the cursor."""
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        query = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        status, body = deployed.api("GET", "/agents/me/cards", claims, query=query)
        assert status == 200, body
        pages.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def _ids(pages: list[list[dict[str, Any]]]) -> list[str]:
    return [item["id"] for page in pages for item in page]


def _pooled_at(deployed: Any, card: Card) -> str:
    table = boto3.resource("dynamodb", region_name=REGION).Table(_settings(deployed).cards_table)
    return str(table.get_item(Key={"batch_id": card.batch_id, "row": card.row})["Item"]["pooled_at"])


def _card(deployed: Any, card: Card) -> dict[str, Any]:
    status, body = deployed.api("GET", f"/cards/{card.id}", ADMIN)
    assert status == 200, body
    return body  # type: ignore[no-any-return]


# ---- my cards -------------------------------------------------------------------------------------


def test_my_cards_are_listed_least_recently_worked_first_a_page_at_a_time(
    clock: Clock, deployed: Any
) -> None:
    _, (ann, bob) = _group_with_agents(deployed, 2)
    cards = _cards(deployed, range(2, 8))
    for card in cards[:5]:
        _assign(deployed, card, ann)
        clock.advance(minutes=1)
    _assign(deployed, cards[5], bob)
    clock.advance(minutes=1)
    assert _work(deployed, cards[0], _agent(0), status="contacted")[0] == 200  # worked now: last

    pages = _my_cards(deployed, _agent(0), limit=2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert _ids(pages) == [card.id for card in [*cards[1:5], cards[0]]]
    worked = pages[-1][0]
    assert (worked["status"], worked["batch_id"], worked["assignment"]["work_status"]) == (
        "sent",
        "b1",
        "contacted",
    )
    assert worked["assignment"]["last_activity"] == {
        "at": clock.iso(),
        "type": "call",
        "by": "sub-0",
        "by_email": "agent0@example.com",
    }
    assert pages[0][0]["assignment"]["last_activity"]["type"] == "assigned"  # by hand: its initial activity
    assert _ids(_my_cards(deployed, _agent(1))) == [cards[5].id]

    status, first = deployed.api("GET", "/agents/me/cards", _agent(0), query={"limit": "1"})
    assert (status, len(first["items"])) == (200, 1)
    status, refused = deployed.api(
        "GET", "/agents/me/cards", _agent(1), query={"cursor": first["next_cursor"]}
    )
    assert (status, refused["error"]["code"]) == (400, "invalid_request")  # another agent's cursor
    assert deployed.api("GET", "/agents/me/cards", _agent(0), query={"cursor": "%%%"})[0] == 400
    assert deployed.api("GET", "/agents/me/cards", ADMIN)[0] == 403  # not an agent


# ---- recording work -------------------------------------------------------------------------------


def test_the_agent_or_an_admin_records_work_and_nobody_else(clock: Clock, deployed: Any) -> None:
    _, (ann, _bob) = _group_with_agents(deployed, 2)
    card, unassigned = _cards(deployed, [2, 3])
    _assign(deployed, card, ann)
    clock.advance(hours=3)

    status, worked = _work(deployed, card, _agent(0), status="contacted", note="left a voicemail")
    assert status == 200, worked
    assignment = worked["assignment"]
    assert (assignment["state"], assignment["agent_id"], assignment["work_status"]) == (
        "assigned",
        ann,
        "contacted",
    )
    assert assignment["activity"][0]["type"] == "assigned"  # the initial activity of the assignment
    assert assignment["activity"][1:] == [
        {
            "at": clock.iso(),
            "type": "call",
            "by": "sub-0",
            "by_email": "agent0@example.com",
            "note": "left a voicemail",
        }
    ]
    assert _pooled_at(deployed, card) == clock.iso()  # worked now

    clock.advance(hours=1)
    status, reviewed = _work(deployed, card, ADMIN, type="review")
    assert status == 200, reviewed
    assert reviewed["assignment"]["work_status"] == "contacted"  # no status given: unchanged
    assert reviewed["assignment"]["activity"][-1] == {
        "at": clock.iso(),
        "type": "review",
        "by": "sub-admin",
        "by_email": "admin@org-a.test",
    }
    assert _pooled_at(deployed, card) == clock.iso()

    status, refused = _work(deployed, card, _agent(1))
    assert (status, refused["error"]["code"]) == (403, "forbidden")  # another agent of the group
    stranger = {**ADMIN, "custom:org_id": "org-b"}
    assert _work(deployed, card, stranger)[0] == 404  # another organisation's card
    assert deployed.api("POST", "/cards/b1-0000099/activity", ADMIN, body={"type": "call"})[0] == 404
    assert deployed.api("POST", "/cards/nope/activity", ADMIN, body={"type": "call"})[0] == 404
    status, not_assigned = _work(deployed, unassigned, ADMIN)
    assert (status, not_assigned["error"]["details"]) == (409, {"assignment": None})
    assert _work(deployed, card, _agent(0), type="")[0] == 400
    assert _work(deployed, card, _agent(0), status="x" * 101)[0] == 400
    assert _work(deployed, card, _agent(0), note="x" * 1001)[0] == 400
    assert _work(deployed, card, _agent(0), extra=1)[0] == 400
    # the assignment's initial activity, the agent's and the admin's work: the refusals wrote nothing
    assert len(_card(deployed, card)["assignment"]["activity"]) == 3


def test_a_card_keeps_its_last_hundred_activity_entries(clock: Clock, deployed: Any) -> None:
    group_id, (ann,) = _group_with_agents(deployed, 1)
    [card] = _cards(deployed, [2])
    settings = _settings(deployed)
    history = [{"at": f"2020-01-01T00:00:{n:02d}.000Z", "type": f"old {n}"} for n in range(100)]
    full = Assignment(
        state=AssignmentState.assigned, group_id=group_id, agent_id=ann, by="manual", activity=history
    )
    Assigner(settings, AgentStore(settings)).assign(card, full, None)

    status, worked = _work(deployed, card, _agent(0), type="email")
    assert status == 200, worked
    activity = worked["assignment"]["activity"]
    assert len(activity) == 100
    assert (activity[0]["type"], activity[-1]["type"]) == ("old 1", "email")


def test_concurrent_work_on_one_card_is_never_lost(
    clock: Clock, deployed: Any, serialised_moto: None
) -> None:
    _, (ann,) = _group_with_agents(deployed, 1)
    [card] = _cards(deployed, [2])
    _assign(deployed, card, ann)
    service = services.assignment_service(_settings(deployed))
    start = threading.Barrier(8)
    failures: list[Exception] = []

    def work(n: int) -> None:
        start.wait()
        try:
            service.record_activity(caller_from_claims(_agent(0)), card.id, Activity(type=f"call {n}"))
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    activity = _card(deployed, card)["assignment"]["activity"]
    assert sorted(entry["type"] for entry in activity) == ["assigned"] + [f"call {n}" for n in range(8)]
    times = [entry["at"] for entry in activity]
    assert times == sorted(set(times))  # the clock stood still: each write still moved pooled_at on
    assert _pooled_at(deployed, card) == times[-1]


def test_work_on_a_card_reassigned_meanwhile_is_a_conflict(
    clock: Clock, deployed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (ann, bob) = _group_with_agents(deployed, 2)
    [card] = _cards(deployed, [2])
    _assign(deployed, card, ann)
    read = CardStore.get

    def read_then_reassign(store: CardStore, card_id: str) -> Card:
        """The service reads the card; an admin reassigns it before the work is written."""
        found = read(store, card_id)
        monkeypatch.setattr(CardStore, "get", read)
        service = services.lead_queues(_settings(deployed))
        service.assign(caller_from_claims(ADMIN), card_id, ManualAssignment(agent_id=bob))
        return found

    monkeypatch.setattr(CardStore, "get", read_then_reassign)
    status, refused = _work(deployed, card, _agent(0))
    assert (status, refused["error"]["code"], refused["error"]["details"]) == (
        409,
        "conflict",
        {"assignment": "assigned"},
    )
    stored = _card(deployed, card)["assignment"]
    # Reassigned, the card keeps its work; Ann's was not written.
    assert (stored["agent_id"], [entry["type"] for entry in stored["activity"]]) == (bob, ["assigned"])
    assert _work(deployed, card, _agent(0))[0] == 403  # no longer hers
    assert _work(deployed, card, _agent(1))[0] == 200


# ---- retrieval ------------------------------------------------------------------------------------


def _retrieval(deployed: Any, idle_days: int) -> dict[str, Any]:
    """A daily retrieval starting next year: it runs when the test fires it."""
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR + 1}-01-10T06:00", "frequency": "daily"}
    body = {"name": "Take back", "config": {"kind": "retrieval", "idle_days": idle_days}, "when": when}
    status, schedule = deployed.api("POST", "/schedules", ADMIN, body=body)
    assert status == 201, schedule
    return schedule  # type: ignore[no-any-return]


def _fire(deployed: Any, schedule: dict[str, Any], clock: Clock) -> dict[str, Any]:
    event = {"org_id": "org-a", "schedule_id": schedule["id"], "scheduled_time": clock.iso()}
    return deployed.invoke("ScheduleFunction", event)["run"]  # type: ignore[no-any-return]


def _would(deployed: Any, schedule: dict[str, Any]) -> dict[str, Any]:
    status, preview = deployed.api("GET", f"/schedules/{schedule['id']}/preview", ADMIN)
    assert status == 200, preview
    return preview["would"]  # type: ignore[no-any-return]


def test_a_retrieval_returns_idle_cards_to_the_group_to_be_claimed_again(clock: Clock, deployed: Any) -> None:
    group_id, (ann, bob, _) = _group_with_agents(deployed, 3)
    cards = _cards(deployed, range(2, 7))
    for card in cards:
        _assign(deployed, card, ann)
    assert _work(deployed, cards[0], _agent(0), status="no answer")[0] == 200  # worked, then idle
    clock.advance(days=6)
    for card in cards[3:]:
        assert _work(deployed, card, _agent(0), status="interested")[0] == 200  # worked recently
    clock.advance(days=2)
    rotation = deployed.api("GET", f"/groups/{group_id}", ADMIN)[1]["rotation"]
    schedule = _retrieval(deployed, idle_days=7)

    would = _would(deployed, schedule)
    assert (would["action"], would["cards"], would["idle_before"]) == (
        "retrieval",
        3,
        isoformat(clock.now() - timedelta(days=7)),
    )
    assert len(_ids(_my_cards(deployed, _agent(0)))) == 5  # a preview writes nothing

    run = _fire(deployed, schedule, clock)
    assert (run["outcome"], run["cards"]) == ("completed", 3), run
    assert run["detail"] == "3 card(s) not worked for 7 days returned to the pool"
    assert deployed.api("GET", f"/schedules/{schedule['id']}", ADMIN)[1]["last_run"]["cards"] == 3
    assert _ids(_my_cards(deployed, _agent(0))) == [card.id for card in cards[3:]]
    idle = [card.id for card in cards[:3]]
    for claims in (_agent(1), _agent(2)):
        assert [c["id"] for c in deployed.api("GET", "/agents/me/available", claims)[1]["items"]] == idle
    returned = _card(deployed, cards[0])["assignment"]
    assert {key: returned[key] for key in ("state", "group_id", "agent_id", "by", "at", "reason")} == {
        "state": "available",
        "group_id": group_id,
        "agent_id": None,
        "by": "retrieval",
        "at": clock.iso(),
        "reason": "retrieved after 7 idle days",
    }
    assert (returned["retrieved_from"], returned["work_status"]) == (ann, "no answer")
    assert [entry["type"] for entry in returned["activity"]] == ["assigned", "call"]  # the history stays
    assert deployed.api("GET", f"/groups/{group_id}", ADMIN)[1]["rotation"] == rotation  # untouched

    status, claimed = deployed.api("POST", f"/cards/{cards[0].id}/claim", _agent(1))
    assert (status, claimed["assignment"]["state"], claimed["assignment"]["agent_id"]) == (
        200,
        "assigned",
        bob,
    )
    # Claimed, it starts again with the initial status and activity, after its history.
    assert claimed["assignment"]["work_status"] == "new"
    assert [entry["type"] for entry in claimed["assignment"]["activity"]] == ["assigned", "call", "assigned"]
    assert _ids(_my_cards(deployed, _agent(1))) == [cards[0].id]
    assert [c["id"] for c in deployed.api("GET", "/agents/me/available", _agent(2))[1]["items"]] == idle[1:]

    clock.advance(hours=1)
    again = _fire(deployed, schedule, clock)
    assert (again["outcome"], again["cards"]) == ("nothing_to_do", 0)
    assert _would(deployed, schedule)["cards"] == 0
    assert _ids(_my_cards(deployed, _agent(0))) == [card.id for card in cards[3:]]


def test_a_retrieved_card_without_a_group_goes_to_lead_exception(clock: Clock, deployed: Any) -> None:
    status, loner = deployed.api(
        "POST", "/agents", ADMIN, body={"email": "agent0@example.com", "name": "Lone"}
    )
    assert status == 201, loner
    [card] = _cards(deployed, [2])
    _assign(deployed, card, loner["id"])
    clock.advance(days=3)
    body = {"name": "Take back now", "config": {"kind": "retrieval", "idle_days": 2}}
    status, done = deployed.api("POST", "/schedules", ADMIN, body=body)  # immediately
    assert (status, done["last_run"]["outcome"], done["last_run"]["cards"]) == (201, "completed", 1)
    returned = _card(deployed, card)["assignment"]
    assert (returned["state"], returned["group_id"], returned["retrieved_from"]) == (
        "lead_exception",
        None,
        loner["id"],
    )
    queue, _ = CardStore(_settings(deployed)).in_pool(
        queue_key("org-a", AssignmentState.lead_exception), 10, None
    )
    assert [c.id for c in queue] == [card.id]
    assert _ids(_my_cards(deployed, _agent(0))) == []


def test_a_card_worked_while_the_retrieval_runs_is_left_alone(
    clock: Clock, deployed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, (ann,) = _group_with_agents(deployed, 1)
    busy, idle = _cards(deployed, [2, 3])
    for card in (busy, idle):
        _assign(deployed, card, ann)
    clock.advance(days=8)
    schedule = _retrieval(deployed, idle_days=7)
    write = CardStore.return_to_pool

    def worked_first(store: CardStore, card: Card, *args: Any, **kwargs: Any) -> bool:
        """The agent works ``busy`` after the retrieval read it as idle, before it is written."""
        if card.id == busy.id:
            service = services.assignment_service(_settings(deployed))
            service.record_activity(caller_from_claims(_agent(0)), card.id, Activity(type="call"))
        return write(store, card, *args, **kwargs)

    monkeypatch.setattr(CardStore, "return_to_pool", worked_first)
    run = _fire(deployed, schedule, clock)
    assert (run["outcome"], run["cards"]) == ("completed", 1), run
    assert run["detail"].endswith("; 1 worked or reassigned meanwhile, left alone")
    assert _ids(_my_cards(deployed, _agent(0))) == [busy.id]
    assert _card(deployed, idle)["assignment"]["state"] == "available"


def test_a_retrieved_card_nobody_in_its_group_can_take_goes_to_the_default_agent_else_lead_exception(
    clock: Clock, deployed: Any
) -> None:
    group_id, (ann, bob) = _group_with_agents(deployed, 2)
    status, boss = deployed.api("POST", "/agents", ADMIN, body={"email": "boss@example.com", "name": "Boss"})
    assert status == 201, boss
    first, second = _cards(deployed, [2, 3])
    _assign(deployed, first, ann)
    clock.advance(days=3)
    for agent in (ann, bob):  # nobody of the group is available now
        body = {**deployed.api("GET", f"/agents/{agent}", ADMIN)[1], "available": False}
        body = {key: body[key] for key in ("email", "name", "groups", "available")}
        assert deployed.api("PUT", f"/agents/{agent}", ADMIN, body=body)[0] == 200
    assert deployed.api("PUT", f"/groups/{group_id}", ADMIN, body={"name": "Sales"})[0] == 200
    run = _fire(deployed, _retrieval(deployed, idle_days=2), clock)
    assert (run["outcome"], run["cards"]) == ("completed", 1)
    returned = _card(deployed, first)["assignment"]
    assert (returned["state"], returned["group_id"], returned["agent_id"]) == (
        "lead_exception",
        group_id,
        None,
    )
    assert (
        returned["reason"] == "retrieved after 2 idle days; no agent of its group is available and eligible"
    )

    body = {"name": "Sales", "default_agent_id": boss["id"]}
    assert deployed.api("PUT", f"/groups/{group_id}", ADMIN, body=body)[0] == 200
    _assign(deployed, second, bob)
    sqs, url = deployed.client("sqs"), _settings(deployed).agent_queue_url
    sqs.purge_queue(QueueUrl=url)
    clock.advance(days=3)
    run = _fire(deployed, _retrieval(deployed, idle_days=2), clock)
    assert (run["outcome"], run["cards"]) == ("completed", 1)
    returned = _card(deployed, second)["assignment"]
    assert (returned["state"], returned["agent_id"], returned["retrieved_from"]) == (
        "assigned",
        boss["id"],
        bob,
    )
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert parse_message(message["Body"]) == Notice(
        kind="assigned", card_id=second.id, agent_id=boss["id"], at=clock.iso()
    )
    boss_claims = {**_agent(0), "sub": "sub-boss", "email": "boss@example.com"}
    assert _ids(_my_cards(deployed, boss_claims)) == [second.id]
