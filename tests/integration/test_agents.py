"""Agents and groups over the API; cards offered to every eligible agent and claimed (first wins,
also with 20 concurrent claimers); manual assignment moving the rotation."""

from __future__ import annotations

import base64
import threading
from collections import Counter
from typing import Any

import pytest

from dispatch import services
from dispatch.assignment.messages import Notice, parse_message
from dispatch.assignment.models import Assignment, AssignmentState
from dispatch.assignment.rotation import Assigner
from dispatch.assignment.store import AgentStore
from dispatch.auth import caller_from_claims
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}


def _agent_claims(n: int) -> dict[str, Any]:
    return {
        "sub": f"sub-{n}",
        "email": f"agent{n}@example.com",
        "cognito:groups": "agent",
        "custom:org_id": "org-a",
    }


def _settings(deployed: Any) -> Settings:
    return Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)


def _group_with_agents(deployed: Any, count: int, **extra: Any) -> tuple[str, list[dict[str, Any]]]:
    status, group = deployed.api("POST", "/groups", ADMIN, body={"name": "Sales"})
    assert status == 201
    agents = []
    for n in range(count):
        body = {"email": f"agent{n}@example.com", "name": f"Agent {n}", "groups": [group["id"]], **extra}
        status, agent = deployed.api("POST", "/agents", ADMIN, body=body)
        assert status == 201, agent
        agents.append(agent)
    return group["id"], agents


@pytest.fixture(autouse=True)
def _batch(batch_record: Any) -> None:
    batch_record()  # the batch of the cards these tests write


def _offered_card(deployed: Any, group_id: str, row: int = 2, values: dict[str, Any] | None = None) -> Card:
    settings = _settings(deployed)
    card = Card(
        id=f"b1-{row:07d}",
        batch_id="b1",
        org_id="org-a",
        row=row,
        values=values or {"state": "CA"},
        status=CardStatus.sent,
        link_expires_at=0,
        created_at="t",
    )
    CardStore(settings).put_many([card])
    offer = Assignment(state=AssignmentState.available, group_id=group_id, by="distribute_all")
    Assigner(settings, AgentStore(settings)).assign(card, offer, None)
    return card


def test_agents_and_groups_are_managed_by_admins_and_scoped(deployed: Any) -> None:
    group_id, [agent] = _group_with_agents(
        deployed, 1, filters={"state": {"in": ["CA", "NV"]}}, work_phone="+14155550100"
    )
    assert agent["filters"] == {"state": {"in": ["CA", "NV"]}}
    status, _dup = deployed.api(
        "POST", "/agents", ADMIN, body={"email": "AGENT0@example.com", "name": "Twin"}
    )
    assert status == 409  # the login email is unique in the organisation
    assert (
        deployed.api("POST", "/agents", _agent_claims(0), body={"email": "x@example.com", "name": "X"})[0]
        == 403
    )
    status, _ = deployed.api(
        "POST", "/agents", ADMIN, body={"email": "y@example.com", "name": "Y", "groups": ["nope"]}
    )
    assert status == 400
    body = {"email": "agent0@example.com", "name": "Agent Zero", "groups": [group_id], "available": False}
    status, replaced = deployed.api("PUT", f"/agents/{agent['id']}", ADMIN, body=body)
    assert (status, replaced["name"], replaced["available"]) == (200, "Agent Zero", False)
    status, group = deployed.api("GET", f"/groups/{group_id}", ADMIN)
    assert group["rotation"] == [{"agent_id": agent["id"], "available": False, "assigned": 0}]
    assert deployed.api("PUT", "/agents/me/availability", _agent_claims(0), body={"available": True})[1][
        "available"
    ]
    assert deployed.api("DELETE", f"/groups/{group_id}", ADMIN)[0] == 409  # it still has an agent
    stranger = {**ADMIN, "custom:org_id": "org-b"}
    assert deployed.api("GET", f"/agents/{agent['id']}", stranger)[0] == 404
    assert deployed.api("DELETE", f"/agents/{agent['id']}", ADMIN)[0] == 204
    assert deployed.api("DELETE", f"/groups/{group_id}", ADMIN)[0] == 204


def test_an_agent_is_its_user_not_whoever_presents_its_email(deployed: Any) -> None:
    """An agent without a user is linked to the user who first signs in with its login email; from
    then on only that user id is the agent, whatever email the token carries."""
    group_id, [agent] = _group_with_agents(deployed, 1)
    first = _agent_claims(0)
    status, me = deployed.api("PUT", "/agents/me/availability", first, body={"available": True})
    assert (status, me["id"]) == (200, agent["id"])
    impostor = {**first, "sub": "sub-impostor"}  # another user whose email claim reads the same
    status, refused = deployed.api("GET", "/agents/me/cards", impostor)
    assert (status, refused.get("error", {}).get("message")) == (403, "this agent belongs to another user")
    assert me["user_id"] == "sub-0"
    assert deployed.api("GET", "/agents/me/cards", {**first, "email": "renamed@example.com"})[0] == 200
    edit = {"email": "agent0@example.com", "name": "Agent Zero", "groups": [group_id]}  # user_id left out
    assert deployed.api("PUT", f"/agents/{agent['id']}", ADMIN, body=edit)[1]["user_id"] == "sub-0"
    assert deployed.api("GET", "/agents/me/cards", impostor)[0] == 403
    relinked = deployed.api("PUT", f"/agents/{agent['id']}", ADMIN, body={**edit, "user_id": "sub-new"})
    assert (relinked[0], relinked[1]["user_id"]) == (200, "sub-new")  # an admin moves the agent
    assert deployed.api("GET", "/agents/me/cards", {**first, "sub": "sub-new"})[0] == 200
    assert deployed.api("GET", "/agents/me/cards", first)[0] == 403

    named = {"email": "bo@example.com", "name": "Bo", "user_id": "sub-bo"}  # the admin names the user
    assert deployed.api("POST", "/agents", ADMIN, body=named)[0] == 201
    bo_email_only = {**first, "sub": "sub-other", "email": "BO@example.com"}
    assert deployed.api("GET", "/agents/me/cards", bo_email_only)[0] == 403
    assert deployed.api("GET", "/agents/me/cards", {**first, "sub": "sub-bo"})[0] == 200


def test_the_agent_role_opens_the_agent_routes_only_and_staff_are_agents_only_when_linked(
    deployed: Any,
) -> None:
    """An agent-only user calls the agent routes and no staff route (403 naming the role); a sender
    whose email is an agent's login email is not that agent (its email alone links nothing), but a
    staff user linked to an agent record by user id is the agent."""
    group_id, [agent, other] = _group_with_agents(deployed, 2)
    only_agent = _agent_claims(0)
    assert deployed.api("GET", "/agents/me/cards", only_agent)[0] == 200
    for method, path in [("GET", "/batches"), ("GET", "/agents"), ("GET", f"/groups/{group_id}")]:
        status, refused = deployed.api(method, path, only_agent)
        assert (status, refused["error"]["details"]) == (403, {"required_role": "sender"}), path
    sender_with_agent_email = {**_agent_claims(1), "cognito:groups": "sender"}
    status, refused = deployed.api("GET", "/agents/me/cards", sender_with_agent_email)
    assert (status, refused["error"]["details"]) == (403, {"required_role": "agent"})
    assert deployed.api("GET", f"/agents/{other['id']}", ADMIN)[1]["user_id"] is None  # nothing linked
    linked = {**agent, "user_id": "sub-admin"}
    edit = {key: linked[key] for key in ("email", "name", "groups", "user_id")}
    assert deployed.api("PUT", f"/agents/{agent['id']}", ADMIN, body=edit)[0] == 200
    assert deployed.api("GET", "/agents/me/cards", ADMIN)[0] == 200  # an admin who is also this agent


def test_eligible_agents_see_an_offered_card_and_the_first_claim_wins(deployed: Any) -> None:
    group_id, _ = _group_with_agents(deployed, 2)
    status, _picky = deployed.api(
        "POST",
        "/agents",
        ADMIN,
        body={
            "email": "agent2@example.com",
            "name": "Picky",
            "groups": [group_id],
            "filters": {"state": {"equals": "TX"}},
        },
    )
    assert status == 201
    card = _offered_card(deployed, group_id)
    assert [c["id"] for c in deployed.api("GET", "/agents/me/available", _agent_claims(0))[1]["items"]] == [
        card.id
    ]
    assert deployed.api("GET", "/agents/me/available", _agent_claims(2))[1]["items"] == []  # not eligible
    assert deployed.api("POST", f"/cards/{card.id}/claim", _agent_claims(2))[0] == 403
    status, claimed = deployed.api("POST", f"/cards/{card.id}/claim", _agent_claims(1))
    assert (status, claimed["assignment"]["state"], claimed["assignment"]["by"]) == (200, "assigned", "claim")
    status, late = deployed.api("POST", f"/cards/{card.id}/claim", _agent_claims(0))
    assert (status, late["error"]["details"]) == (409, {"assignment": "assigned"})
    assert late["error"]["message"] == "another agent has this card now"  # the loser is told why
    again = deployed.api("POST", f"/cards/{card.id}/claim", _agent_claims(1))[1]
    assert again["error"]["message"] == "you have this card already"
    assert deployed.api("GET", "/agents/me/available", _agent_claims(0))[1]["items"] == []


def test_only_available_eligible_agents_list_and_claim_and_a_refusal_says_why(deployed: Any) -> None:
    """Availability and eligibility filters hold for listing and for claiming (issue 15 item 3); a
    claimed card starts with its batch's initial status and activity (item 2)."""
    group_id, [_, bob] = _group_with_agents(deployed, 2)
    _, elsewhere = deployed.api("POST", "/groups", ADMIN, body={"name": "Elsewhere"})
    outsider = {"email": "agent2@example.com", "name": "Outsider", "groups": [elsewhere["id"]]}
    picky: dict[str, Any] = {"email": "agent3@example.com", "name": "Picky", "groups": [group_id]}
    assert deployed.api("POST", "/agents", ADMIN, body=outsider)[0] == 201
    picky["filters"] = {"state": {"equals": "TX"}}
    assert deployed.api("POST", "/agents", ADMIN, body=picky)[0] == 201
    card = _offered_card(deployed, group_id)
    off = deployed.api("PUT", "/agents/me/availability", _agent_claims(0), body={"available": False})
    assert (off[0], off[1]["available"]) == (200, False)

    status, refused = deployed.api("GET", "/agents/me/available", _agent_claims(0))
    assert (status, refused["error"]["details"]) == (409, {"available": False})
    assert "unavailable" in refused["error"]["message"]
    status, refused = deployed.api("POST", f"/cards/{card.id}/claim", _agent_claims(0))
    assert (status, refused["error"]["details"]) == (409, {"assignment": "available", "available": False})
    status, refused = deployed.api("POST", f"/cards/{card.id}/claim", _agent_claims(2))
    assert (status, refused["error"]["message"]) == (403, "this card is offered to a group you are not in")
    status, refused = deployed.api("POST", f"/cards/{card.id}/claim", _agent_claims(3))
    assert status == 403
    assert refused["error"]["message"] == "this card does not meet your eligibility filters (state)"
    assert deployed.api("GET", "/agents/me/available", _agent_claims(3))[1]["items"] == []
    assert deployed.api("GET", f"/agents/me/cards/{card.id}", _agent_claims(1))[0] == 200  # may claim it
    status, refused = deployed.api("GET", f"/agents/me/cards/{card.id}", _agent_claims(3))
    assert (status, refused["error"]["message"]) == (403, "this card is not assigned or offered to you")

    status, claimed = deployed.api("POST", f"/cards/{card.id}/claim", _agent_claims(1))
    work = claimed["assignment"]
    assert (status, work["agent_id"], work["work_status"]) == (200, bob["id"], "new")
    assert [entry["type"] for entry in work["activity"]] == ["assigned"]
    assert deployed.api("GET", f"/agents/me/cards/{card.id}", _agent_claims(1))[1]["id"] == card.id  # hers
    assert deployed.api("GET", f"/agents/me/cards/{card.id}", _agent_claims(0))[0] == 403  # not any more


def test_twenty_concurrent_claimers_exactly_one_wins(deployed: Any, serialised_moto: None) -> None:
    group_id, _ = _group_with_agents(deployed, 20)
    card = _offered_card(deployed, group_id)
    service = services.assignment_service(_settings(deployed))
    start = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def claim(n: int) -> None:
        caller = caller_from_claims(_agent_claims(n))
        start.wait()
        try:
            service.claim(caller, card.id)
            result = "won"
        except Exception as exc:  # the losers' Conflict
            result = type(exc).__name__
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(outcomes) == {"won": 1, "Conflict": 19}
    stored = CardStore(_settings(deployed)).get(card.id).assignment
    assert stored is not None
    assert stored.state is AssignmentState.assigned
    rotation = AgentStore(_settings(deployed)).members(group_id)
    assert sum(member.assigned for member in rotation) == 1


def test_a_manual_assignment_moves_the_agent_to_the_back_of_the_rotation(deployed: Any) -> None:
    group_id, agents = _group_with_agents(deployed, 3)
    card = _offered_card(deployed, group_id)
    first = sorted(agents, key=lambda a: a["id"])[0]
    status, assigned = deployed.api("POST", f"/cards/{card.id}/assign", ADMIN, body={"agent_id": first["id"]})
    assert (status, assigned["assignment"]["agent_id"]) == (200, first["id"])
    rotation = deployed.api("GET", f"/groups/{group_id}", ADMIN)[1]["rotation"]
    assert rotation[-1] == {"agent_id": first["id"], "available": True, "assigned": 1}
    sqs = deployed.client("sqs")
    url = _settings(deployed).agent_queue_url
    [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    stored = CardStore(_settings(deployed)).get(card.id).assignment
    assert stored is not None
    assert parse_message(message["Body"]) == Notice(
        kind="assigned", card_id=card.id, agent_id=first["id"], at=str(stored.at)
    )


def test_agents_are_imported_from_a_file_created_or_updated_by_email(deployed: Any) -> None:
    status, group = deployed.api("POST", "/groups", ADMIN, body={"name": "Sales"})
    rows = (
        "email,name,work_phone,available,groups,filter:state\n"
        f"ann@example.com,Ann,(415) 555-0101,yes,{group['id']},in:CA|NV\n"
        "bob@example.com,Bob,not a phone,no,,\n"
        "ann@example.com,Ann again,,,,\n"
    )
    body = {"file_name": "agents.csv", "content_base64": base64.b64encode(rows.encode()).decode()}
    status, report = deployed.api("POST", "/agents/import", ADMIN, body=body)
    assert status == 200, report
    assert (report["rows"], report["created"], report["updated"]) == (3, 1, 0)
    assert sorted(error["code"] for error in report["errors"]) == ["duplicate_agent", "invalid_phone"]
    [ann] = deployed.api("GET", "/agents", ADMIN)[1]["items"]
    assert (ann["work_phone"], ann["groups"], ann["filters"]) == (
        "+14155550101",
        [group["id"]],
        {"state": {"in": ["CA", "NV"]}},
    )
    again = {
        "file_name": "a.csv",
        "content_base64": base64.b64encode(b"email,name\nann@example.com,Ann B\n").decode(),
    }
    assert deployed.api("POST", "/agents/import", ADMIN, body=again)[1]["updated"] == 1
    garbage = {"file_name": "x.pdf", "content_base64": base64.b64encode(b"%PDF-1.4 binary").decode()}
    assert deployed.api("POST", "/agents/import", ADMIN, body=garbage)[0] == 422


def test_business_hours_are_organisation_settings(deployed: Any) -> None:
    hours = {
        "timezone": "America/New_York",
        "weekly": {"MON": [{"start": "09:00", "end": "17:00"}]},
        "holidays": ["2026-12-25"],
    }
    status, saved = deployed.api(
        "PUT", "/organisation", ADMIN, body={"name": "Org A", "business_hours": hours}
    )
    assert (status, saved["business_hours"]["weekly"]["MON"]) == (200, [{"start": "09:00", "end": "17:00"}])
    bad = {**hours, "weekly": {"MON": [{"start": "18:00", "end": "09:00"}]}}
    assert deployed.api("PUT", "/organisation", ADMIN, body={"business_hours": bad})[0] == 400


@pytest.mark.parametrize(
    ("condition", "reason"),
    [
        ({"min": 1e200}, "too large to store"),
        ({"max": -1e-200}, "too close to zero to store"),
        ({"equals": 10**40 + 1}, "has 41 significant digits"),
    ],
)
def test_a_filter_number_dynamodb_cannot_store_is_a_400_with_the_reason(
    deployed: Any, condition: dict[str, Any], reason: str
) -> None:
    body = {"email": "a@example.com", "name": "A", "filters": {"amount": condition}}
    status, answer = deployed.api("POST", "/agents", ADMIN, body=body)
    assert status == 400, answer
    [problem] = answer["error"]["details"]["errors"]
    assert reason in problem["message"]
    assert deployed.api("GET", "/agents", ADMIN)[1]["items"] == []
    status, agent = deployed.api("POST", "/agents", ADMIN, body={**body, "filters": {}})
    assert status == 201
    status, answer = deployed.api("PUT", f"/agents/{agent['id']}", ADMIN, body=body)
    assert status == 400, answer
    assert deployed.api("GET", f"/agents/{agent['id']}", ADMIN)[1]["filters"] == {}


@pytest.mark.parametrize("condition", [{"in": [1, float("nan")]}, {"equals": float("-inf")}])
def test_a_filter_that_is_not_a_finite_number_is_a_400(deployed: Any, condition: dict[str, Any]) -> None:
    """NaN and infinities are not JSON: the body is refused before any model sees it (files, where
    they can occur, refuse them as a row error)."""
    body = {"email": "a@example.com", "name": "A", "filters": {"amount": condition}}
    status, answer = deployed.api("POST", "/agents", ADMIN, body=body)
    assert status == 400, answer
    [problem] = answer["error"]["details"]["errors"]
    assert "is not a JSON number" in problem["message"]
    assert deployed.api("GET", "/agents", ADMIN)[1]["items"] == []


def test_claimable_cards_and_my_cards_show_the_lead_s_values(deployed: Any) -> None:
    """The workspace shows whom a lead is about before it is claimed, and after."""
    group_id, _ = _group_with_agents(deployed, 1)
    card = _offered_card(deployed, group_id, values={"state": "CA", "first_name": "Ada"})
    [lead] = deployed.api("GET", "/agents/me/available", _agent_claims(0))[1]["items"]
    assert (lead["id"], lead["batch_id"], lead["values"], lead["offer_expires_at"]) == (
        card.id,
        "b1",
        {"state": "CA", "first_name": "Ada"},
        None,
    )
    assert deployed.api("POST", f"/cards/{card.id}/claim", _agent_claims(0))[0] == 200
    [mine] = deployed.api("GET", "/agents/me/cards", _agent_claims(0))[1]["items"]
    assert (mine["id"], mine["values"]["first_name"]) == (card.id, "Ada")


def test_open_now_is_answered_for_hours_being_edited(deployed: Any) -> None:
    hours = {
        "timezone": "America/New_York",
        "weekly": {"MON": [{"start": "09:00", "end": "17:00"}]},
        "holidays": ["2026-12-14"],
    }
    monday_10 = "2026-12-07T15:00:00Z"  # 10:00 in New York
    status, answer = deployed.api(
        "POST", "/organisation/business-hours/check", ADMIN, body={"business_hours": hours, "at": monday_10}
    )
    assert (status, answer["open"], answer["next_open"], answer["next_close"]) == (
        200,
        True,
        "2026-12-07T15:00:00Z",
        "2026-12-07T22:00:00Z",
    )
    evening = "2026-12-07T23:00:00Z"  # the next Monday is a holiday: open again on the 21st
    answer = deployed.api(
        "POST", "/organisation/business-hours/check", ADMIN, body={"business_hours": hours, "at": evening}
    )[1]
    assert (answer["open"], answer["next_open"], answer["next_close"]) == (
        False,
        "2026-12-21T14:00:00Z",
        None,
    )
    nobody = {**ADMIN, "cognito:groups": "agent"}
    assert (
        deployed.api("POST", "/organisation/business-hours/check", nobody, body={"business_hours": hours})[0]
        == 403
    )
