"""ring_all (PRODUCT §7): offers to ten agents at a time with an accept link, first accept wins,
the others are told, lapsed rounds go to the next ten, then to the fallback; agent notices are
sent once, paced by the shared rate, and only while still true."""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from dispatch import aws, services
from dispatch.assignment.hours import BusinessHours
from dispatch.assignment.messages import Accepted, Notice, RingTimeout, parse_message
from dispatch.assignment.models import Agent, AssignmentConfig, AssignmentState, Group
from dispatch.assignment.offers import OfferToken, sign_offer
from dispatch.assignment.store import AgentStore
from dispatch.cards import links
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
from dispatch.clock import parse_iso
from dispatch.config import Settings
from dispatch.delivery.channels import AccountPaused, Refused, SmsSender
from dispatch.errors import Conflict, Gone, NotFound
from dispatch.secrets import link_signing_key
from local.stack import ROOT
from local.template import ACCOUNT_ID, REGION

AGENTS = 25
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
CLOSED = BusinessHours.model_validate({"timezone": "UTC", "weekly": {}})
OFFER_LINK = re.compile(r"/offers/(\S+)$")

Message = Notice | RingTimeout | Accepted


def _phone(n: int) -> str:
    return f"+1415555{n:04d}"


@pytest.fixture
def ringing(deployed: Any, s3_event: Any) -> tuple[Settings, list[Card]]:
    """A ring_all process over a group of 25 agents (even ones have a work phone), and a sent batch
    of two cards: each offered to the first ring of ten."""
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("AgentsFunction")].environment)
    settings = settings.model_copy(update={"email_rate_per_second": 2000.0, "sms_rate_per_second": 2000.0})
    deployed.api("PUT", "/organisation", ADMIN, body={"name": "Org A"})
    store = AgentStore(settings)
    store.put_group(Group(id="g1", org_id="org-a", name="Sales", created_at="t"), new=True)
    for n in range(AGENTS):
        store.create_agent(
            Agent(
                id=f"agent-{n:02d}",
                org_id="org-a",
                email=f"a{n}@example.com",
                name=f"A{n}",
                work_phone=_phone(n) if n % 2 == 0 else None,
                groups=["g1"],
                created_at="t",
                updated_at="t",
            )
        )
    body = {
        **json.loads((ROOT / "examples" / "process.json").read_text()),
        "approval_required": False,
        "assignment": {
            "type": "ring_all",
            "group_id": "g1",
            "ring_timeout_seconds": 60,
            "initial_status": "hot",
        },
    }
    status, process = deployed.api("POST", "/processes", ADMIN, body=body)
    assert status == 201, process
    deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    rows = "first_name,email\nP0,p0@example.com\nP1,p1@example.com\n"
    key = f"drop/{process['id']}/list.csv"
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=rows.encode())
    [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(rows)))["batches"]
    step = {"batch_id": handled["batch_id"], "org_id": "org-a"}
    send_settings = Settings.from_env(deployed.runtime.functions[deployed.name("SendFunction")].environment)
    send_settings = send_settings.model_copy(update={"email_rate_per_second": 2000.0})
    [chunk] = services.batch_service(settings).batches.get("org-a", handled["batch_id"]).chunks
    deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
    deployed.invoke("LifecycleFunction", {**step, "action": "start_sending"})
    outcome = services.workflow(send_settings).send(
        "org-a", handled["batch_id"], chunk, lambda b: services.chunk_sender(b, send_settings)
    )
    assert outcome["assignment"] == {"offered": 2}
    return settings, list(CardStore(settings).all_in_batch(handled["batch_id"]))


def _queued(settings: Settings) -> list[Message]:
    """Every visible message on the agent queue, taken off it."""
    sqs = aws.client("sqs")
    found: list[Message] = []
    while True:
        batch = sqs.receive_message(QueueUrl=settings.agent_queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        )
        if not batch:
            return found
        for message in batch:
            found.append(parse_message(message["Body"]))
            sqs.delete_message(QueueUrl=settings.agent_queue_url, ReceiptHandle=message["ReceiptHandle"])


def _delayed(settings: Settings) -> int:
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=settings.agent_queue_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesDelayed"])


def _handle(settings: Settings, messages: list[Message], now: datetime | None = None) -> Counter[str]:
    work = services.agent_work(settings)
    return Counter(work.handle(message, now or datetime.now(UTC)) for message in messages)


def _sms() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {}
    for phone, text in sns_backends[ACCOUNT_ID][REGION].sms_messages.values():
        texts.setdefault(phone, []).append(text)
    return texts


def _emails() -> list[tuple[str, str]]:
    return [
        (message.destinations["ToAddresses"][0], message.subject)
        for message in ses_backends[ACCOUNT_ID][REGION].sent_messages
        if message.destinations["ToAddresses"][0].startswith("a")
    ]


def _batch_name(settings: Settings, card: Card) -> str:
    return services.batch_service(settings).batches.get("org-a", card.batch_id).name


def _offer_expiry(card: Card) -> int:
    """When the card's current ring_all round lapses (Unix time), as its offer tokens say."""
    offer = card.assignment
    assert offer is not None
    assert offer.offer_expires_at is not None
    return int(parse_iso(offer.offer_expires_at).timestamp())


def _card(settings: Settings, card: Card) -> Card:
    return CardStore(settings).get(card.id)


def test_a_card_is_offered_to_the_first_ten_by_sms_or_email_and_the_round_times_out_later(
    ringing: tuple[Settings, list[Card]],
) -> None:
    settings, cards = ringing
    first = [f"agent-{n:02d}" for n in range(10)]
    for card in cards:
        offer = card.assignment
        assert offer is not None
        assert (offer.state, offer.offer_round, offer.offered_to) == (AssignmentState.offered, 1, first)
        assert offer.work_status is None  # the initial status comes with the accept
    messages = _queued(settings)
    assert Counter(m.kind for m in messages) == {"offer": 20}
    assert _delayed(settings) == 2  # one timeout per card, held back for the round's 60 s
    assert _handle(settings, messages) == {"sent": 20}
    sms = _sms()
    assert set(sms) == {_phone(n) for n in range(0, 10, 2)}
    assert all(len(texts) == 2 and "Accept within 1 min" in texts[0] for texts in sms.values())
    assert Counter(to for to, _ in _emails()) == {f"a{n}@example.com": 2 for n in range(1, 10, 2)}
    assert _handle(settings, messages) == {"duplicate": 20}  # a redelivered message sends nothing
    assert sum(len(texts) for texts in _sms().values()) == 10


def test_the_first_of_ten_concurrent_accepts_wins_and_the_others_are_told(
    deployed: Any, ringing: tuple[Settings, list[Card]], serialised_moto: None
) -> None:
    settings, cards = ringing
    _handle(settings, _queued(settings))
    tokens = {phone: OFFER_LINK.search(texts[0]).group(1) for phone, texts in _sms().items()}  # type: ignore[union-attr]
    tokens = {phone: token for phone, token in tokens.items() if cards[0].id in token}
    assert len(tokens) == 5
    desk = services.offer_desk(settings)
    start = threading.Barrier(len(tokens))
    results: dict[str, str] = {}

    def accept(phone: str, token: str) -> None:
        start.wait()
        try:
            results[phone] = desk.accept(token).state.value
        except Conflict:
            results[phone] = "conflict"

    threads = [threading.Thread(target=accept, args=item) for item in tokens.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(results.values()) == {"yours": 1, "conflict": 4}
    [winner_phone] = [phone for phone, result in results.items() if result == "yours"]
    won = _card(settings, cards[0]).assignment
    assert won is not None
    assert won.state is AssignmentState.assigned
    assert _phone(int(str(won.agent_id).split("-")[1])) == winner_phone
    assert (won.by, won.work_status) == ("ring_all", "hot")
    # The accept queued one message: the winner moves to the top of the rotation, the nine others hear.
    [accepted] = _queued(settings)
    assert isinstance(accepted, Accepted)
    assert _handle(settings, [accepted]) == {"accepted": 1}
    members = {m.agent_id: m for m in AgentStore(settings).members("g1")}
    assert members[str(won.agent_id)].rank == max(m.rank for m in members.values()) > 0
    assert members[str(won.agent_id)].assigned == 1
    assert _handle(settings, [accepted]) == {"accepted": 1}  # a redelivery credits nobody again
    assert sum(m.assigned for m in AgentStore(settings).members("g1")) == 1
    taken = _queued(settings)
    assert len(taken) == 18
    assert {m.kind for m in taken} == {"taken"}
    assert _handle(settings, taken) == {"sent": 9, "duplicate": 9}
    for phone, texts in _sms().items():
        if phone != winner_phone:
            assert "taken by another agent" in texts[-1]
    # Accepting again: the winner is told it is theirs, a loser gets 409.
    assert desk.accept(tokens[winner_phone]).state.value == "yours"
    loser = next(token for phone, token in tokens.items() if phone != winner_phone)
    with pytest.raises(Conflict):
        desk.accept(loser)


def test_the_accept_page_shows_the_offer_and_only_its_post_accepts(
    deployed: Any, ringing: tuple[Settings, list[Card]]
) -> None:
    settings, cards = ringing
    expires = _offer_expiry(cards[1])
    key = link_signing_key(settings)
    token = sign_offer(key, OfferToken(cards[1].id, "agent-03", 1, expires))
    page = deployed.invoke("LinksFunction", deployed.api_event("GET", f"/offers/{token}"))
    assert page["statusCode"] == 200
    assert "<form method=post>" in page["body"]
    assert _card(settings, cards[1]).assignment.state is AssignmentState.offered  # type: ignore[union-attr]
    accepted = deployed.invoke("LinksFunction", deployed.api_event("POST", f"/offers/{token}"))
    assert accepted["statusCode"] == 200
    assert "assigned to you" in accepted["body"]
    assert _card(settings, cards[1]).assignment.agent_id == "agent-03"  # type: ignore[union-attr]
    other = sign_offer(key, OfferToken(cards[1].id, "agent-04", 1, expires))
    assert (
        deployed.invoke("LinksFunction", deployed.api_event("POST", f"/offers/{other}"))["statusCode"] == 409
    )
    outsider = sign_offer(key, OfferToken(cards[0].id, "agent-20", 1, expires))  # not in the ring
    assert (
        deployed.invoke("LinksFunction", deployed.api_event("POST", f"/offers/{outsider}"))["statusCode"]
        == 409
    )
    lapsed = sign_offer(key, OfferToken(cards[0].id, "agent-01", 1, 1_000))
    assert (
        deployed.invoke("LinksFunction", deployed.api_event("POST", f"/offers/{lapsed}"))["statusCode"] == 410
    )
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert (
        deployed.invoke("LinksFunction", deployed.api_event("POST", f"/offers/{forged}"))["statusCode"] == 404
    )
    card_link = links.sign(key, cards[0].id, expires)  # a card link is not an offer
    assert (
        deployed.invoke("LinksFunction", deployed.api_event("GET", f"/offers/{card_link}"))["statusCode"]
        == 404
    )
    assert _card(settings, cards[0]).assignment.state is AssignmentState.offered  # type: ignore[union-attr]


def test_lapsed_rounds_go_to_the_next_ten_then_the_rest_then_the_fallback(
    ringing: tuple[Settings, list[Card]],
) -> None:
    settings, cards = ringing
    _queued(settings)
    engine = services.assignment_engine(settings)
    config = AssignmentConfig(type="ring_all", group_id="g1", ring_timeout_seconds=60)  # type: ignore[arg-type]
    days = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
    open_ = BusinessHours.model_validate(
        {"timezone": "UTC", "weekly": {day: [{"start": "00:00", "end": "24:00"}] for day in days}}
    )
    later = datetime.now(UTC) + timedelta(seconds=61)
    card = cards[0]
    assert engine.ring_timeout(_card(settings, card), config, open_, later, 1) == "offered"
    second = _card(settings, card).assignment
    assert second is not None
    assert second.offered_to == [f"agent-{n:02d}" for n in range(10, 20)]
    assert (second.offer_round, len(second.offered_before)) == (2, 10)
    assert Counter(m.kind for m in _queued(settings)) == {"offer": 10}
    # A repeated timeout of round 1 changes nothing; an accept with a round-1 token is refused.
    assert engine.ring_timeout(_card(settings, card), config, open_, later, 1) == "settled"
    stale = sign_offer(link_signing_key(settings), OfferToken(card.id, "agent-00", 1, int(later.timestamp())))
    with pytest.raises(Conflict):
        services.offer_desk(settings).accept(stale)
    assert engine.ring_timeout(_card(settings, card), config, open_, later, 2) == "offered"
    third = _card(settings, card).assignment
    assert third is not None
    assert third.offered_to == [f"agent-{n:02d}" for n in range(20, 25)]
    assert engine.ring_timeout(_card(settings, card), config, open_, later, 3) == "lead_exception"
    assert _card(settings, card).assignment.state is AssignmentState.lead_exception  # type: ignore[union-attr]
    # With a default agent, the fallback assigns to it and tells it.
    store = AgentStore(settings)
    store.put_group(
        Group(id="g1", org_id="org-a", name="Sales", default_agent_id="agent-24", created_at="t"), new=False
    )
    _queued(settings)
    other = cards[1]
    for round_ in (1, 2):
        engine.ring_timeout(_card(settings, other), config, open_, later, round_)
    assert engine.ring_timeout(_card(settings, other), config, open_, later, 3) == "default_agent"
    assert _card(settings, other).assignment.agent_id == "agent-24"  # type: ignore[union-attr]
    assert [m.kind for m in _queued(settings)][-1] == "assigned"


def test_a_round_lapsing_after_hours_leaves_the_card_unassigned(ringing: tuple[Settings, list[Card]]) -> None:
    settings, cards = ringing
    engine = services.assignment_engine(settings)
    config = AssignmentConfig(type="ring_all", group_id="g1")  # type: ignore[arg-type]
    assert (
        engine.ring_timeout(_card(settings, cards[0]), config, CLOSED, datetime.now(UTC), 1) == "unassigned"
    )
    assert _card(settings, cards[0]).assignment.state is AssignmentState.unassigned  # type: ignore[union-attr]
    assert [(m.org_id, m.batch_id) for m in AgentStore(settings).waiting()] == [
        ("org-a", cards[0].batch_id)
    ]  # the drain picks it up when hours open


def test_notices_that_are_no_longer_true_are_dropped(ringing: tuple[Settings, list[Card]]) -> None:
    settings, cards = ringing
    offers = [m for m in _queued(settings) if isinstance(m, Notice) and m.card_id == cards[0].id]
    services.assignment_service(settings).assigner.assign(
        _card(settings, cards[0]),
        _card(settings, cards[0]).assignment.model_copy(  # type: ignore[union-attr]
            update={"state": AssignmentState.assigned, "agent_id": "agent-07"}
        ),
        AssignmentState.offered,
    )
    assert _handle(settings, offers) == {"stale": 10}  # the offer went to someone: nobody is asked
    assigned = Notice(kind="assigned", card_id=cards[0].id, agent_id="agent-08", at="t1")
    assert _handle(settings, [assigned]) == {"stale": 1}  # not theirs
    mine = Notice(kind="assigned", card_id=cards[0].id, agent_id="agent-07", at="t1")
    assert _handle(settings, [mine, mine]) == {"sent": 1, "duplicate": 1}
    again = mine.model_copy(update={"at": "t3"})  # assigned to them again later (A → B → A)
    assert _handle(settings, [again]) == {"sent": 1}
    assert [subject for to, subject in _emails() if to == "a7@example.com"] == [
        f"Org A: a card from {_batch_name(settings, cards[0])} is assigned to you"
    ] * 2
    tat = aws.dynamodb_table(settings.main_table).get_item(Key={"pk": "RATE#email", "sk": "TAT"})
    assert "Item" in tat  # the notice took a slot of the shared email rate
    with pytest.raises(NotFound):
        services.offer_desk(settings).view("not-a-token")
    with pytest.raises(Gone):
        services.offer_desk(settings).view(
            sign_offer(link_signing_key(settings), OfferToken(cards[1].id, "agent-01", 1, 5))
        )


def test_a_notice_that_failed_to_send_is_sent_when_the_message_comes_back(
    ringing: tuple[Settings, list[Card]], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, cards = ringing
    offers = [m for m in _queued(settings) if isinstance(m, Notice) and m.card_id == cards[0].id]
    texted = offers[0]  # agent-00 has a work phone
    original = SmsSender.send

    def paused(self: SmsSender, to: str, text: str) -> str:
        raise AccountPaused("SMS sending is paused")

    monkeypatch.setattr(SmsSender, "send", paused)
    with pytest.raises(AccountPaused):
        _handle(settings, [texted])
    monkeypatch.setattr(SmsSender, "send", original)
    assert _handle(settings, [texted]) == {"sent": 1}  # the record was removed: SQS's retry sends it
    assert len(_sms()[_phone(0)]) == 1

    def refused(self: SmsSender, to: str, text: str) -> str:
        raise Refused("InvalidParameter: not a mobile number")

    monkeypatch.setattr(SmsSender, "send", refused)
    assert _handle(settings, [offers[2]]) == {"sent": 1}  # agent-02's phone refused: by email
    assert [subject for to, subject in _emails() if to == "a2@example.com"] == [
        "Org A: a card offered to you"
    ]


def test_accepting_again_queues_what_follows_again_and_it_happens_once(
    ringing: tuple[Settings, list[Card]],
) -> None:
    settings, cards = ringing
    _queued(settings)
    expires = _offer_expiry(_card(settings, cards[0]))
    token = sign_offer(link_signing_key(settings), OfferToken(cards[0].id, "agent-05", 1, expires))
    desk = services.offer_desk(settings)
    assert desk.accept(token).state.value == "yours"
    assert desk.accept(token).state.value == "yours"  # e.g. the first queueing failed: the page again
    accepted = _queued(settings)
    assert accepted == [Accepted(card_id=cards[0].id, agent_id="agent-05", round=1)] * 2
    assert _handle(settings, accepted) == {"accepted": 2}
    assert sum(m.assigned for m in AgentStore(settings).members("g1")) == 1
    taken = _queued(settings)
    assert _handle(settings, taken) == {"sent": 9, "duplicate": 9}


def test_an_offer_to_an_agent_removed_since_cannot_be_accepted(
    deployed: Any, ringing: tuple[Settings, list[Card]]
) -> None:
    settings, cards = ringing
    expires = _offer_expiry(_card(settings, cards[0]))
    status, _ = deployed.api("DELETE", "/agents/agent-04", ADMIN)
    assert status == 204
    token = sign_offer(link_signing_key(settings), OfferToken(cards[0].id, "agent-04", 1, expires))
    with pytest.raises(NotFound):
        services.offer_desk(settings).accept(token)
    assert _card(settings, cards[0]).assignment.state is AssignmentState.offered  # type: ignore[union-attr]
    # An agent who holds a card cannot be removed until it is reassigned or retrieved.
    accept = sign_offer(link_signing_key(settings), OfferToken(cards[0].id, "agent-06", 1, expires))
    services.offer_desk(settings).accept(accept)
    status, error = deployed.api("DELETE", "/agents/agent-06", ADMIN)
    assert (status, error["error"]["code"]) == (409, "conflict")


def _agent(n: int) -> dict[str, Any]:
    """The claims of agent n's user (linked to agent-nn by its login email on first use)."""
    return {
        "sub": f"sub-a{n}",
        "email": f"a{n}@example.com",
        "cognito:groups": "agent",
        "custom:org_id": "org-a",
    }


def test_a_signed_in_agent_lists_their_offers_and_the_first_accept_wins(
    deployed: Any, ringing: tuple[Settings, list[Card]]
) -> None:
    """The console's workspace: the offers of the current round, accepted without the SMS link."""
    settings, cards = ringing
    status, offers = deployed.api("GET", "/agents/me/offers", _agent(3))
    assert status == 200
    assert sorted(item["id"] for item in offers["items"]) == sorted(card.id for card in cards)
    listed = offers["items"][0]
    assert listed["values"]["first_name"] in {"P0", "P1"}
    assert listed["offer_expires_at"] == cards[0].assignment.offer_expires_at  # type: ignore[union-attr]
    assert deployed.api("GET", "/agents/me/offers", _agent(12))[1]["items"] == []  # not in this round

    status, accepted = deployed.api("POST", f"/cards/{cards[0].id}/accept", _agent(3))
    assignment = accepted["assignment"]
    assert (status, assignment["state"], assignment["agent_id"], assignment["by"]) == (
        200,
        "assigned",
        "agent-03",
        "ring_all",
    )
    assert assignment["work_status"] == "hot"  # the setting's initial status comes with the accept
    assert deployed.api("POST", f"/cards/{cards[0].id}/accept", _agent(3))[0] == 200  # again: harmless
    status, late = deployed.api("POST", f"/cards/{cards[0].id}/accept", _agent(4))
    assert (status, late["error"]["message"]) == (409, "another agent has accepted this card")
    status, outside = deployed.api("POST", f"/cards/{cards[1].id}/accept", _agent(12))
    assert (status, outside["error"]["message"]) == (409, "this card is no longer offered to you")
    assert [item["id"] for item in deployed.api("GET", "/agents/me/offers", _agent(4))[1]["items"]] == [
        cards[1].id
    ]
    accepted_messages = [m for m in _queued(settings) if isinstance(m, Accepted)]
    assert [(m.card_id, m.agent_id) for m in accepted_messages] == [(cards[0].id, "agent-03")] * 2
