"""The agents' side on the local stack (issue 15): the lead queues worked by staff and agents signed
in with `dispatch token --role agent`, and the whole product moving with the local clock — a
schedule created after a jump fires, and cards assigned before eight days pass are retrieved."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from dispatch.clock import parse_iso
from local.client import ApiClient, ApiError, wait_for
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
ROWS = "first_name,email\nAda,success+ada@simulator.amazonses.com\nBo,success+bo@simulator.amazonses.com\n"


def _process(admin: ApiClient, **extra: Any) -> dict[str, Any]:
    example = json.loads((ROOT / "examples" / "process.json").read_text())
    process = admin.post("/processes", {**example, "approval_required": False, **extra})
    admin.post(f"/processes/{process['id']}/publish")
    return dict(process)


def _sent_cards(admin: ApiClient, matches: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    """The cards of the one batch ``matches`` accepts, once it is sent."""

    def sent() -> Any:
        batches = [b for b in admin.get("/batches?limit=100")["items"] if matches(b)]
        return batches if batches and batches[0]["status"] == "sent" else None

    [batch] = wait_for(sent, timeout=90)
    return list(admin.get(f"/batches/{batch['id']}/cards")["items"])


def test_prospects_are_listed_assigned_released_and_claimed_by_an_agent(
    stack: LocalStack, admin: ApiClient, client_for: Callable[[str, str, str], ApiClient], org: str
) -> None:
    group = admin.post("/groups", {"name": "Closers"})
    ann = admin.post("/agents", {"email": "ann@queues.example.com", "name": "Ann", "groups": [group["id"]]})
    agent = client_for("ann@queues.example.com", "agent", org)  # signs in as Ann (linked on first call)
    process = _process(admin)  # assigns to nobody: its delivered cards are prospects
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.put_object(Bucket=stack.bucket, Key=f"drop/{process['id']}/prospects.csv", Body=ROWS.encode())
    cards = _sent_cards(admin, lambda b: b["name"] == "prospects")
    stack.settle()

    listed = admin.get(f"/cards?queue=prospects&process_id={process['id']}")["items"]
    assert sorted(card["id"] for card in listed) == sorted(card["id"] for card in cards)
    [ada] = admin.get("/cards?queue=prospects&q=ADA")["items"]
    [bo] = [card for card in listed if card["id"] != ada["id"]]
    assert agent.get("/agents/me")["id"] == ann["id"]
    with pytest.raises(ApiError) as refused:
        agent.get("/cards?queue=prospects")  # a staff route
    assert refused.value.status == 403

    assigned = admin.post(f"/cards/{ada['id']}/assign", {"agent_id": ann["id"]})["assignment"]
    assert (assigned["state"], assigned["work_status"]) == ("assigned", "new")  # the initial status
    [mine] = agent.get("/agents/me/cards")["items"]
    assert (mine["id"], mine["assignment"]["last_activity"]["type"]) == (ada["id"], "assigned")
    released = admin.post(f"/cards/{bo['id']}/release", {"group_id": group["id"]})["assignment"]
    assert released["state"] == "available"
    assert [card["id"] for card in admin.get("/cards?queue=available")["items"]] == [bo["id"]]
    assert [card["id"] for card in agent.get("/agents/me/available")["items"]] == [bo["id"]]
    claimed = agent.post(f"/cards/{bo['id']}/claim")["assignment"]
    assert (claimed["agent_id"], claimed["work_status"]) == (ann["id"], "new")
    assert admin.get("/cards?queue=prospects")["items"] == []
    assert sorted(card["id"] for card in agent.get("/agents/me/cards")["items"]) == sorted(
        [ada["id"], bo["id"]]
    )


def test_after_a_clock_jump_a_new_schedule_fires_and_idle_cards_are_retrieved(
    stack: LocalStack, admin: ApiClient, client_for: Callable[[str, str, str], ApiClient], org: str
) -> None:
    """The application reads the local clock: after a jump, Upcoming shows the next fire after the
    local "now", a start the jump has passed is refused, a schedule created then fires, and cards
    assigned then are idle eight local days later (the organisation's timezone is UTC)."""
    group = admin.post("/groups", {"name": "Closers"})
    ann = admin.post("/agents", {"email": "ann@jump.example.com", "name": "Ann", "groups": [group["id"]]})
    process = _process(admin, assignment={"type": "round_robin", "group_id": group["id"]})
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.put_object(Bucket=stack.bucket, Key=f"sources/{org}/jump/list.csv", Body=ROWS.encode())
    daily = {
        "mode": "recurring",
        "frequency": "daily",
        "start_at": _wall(stack.clock.now() + timedelta(hours=1)),
    }
    retrieval = {"kind": "retrieval", "idle_days": 7}
    retrieving = admin.post("/schedules", {"name": "Idle cards", "config": retrieval, "when": daily})
    try:
        stack.advance_clock(timedelta(days=30))
        [upcoming] = [
            s for s in admin.get("/schedules?view=upcoming")["items"] if s["id"] == retrieving["id"]
        ]
        assert parse_iso(upcoming["next_fire"]) > stack.clock.now()  # not a fire the jump has passed
        config = {"kind": "distribution", "process_id": process["id"], "source_prefix": "jump/"}
        passed = {"mode": "once", "start_at": _wall(stack.clock.now() - timedelta(days=1))}
        with pytest.raises(ApiError) as refused:
            admin.post("/schedules", {"name": "Too late", "config": config, "when": passed})
        assert refused.value.status == 400
        when = {"mode": "once", "start_at": _wall(stack.clock.now() + timedelta(minutes=30))}
        schedule = admin.post("/schedules", {"name": "After the jump", "config": config, "when": when})
        stack.advance_clock(timedelta(minutes=31))
        cards = _sent_cards(admin, lambda b: b["schedule_id"] == schedule["id"])
        stack.settle()
        agent = client_for("ann@jump.example.com", "agent", org)
        assert sorted(c["id"] for c in agent.get("/agents/me/cards")["items"]) == sorted(
            c["id"] for c in cards
        )

        # Past seven idle days, the daily retrieval's next fire (on time: a fire the local scheduler
        # makes late after a jump is skipped, as a late EventBridge fire would be) takes them back.
        stack.advance_clock(timedelta(days=7, hours=2))
        next_fire = parse_iso(admin.get(f"/schedules/{retrieving['id']}")["next_fire"])
        assert stack.advance_clock(next_fire - stack.clock.now() + timedelta(minutes=1)) >= 1
        stack.settle()
        returned = admin.get(f"/cards?queue=available&group_id={group['id']}")["items"]
        assert sorted(c["id"] for c in returned) == sorted(c["id"] for c in cards)
        assert {(c["assignment"]["reason"], c["assignment"]["retrieved_from"]) for c in returned} == {
            ("retrieved after 7 idle days", ann["id"])
        }
        assert agent.get("/agents/me/cards")["items"] == []
    finally:  # it would fire in the other tests' clock jumps, which count the fires
        admin.post(f"/schedules/{retrieving['id']}/cancel")


def _wall(moment: datetime) -> str:
    """A ``start_at``: wall-clock time in the organisation's timezone (UTC), to the minute."""
    return moment.strftime("%Y-%m-%dT%H:%M")
