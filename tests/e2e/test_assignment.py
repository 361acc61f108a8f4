"""Assignment on the local stack. ring_all: a sent card is offered by SMS to the group's agents
(the agent work queue → the agents function → SNS), one accepts through the public link, the others
hear that it was taken, and the card is the winner's. After hours: cards wait in the Unassigned
queue until the sweep (the template's 5-minute schedule, fired by the local clock) finds hours open."""

from __future__ import annotations

import http.client
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import boto3

from local.client import ApiClient, wait_for
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
OFFER = re.compile(r"(http://\S+/offers/\S+)$")
PHONES = ["+14155550301", "+14155550302", "+14155550303"]


def _request(url: str, method: str) -> tuple[int, str]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    connection.request(method, parts.path)
    response = connection.getresponse()
    return response.status, response.read().decode()


def _texts(stack: LocalStack, phone: str) -> list[str]:
    return [m["body"] for m in stack.outbox().messages() if m["channel"] == "sms" and m["recipient"] == phone]


def test_a_card_rings_three_agents_and_the_first_to_accept_gets_it(
    stack: LocalStack, admin: ApiClient
) -> None:
    group = admin.post("/groups", {"name": "Closers"})
    agents = [
        admin.post(
            "/agents",
            {
                "email": f"agent{n}@ring.example.com",
                "name": f"Agent {n}",
                "work_phone": phone,
                "groups": [group["id"]],
            },
        )
        for n, phone in enumerate(PHONES)
    ]
    example = json.loads((ROOT / "examples" / "process.json").read_text())
    process = admin.post(
        "/processes",
        {
            **example,
            "approval_required": False,
            "assignment": {"type": "ring_all", "group_id": group["id"], "ring_timeout_seconds": 300},
        },
    )
    admin.post(f"/processes/{process['id']}/publish")
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    rows = "first_name,email\nRia,success@simulator.amazonses.com\n"
    s3.put_object(Bucket=stack.bucket, Key=f"drop/{process['id']}/ring.csv", Body=rows.encode())

    offers = wait_for(
        lambda: (
            (found := {phone: _texts(stack, phone) for phone in PHONES}) and all(found.values()) and found
        ),
        timeout=90,
    )
    links = {phone: str(OFFER.search(texts[0]).group(1)) for phone, texts in offers.items()}  # type: ignore[union-attr]
    status, page = _request(links[PHONES[1]], "GET")
    assert status == 200
    assert "Accept" in page
    assert _request(links[PHONES[1]], "POST")[0] == 200
    assert _request(links[PHONES[0]], "POST")[0] == 409

    stack.settle()
    for loser in (PHONES[0], PHONES[2]):
        assert "taken by another agent" in _texts(stack, loser)[-1]
    assert len(_texts(stack, PHONES[1])) == 1  # the winner got only the offer
    [batch] = [b for b in admin.get("/batches")["items"] if b["name"].startswith("ring")]
    [card] = admin.get(f"/batches/{batch['id']}/cards")["items"]
    assignment = admin.get(f"/cards/{card['id']}")["assignment"]
    assert (assignment["state"], assignment["agent_id"], assignment["by"]) == (
        "assigned",
        agents[1]["id"],
        "ring_all",
    )
    group_view = admin.get(f"/groups/{group['id']}")
    assert group_view["rotation"][-1] == {"agent_id": agents[1]["id"], "available": True, "assigned": 1}


def test_cards_sent_after_hours_go_to_agents_when_the_local_clock_reaches_opening(
    stack: LocalStack, admin: ApiClient
) -> None:
    # Closed all day today, by the real clock (the send step reads it) and by the local clock (the
    # sweep's fires carry it), which earlier tests may have moved on.
    holidays = sorted({stack.clock.now().date().isoformat(), datetime.now(UTC).date().isoformat()})
    every_day = {
        day: [{"start": "00:00", "end": "24:00"}] for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
    }
    admin.request(
        "PUT",
        "/organisation",
        {"name": "Night shift", "business_hours": {"weekly": every_day, "holidays": holidays}},
    )
    group = admin.post("/groups", {"name": "Day team"})
    agent = admin.post("/agents", {"email": "day@ring.example.com", "name": "Day", "groups": [group["id"]]})
    example = json.loads((ROOT / "examples" / "process.json").read_text())
    process = admin.post(
        "/processes",
        {
            **example,
            "approval_required": False,
            "assignment": {"type": "round_robin", "group_id": group["id"]},
        },
    )
    admin.post(f"/processes/{process['id']}/publish")
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    rows = "first_name,email\n" + "".join(
        f"{name},success+{name}@simulator.amazonses.com\n" for name in ("nia", "omar")
    )
    s3.put_object(Bucket=stack.bucket, Key=f"drop/{process['id']}/night.csv", Body=rows.encode())

    def states() -> list[str]:
        batches = [b for b in admin.get("/batches")["items"] if b["name"].startswith("night")]
        if not batches or batches[0]["status"] != "sent":
            return []
        cards = admin.get(f"/batches/{batches[0]['id']}/cards")["items"]
        return sorted(admin.get(f"/cards/{c['id']}")["assignment"]["state"] for c in cards)

    assert wait_for(lambda: states() == ["unassigned", "unassigned"], timeout=90)
    now = stack.clock.now()
    if now.hour < 23 or now.minute < 45:  # the sweep on the same (holiday) day leaves them
        stack.advance_clock(timedelta(minutes=10))
        assert states() == ["unassigned", "unassigned"]
        now = stack.clock.now()
    stack.advance_clock(timedelta(days=1) - timedelta(hours=now.hour, minutes=now.minute - 10))
    stack.settle()
    assert states() == ["assigned", "assigned"]
    assert admin.get(f"/groups/{group['id']}")["rotation"] == [
        {"agent_id": agent["id"], "available": True, "assigned": 2}
    ]
