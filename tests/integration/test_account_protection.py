"""Account protection (issue 19, item 2): bounce and complaint rates per organisation over sliding
windows; crossing a threshold pauses sending — running batches stop as ``partially_sent`` with the
reason, new sends are a 409 that says why, the pause is counted once for the alarm — and an admin
sees the rates and resumes. A batch whose first emails bounce above the threshold stops early."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatch import services
from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
from dispatch.clock import scoped, utcnow
from dispatch.config import Settings
from dispatch.deliverability.protection import AccountProtection
from dispatch.delivery.events import parse

ORG = {"custom:org_id": "org-a"}
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", **ORG}
SENDER = {"sub": "sub-sender", "email": "sender@org-a.test", "cognito:groups": "sender", **ORG}
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def metrics_added(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The metrics added (Powertools' metrics are not printed in tests)."""
    from dispatch.observability import metrics

    added: list[dict[str, Any]] = []
    original = metrics.add_metric

    def add_metric(**kwargs: Any) -> None:
        added.append(kwargs)
        original(**kwargs)

    monkeypatch.setattr(metrics, "add_metric", add_metric)
    return added


def policy(deployed: Any, **protection: Any) -> None:
    status, _ = deployed.api("PUT", "/organisation", ADMIN, body={"account_protection": protection})
    assert status == 200


def send_all(settings: Settings, batch: Batch) -> list[Card]:
    workflow = services.workflow(settings)
    for chunk in batch.chunks:
        workflow.send("org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings))
    return list(CardStore(settings).in_rows(batch.id, 0, 10**7))


def record(card: Card, kind: str, *, permanent: bool = True) -> str:
    body: dict[str, Any] = {
        "eventType": kind,
        "mail": {
            "timestamp": "2026-11-23T10:00:00.000Z",
            "messageId": card.distributions[-1].message_id,
            "destination": [card.email],
            "tags": {"card_id": [card.id], "batch_id": [card.batch_id]},
        },
    }
    if kind == "Bounce":
        body["bounce"] = {
            "bounceType": "Permanent" if permanent else "Transient",
            "bounceSubType": "General",
            "bouncedRecipients": [{"emailAddress": card.email}],
        }
    elif kind == "Complaint":
        body["complaint"] = {"complainedRecipients": [{"emailAddress": card.email}]}
    else:
        body[kind.lower()] = {"timestamp": "2026-11-23T10:00:01.000Z"}
    return json.dumps(body)


def apply(settings: Settings, clock: Clock, bodies: list[str]) -> AccountProtection:
    """The events as one queue batch: applied, then settled (which counts their sends)."""
    events = services.delivery_events(settings)
    events.protection.now = clock
    with scoped(clock):
        for body in bodies:
            event = parse(body)
            assert event is not None
            events.apply(event)
        events.settle()
    return events.protection


def test_a_bounce_rate_over_the_threshold_pauses_sending_until_an_admin_resumes(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]], metrics_added: list[dict[str, Any]]
) -> None:
    policy(deployed, minimum_sends=20)
    settings, first = sending_batch(20, email_rate=2000.0)
    cards = send_all(settings, first)
    clock = Clock(utcnow())  # the API reads the rates by the real clock
    # 19 delivered, 1 hard bounce (5 %), 1 soft bounce: a 4 % threshold with 20 sends → paused
    bodies = [record(card, "Delivery") for card in cards[:18]]
    bodies += [record(cards[18], "Bounce", permanent=False), record(cards[19], "Bounce")]
    # a second batch is sending meanwhile: it stops at its next status check
    _, second = sending_batch(5, email_rate=2000.0)
    assert BatchStore(settings).get("org-a", second.id).status is BatchStatus.sending
    apply(settings, clock, bodies[:-1])
    assert deployed.api("GET", "/organisation/protection", ADMIN)[1]["paused"] is False
    apply(settings, clock, bodies[-1:] * 2)  # the bounce that crosses the threshold, delivered twice

    status, view = deployed.api("GET", "/organisation/protection", ADMIN)
    assert status == 200
    assert view["paused"] is True
    assert "hard-bounce rate over the last 24 hours is 5 %" in view["reason"]
    assert "(1 of 20 emails)" in view["reason"]
    day, recent = view["rates"]
    assert (day["window"], day["sends"], day["bounces"], day["bounce_rate"]) == ("24h", 20, 1, 0.05)
    assert (recent["window"], recent["sends"]) == ("10000_sends", 20)
    assert [m["name"] for m in metrics_added] == ["AccountProtectionPauses"]  # once, for the alarm

    stopped = BatchStore(settings).get("org-a", second.id)
    assert stopped.status is BatchStatus.partially_sent
    assert stopped.status_reason is not None
    assert stopped.status_reason.startswith("paused: account protection: the hard-bounce rate")
    # its chunk, started now, sends nothing
    assert send_all(settings, stopped)[0].status.value == "ready"

    # new sends are refused with the reason
    status, error = deployed.api("POST", f"/batches/{second.id}/send-remaining", SENDER)
    assert status == 409
    assert error["error"]["code"] == "conflict"
    assert "sending is paused for this organisation" in error["error"]["message"]
    assert "hard-bounce rate" in error["error"]["details"]["reason"]
    ready = CardStore(settings).in_rows(second.id, 0, 10**7).__next__()
    status, error = deployed.api(
        "POST", f"/cards/{ready.id}/distribute", SENDER, body={"address": ready.email}
    )
    assert status == 409
    assert "sending is paused" in error["error"]["message"]
    # only an admin resumes
    assert deployed.api("POST", "/organisation/protection/resume", SENDER)[0] == 403
    status, view = deployed.api("POST", "/organisation/protection/resume", ADMIN)
    assert status == 200
    assert view["paused"] is False
    assert view["resumed_by"] == "sub-admin"
    assert view["rates"][0]["bounces"] == 0  # what the admin saw is not held against them again
    assert deployed.api("POST", "/organisation/protection/resume", ADMIN)[0] == 409
    status, resent = deployed.api("POST", f"/batches/{second.id}/send-remaining", SENDER)
    assert status == 200
    assert resent["status"] == "sending"


def test_the_complaint_threshold_pauses_too_and_events_count_once(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]]
) -> None:
    policy(deployed, minimum_sends=10, complaint_rate=0.05)
    settings, batch = sending_batch(10, email_rate=2000.0)
    cards = send_all(settings, batch)
    clock = Clock()
    protection = apply(settings, clock, [record(card, "Delivery") for card in cards] * 2)
    assert protection.paused_reason("org-a") is None
    complaint = record(cards[0], "Complaint")
    apply(settings, clock, [complaint])  # 1 of 10 = 10 %
    reason = protection.paused_reason("org-a")
    assert reason is not None
    assert "complaint rate over the last 24 hours is 10 % (1 of 10 emails)" in reason


def test_the_day_window_slides_and_rates_wait_for_the_minimum_volume(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]]
) -> None:
    policy(deployed, minimum_sends=10)
    settings, batch = sending_batch(12, email_rate=2000.0)
    cards = send_all(settings, batch)
    clock = Clock()
    apply(settings, clock, [record(card, "Bounce") for card in cards[:1]])
    protection = apply(settings, clock, [])
    assert protection.paused_reason("org-a") is None  # 1 of 1: too few sends to judge
    clock.now = START + timedelta(hours=25)
    apply(settings, clock, [record(card, "Delivery") for card in cards[1:11]])
    apply(settings, clock, [record(cards[11], "Bounce")])
    # the day: 1 of 11 (9 %) → paused, but the first bounce has left the 24-hour window
    reason = protection.paused_reason("org-a")
    assert reason is not None
    assert "over the last 24 hours is 9.09 % (1 of 11 emails)" in reason


def test_the_ten_thousand_send_window_catches_a_slow_burn(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]]
) -> None:
    """Bounces spread over days never cross in one day, but do over the last sends."""
    policy(deployed, minimum_sends=8, bounce_rate=0.2)
    settings, batch = sending_batch(12, email_rate=2000.0)
    cards = send_all(settings, batch)
    clock = Clock()
    protection = apply(settings, clock, [])
    for day in range(4):  # each day: 2 delivered and 1 bounced; 3 sends a day stay below 8
        clock.now = START + timedelta(days=day)
        apply(settings, clock, [record(c, "Delivery") for c in cards[day * 3 : day * 3 + 2]])
        apply(settings, clock, [record(cards[day * 3 + 2], "Bounce")])
    reason = protection.paused_reason("org-a")
    assert reason is not None
    assert "over the last 10,000 sends is" in reason


def test_a_batch_whose_first_emails_bounce_stops_alone(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]]
) -> None:
    policy(deployed, early_sends=10)  # the organisation's minimum of 200 sends is far away
    settings, batch = sending_batch(20, email_rate=2000.0)
    cards = send_all(settings, batch)
    clock = Clock()
    protection = apply(settings, clock, [record(card, "Delivery") for card in cards[:7]])
    apply(settings, clock, [record(card, "Bounce") for card in cards[7:10]])
    stopped = BatchStore(settings).get("org-a", batch.id)
    assert stopped.status is BatchStatus.partially_sent
    assert stopped.status_reason is not None
    expected = "3 of this batch's first 10 emails with a known outcome hard-bounced (30 %"
    assert expected in stopped.status_reason
    assert protection.paused_reason("org-a") is None  # the organisation keeps sending
    # checked once: sent again by a person, later bounces do not stop it again
    BatchStore(settings).transition(
        "org-a", batch.id, BatchStatus.sending, sources=[BatchStatus.partially_sent]
    )
    apply(settings, clock, [record(card, "Bounce") for card in cards[10:]])
    assert BatchStore(settings).get("org-a", batch.id).status is BatchStatus.sending


def test_an_approved_batch_does_not_start_sending_while_paused(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]], walk: Callable[..., Any]
) -> None:
    policy(deployed, minimum_sends=1)
    settings, batch = sending_batch(1, email_rate=2000.0)
    [card] = send_all(settings, batch)
    apply(settings, Clock(), [record(card, "Bounce")])
    later = walk("first_name,email\nAda,ada@example.com\n", approval_required=False)
    later.generate()
    later.step("after_generation")
    assert later.step("start_sending") == {"send": False}
    waiting = later.get()
    assert waiting["status"] == "approved"
    assert waiting["status_reason"].startswith("not sent yet: sending is paused for this organisation")
