"""The lead queues over the API (issue 15 items 2 and 6): prospects, Lead Exception, Unassigned,
offered and claimable cards listed organisation-wide (newest first, full pages, filters and a
search), and moved out by hand — assigned (with the setting's initial status and activity),
returned to the pool (the engine again), made claimable — each refused when the card moved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from dispatch import clock
from dispatch.assignment.models import Assignment, AssignmentConfig, AssignmentState, AssignmentType
from dispatch.assignment.rotation import Assigner
from dispatch.assignment.store import AgentStore
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
SENDER = {**ADMIN, "sub": "sub-s", "email": "s@org-a.test", "cognito:groups": "sender"}
AGENT = {"sub": "sub-0", "email": "agent0@example.com", "cognito:groups": "agent", "custom:org_id": "org-a"}
START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
NAMES = ["Ada Lovelace", "Bo Diddley", "Cy Twombly", "Dee Dee Ramone", "Ed Wood", "Flo Jo"]


def _settings(deployed: Any) -> Settings:
    return Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)


def _queued(
    deployed: Any, batch_id: str, rows: range, state: AssignmentState, group_id: str | None = None
) -> list[Card]:
    """Cards of a batch put in a queue one second apart (row order: the last is the newest)."""
    settings = _settings(deployed)
    cards = [
        Card(
            id=f"{batch_id}-{row:07d}",
            batch_id=batch_id,
            org_id="org-a",
            row=row,
            values={"name": NAMES[row % len(NAMES)], "state": "CA"},
            email=f"lead{row}@example.com",
            status=CardStatus.delivered,
            link_expires_at=0,
            created_at="t",
        )
        for row in rows
    ]
    CardStore(settings).put_many(cards)
    assigner = Assigner(settings, AgentStore(settings))
    for card in cards:
        moment = START + timedelta(seconds=card.row)
        with clock.scoped(lambda moment=moment: moment):  # type: ignore[misc]
            assigner.assign(card, Assignment(state=state, group_id=group_id, at=clock.now_iso()), None)
    return cards


def _pages(deployed: Any, claims: dict[str, Any], **query: str) -> list[list[str]]:
    """Every page of a queue listing, following the cursor."""
    pages: list[list[str]] = []
    cursor: str | None = None
    while True:
        status, body = deployed.api(
            "GET", "/cards", claims, query={**query, **({"cursor": cursor} if cursor else {})}
        )
        assert status == 200, body
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def _listed(pages: list[list[str]]) -> list[str]:
    return [card_id for page in pages for card_id in page]


def _group(deployed: Any, agents: int, **extra: Any) -> tuple[str, list[str]]:
    status, group = deployed.api("POST", "/groups", ADMIN, body={"name": "Sales"})
    assert status == 201
    ids = []
    for n in range(agents):
        body = {"email": f"agent{n}@example.com", "name": f"Agent {n}", "groups": [group["id"]], **extra}
        status, agent = deployed.api("POST", "/agents", ADMIN, body=body)
        assert status == 201, agent
        ids.append(agent["id"])
    return group["id"], ids


def test_a_queue_is_listed_newest_first_in_full_pages_filtered_and_searched(
    deployed: Any, batch_record: Callable[..., Any]
) -> None:
    batch_record("b1")
    batch_record("b2")
    first = _queued(deployed, "b1", range(2, 8), AssignmentState.prospect)
    second = _queued(deployed, "b2", range(10, 16), AssignmentState.prospect, group_id="g9")
    exceptions = _queued(deployed, "b2", range(20, 22), AssignmentState.lead_exception)
    newest_first = [card.id for card in reversed(first + second)]

    pages = _pages(deployed, SENDER, queue="prospects", limit="5")
    assert [len(page) for page in pages] == [5, 5, 2]
    assert _listed(pages) == newest_first
    # Filtered: every page holds `limit` cards unless it is the last.
    pages = _pages(deployed, SENDER, queue="prospects", batch_id="b1", limit="4")
    assert pages == [[c.id for c in reversed(first)][:4], [c.id for c in reversed(first)][4:]]
    assert _listed(_pages(deployed, SENDER, queue="prospects", process_id="p-b2", limit="4")) == [
        c.id for c in reversed(second)
    ]
    assert _listed(_pages(deployed, SENDER, queue="prospects", group_id="g9", limit="100")) == [
        c.id for c in reversed(second)
    ]
    # A search over the card's values and addresses, any case.
    assert _listed(_pages(deployed, SENDER, queue="prospects", q="lovelace")) == [
        "b2-0000012",
        "b1-0000006",
    ]
    assert _listed(_pages(deployed, SENDER, queue="prospects", q="LEAD3@EXAMPLE")) == ["b1-0000003"]
    assert _listed(_pages(deployed, SENDER, queue="lead_exception")) == [c.id for c in reversed(exceptions)]
    assert _pages(deployed, SENDER, queue="unassigned") == [[]]

    body = deployed.api("GET", "/cards", SENDER, query={"queue": "prospects", "limit": "1"})[1]
    item = body["items"][0]
    assert (item["batch_id"], item["values"]["name"], item["assignment"]["state"]) == (
        "b2",
        NAMES[15 % len(NAMES)],
        "prospect",
    )
    assert deployed.api("GET", "/cards", SENDER, query={"queue": "nowhere"})[0] == 400
    assert deployed.api("GET", "/cards", AGENT, query={"queue": "prospects"})[0] == 403
    other_org = {**SENDER, "custom:org_id": "org-b"}
    assert _pages(deployed, other_org, queue="prospects") == [[]]


def test_a_prospect_assigned_by_hand_starts_with_the_initial_status_and_activity(
    deployed: Any, batch_record: Callable[..., Any]
) -> None:
    batch_record("b1", process=AssignmentConfig(initial_status="fresh", initial_activity="handed over"))
    _, [ann] = _group(deployed, 1)
    [card] = _queued(deployed, "b1", range(2, 3), AssignmentState.prospect)
    status, assigned = deployed.api("POST", f"/cards/{card.id}/assign", SENDER, body={"agent_id": ann})
    assert status == 200, assigned
    work = assigned["assignment"]
    assert (work["state"], work["agent_id"], work["work_status"]) == ("assigned", ann, "fresh")
    assert [entry["type"] for entry in work["activity"]] == ["handed over"]
    assert _pages(deployed, SENDER, queue="prospects") == [[]]


def test_a_card_is_moved_out_of_a_queue_by_the_rotation_rules(
    deployed: Any, batch_record: Callable[..., Any]
) -> None:
    group_id, [ann, bob] = _group(deployed, 2, filters={"state": {"equals": "CA"}})
    setting = AssignmentConfig(type=AssignmentType.round_robin, group_id=group_id, initial_status="hot")
    batch_record("b1", process=setting)
    batch_record("b2")  # assigns to nobody
    exceptions = _queued(deployed, "b1", range(2, 5), AssignmentState.lead_exception, group_id=group_id)
    [prospect] = _queued(deployed, "b2", range(2, 3), AssignmentState.prospect)

    # Returned to the pool: the batch's setting, the rotation (one each), the initial status.
    picked = []
    for card in exceptions[:2]:
        status, moved = deployed.api("POST", f"/cards/{card.id}/redistribute", SENDER)
        assert status == 200, moved
        assert (moved["assignment"]["state"], moved["assignment"]["work_status"]) == ("assigned", "hot")
        picked.append(moved["assignment"]["agent_id"])
    assert sorted(picked) == sorted([ann, bob])
    status, refused = deployed.api("POST", f"/cards/{exceptions[0].id}/redistribute", SENDER)
    assert (status, refused["error"]["details"]) == (409, {"assignment": "assigned"})  # not queued now
    status, refused = deployed.api("POST", f"/cards/{prospect.id}/redistribute", SENDER)
    assert status == 409
    assert "assigns to nobody" in refused["error"]["message"]

    # Made claimable by the group: refused while nobody of it is available.
    for agent_id, n in ((ann, 0), (bob, 1)):
        body = {"email": f"agent{n}@example.com", "name": f"Agent {n}", "groups": [group_id]}
        body["available"] = False
        assert deployed.api("PUT", f"/agents/{agent_id}", ADMIN, body=body)[0] == 200
    last = exceptions[2]
    status, refused = deployed.api("POST", f"/cards/{last.id}/release", SENDER, body={})
    assert (status, refused["error"]["details"]["group_id"]) == (409, group_id)
    assert deployed.api("PUT", "/agents/me/availability", AGENT, body={"available": True})[0] == 200
    status, released = deployed.api("POST", f"/cards/{last.id}/release", SENDER, body={})
    assert (status, released["assignment"]["state"], released["assignment"]["group_id"]) == (
        200,
        "available",
        group_id,
    )
    assert _listed(_pages(deployed, SENDER, queue="available")) == [last.id]
    assert [c["id"] for c in deployed.api("GET", "/agents/me/available", AGENT)[1]["items"]] == [last.id]
    status, claimed = deployed.api("POST", f"/cards/{last.id}/claim", AGENT)
    assert (status, claimed["assignment"]["agent_id"], claimed["assignment"]["work_status"]) == (
        200,
        ann,
        "hot",
    )
    assert deployed.api("POST", f"/cards/{last.id}/release", SENDER, body={})[0] == 409  # taken
    assert deployed.api("POST", "/cards/b9-0000002/assign", SENDER, body={"agent_id": ann})[0] == 404


def test_a_batchs_own_setting_wins_over_its_processs(deployed: Any, batch_record: Callable[..., Any]) -> None:
    group_id, [ann] = _group(deployed, 1)
    own = AssignmentConfig(type=AssignmentType.round_robin, group_id=group_id, initial_status="batch's")
    batch_record("b1", batch=own)  # its process assigns to nobody
    [card] = _queued(deployed, "b1", range(2, 3), AssignmentState.lead_exception)
    status, moved = deployed.api("POST", f"/cards/{card.id}/redistribute", SENDER)
    assert status == 200, moved
    work = moved["assignment"]
    assert (work["state"], work["agent_id"], work["work_status"]) == ("assigned", ann, "batch's")
