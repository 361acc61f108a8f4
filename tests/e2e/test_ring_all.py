"""ring_all on the local stack: a sent card is offered by SMS to the group's agents (the agent work
queue → the agents function → SNS), one accepts through the public link, the others hear that it
was taken, and the card is the winner's."""

from __future__ import annotations

import http.client
import json
import re
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
