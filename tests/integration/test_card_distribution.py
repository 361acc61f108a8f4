"""Individual distribution over the API: a ready card of an approved batch, or a resend; every
distribution recorded (a refused one too, without moving the card or its batch back); a batch's
cards listed by status with a cursor."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from moto.core.exceptions import JsonRESTError
from moto.sesv2.models import SESV2Backend

from dispatch import services
from dispatch.batches.store import BatchStore
from dispatch.cards.models import CardStatus
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso, utcnow
from dispatch.config import Settings
from dispatch.organisations.suppression import SuppressionList
from local.stack import ROOT

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
SENDER = {**ADMIN, "sub": "sub-s", "email": "agent@org-a.test", "cognito:groups": "sender"}


@pytest.fixture
def approved(deployed: Any, s3_event: Callable[..., dict[str, Any]]) -> tuple[Settings, str]:
    """A generated and approved batch of three email cards and one SMS card, nothing sent yet
    (auto distribution off)."""
    return _approved(deployed, s3_event)


def _approved(deployed: Any, s3_event: Callable[..., dict[str, Any]], **process: Any) -> tuple[Settings, str]:
    body = {
        **json.loads((ROOT / "examples" / "process.json").read_text()),
        "approval_required": False,
        **process,
    }
    _, process_view = deployed.api("POST", "/processes", ADMIN, body=body)
    deployed.api("POST", f"/processes/{process_view['id']}/publish", ADMIN)
    rows = (
        "first_name,email,phone\nAda,ada@example.com,\nBo,bo@example.com,\nCy,cy@example.com,\n"
        "Dee,,+14155550100\n"
    )
    key = f"drop/{process_view['id']}/list.csv"
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=rows.encode())
    [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(rows)))["batches"]
    step = {"batch_id": handled["batch_id"], "org_id": "org-a"}
    environment = deployed.runtime.functions[deployed.name("ApiFunction")].environment
    settings = Settings.from_env(environment)
    batch = BatchStore(settings).get("org-a", handled["batch_id"])
    for chunk in batch.chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
    assert BatchStore(settings).get("org-a", batch.id).status.value == "approved"
    return settings, batch.id


def _cards(deployed: Any, batch_id: str, **query: str) -> dict[str, Any]:
    status, body = deployed.api("GET", f"/batches/{batch_id}/cards", SENDER, query=query or None)
    assert status == 200
    return dict(body)


def test_a_ready_card_is_distributed_to_its_confirmed_address_and_recorded(
    deployed: Any, approved: tuple[Settings, str]
) -> None:
    settings, batch_id = approved
    [first, *_] = _cards(deployed, batch_id)["items"]
    path = f"/cards/{first['id']}/distribute"
    status, body = deployed.api("POST", path, SENDER, body={"address": "someone@else.test"})
    assert (status, body["error"]["code"]) == (422, "unprocessable")
    status, card = deployed.api("POST", path, SENDER, body={"address": "ADA@example.com"})
    assert status == 200
    assert card["status"] == "sent"
    last = card["last_distribution"]
    assert (last["by"], last["by_email"]) == ("sub-s", "agent@org-a.test")
    assert (last["channel"], last["address"]) == ("email", "ada@example.com")
    assert last["message_id"]
    status, again = deployed.api("POST", path, SENDER, body={"address": "ada@example.com"})  # a resend
    assert status == 200
    assert len(again["distributions"]) == 2
    assert again["last_distribution"]["message_id"] != last["message_id"]
    assert (
        deployed.api("GET", f"/cards/{first['id']}", SENDER)[1]["last_distribution"]
        == again["last_distribution"]
    )
    batch = BatchStore(settings).get("org-a", batch_id)
    assert (batch.counters.sent, batch.counters.by_status) == (1, {"ready": 3, "sent": 1})


def test_an_sms_card_is_distributed_by_its_phone_number(
    deployed: Any, approved: tuple[Settings, str]
) -> None:
    _, batch_id = approved
    dee = _cards(deployed, batch_id)["items"][3]
    status, card = deployed.api(
        "POST", f"/cards/{dee['id']}/distribute", SENDER, body={"address": "+1 (415) 555-0100"}
    )
    assert status == 200
    assert card["last_distribution"]["channel"] == "sms"


def test_a_card_distributed_by_hand_goes_to_the_batchs_agents_once(
    deployed: Any, s3_event: Callable[..., dict[str, Any]]
) -> None:
    """Auto distribution off, a card sent one by one is assigned as a chunk's cards are — once,
    however often it is resent — and the rest wait, unassigned, until they are sent."""
    _, group = deployed.api("POST", "/groups", ADMIN, body={"name": "Renewals"})
    agents = []
    for name in ("ann", "bob"):
        body = {"email": f"{name}@example.com", "name": name, "groups": [group["id"]]}
        agents.append(deployed.api("POST", "/agents", ADMIN, body=body)[1]["id"])
    setting = {"type": "round_robin", "group_id": group["id"], "initial_status": "to call"}
    _, batch_id = _approved(deployed, s3_event, assignment=setting)
    [ada, bo, *_] = _cards(deployed, batch_id)["items"]

    path = f"/cards/{ada['id']}/distribute"
    status, card = deployed.api("POST", path, SENDER, body={"address": "ada@example.com"})
    assert status == 200, card
    first = card["assignment"]
    assert (first["state"], first["work_status"]) == ("assigned", "to call")
    assert first["agent_id"] in agents
    assert deployed.api("POST", path, SENDER, body={"address": "ada@example.com"})[0] == 200  # a resend
    assert deployed.api("GET", f"/cards/{ada['id']}", SENDER)[1]["assignment"] == first  # not again
    rotation = deployed.api("GET", f"/groups/{group['id']}", ADMIN)[1]["rotation"]
    assert sorted(member["assigned"] for member in rotation) == [0, 1]
    assert deployed.api("GET", f"/cards/{bo['id']}", SENDER)[1]["assignment"] is None  # not sent yet


def test_distribution_is_refused_outside_an_approved_batch_and_for_unsendable_cards(
    deployed: Any, approved: tuple[Settings, str]
) -> None:
    settings, batch_id = approved
    [ada, bo, *_] = _cards(deployed, batch_id)["items"]
    store = CardStore(settings)
    store.change(store.get(bo["id"]), CardStatus.failed, {})
    status, body = deployed.api(
        "POST", f"/cards/{bo['id']}/distribute", SENDER, body={"address": "bo@example.com"}
    )
    assert (status, body["error"]["details"]) == (409, {"status": "failed"})
    deployed.api("POST", f"/batches/{batch_id}/reject", ADMIN, body={"reason": "wrong list"})
    status, body = deployed.api(
        "POST", f"/cards/{ada['id']}/distribute", SENDER, body={"address": "ada@example.com"}
    )
    assert status == 409
    stranger = {**SENDER, "custom:org_id": "org-b"}
    assert (
        deployed.api("POST", f"/cards/{ada['id']}/distribute", stranger, body={"address": "ada@example.com"})[
            0
        ]
        == 404
    )


def test_a_batchs_cards_are_listed_by_status_with_a_cursor(
    deployed: Any, approved: tuple[Settings, str]
) -> None:
    _, batch_id = approved
    first = _cards(deployed, batch_id)["items"][0]
    deployed.api("POST", f"/cards/{first['id']}/distribute", SENDER, body={"address": "ada@example.com"})
    assert [card["id"] for card in _cards(deployed, batch_id, status="sent")["items"]] == [first["id"]]
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page = _cards(deployed, batch_id, status="ready", limit="1", **({"cursor": cursor} if cursor else {}))
        seen += [card["id"] for card in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 3
    assert first["id"] not in seen
    status, _body = deployed.api("GET", f"/batches/{batch_id}/cards", SENDER, query={"status": "nonsense"})
    assert status == 400
    stranger = {**SENDER, "custom:org_id": "org-b"}
    assert deployed.api("GET", f"/batches/{batch_id}/cards", stranger)[0] == 404


class Rejected(JsonRESTError):
    code = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


@pytest.fixture
def delivered(deployed: Any, approved: tuple[Settings, str]) -> tuple[Settings, str, str]:
    """Ada's card of the approved batch distributed and delivered, the batch's counters settled."""
    settings, batch_id = approved
    [ada, *_] = _cards(deployed, batch_id)["items"]
    assert (
        deployed.api("POST", f"/cards/{ada['id']}/distribute", SENDER, body={"address": ada["email"]})[0]
        == 200
    )
    store = CardStore(settings)
    store.change(store.get(ada["id"]), CardStatus.delivered, {"delivered_at": "2026-01-01T00:00:00Z"})
    batch = BatchStore(settings).get("org-a", batch_id)
    [chunk] = batch.chunks
    counts = store.status_counts(batch_id, chunk.first_row, chunk.last_row)
    BatchStore(settings).settle_chunk("org-a", batch_id, chunk.index, lambda: counts)
    return settings, batch_id, ada["id"]


def _unmoved(settings: Settings, batch_id: str, card: dict[str, Any]) -> None:
    """History moved forward only: the card is still delivered, the batch's counters unchanged."""
    assert card["status"] == "delivered"
    counters = BatchStore(settings).get("org-a", batch_id).counters
    assert (counters.sent, counters.delivered, counters.by_status) == (1, 1, {"delivered": 1, "ready": 3})


def test_a_resend_to_a_suppressed_address_is_a_refusal_that_moves_nothing_back(
    deployed: Any, delivered: tuple[Settings, str, str]
) -> None:
    settings, batch_id, card_id = delivered
    SuppressionList(settings).add("org-a", "ada@example.com", "unsubscribed")
    status, card = deployed.api(
        "POST", f"/cards/{card_id}/distribute", SENDER, body={"address": "ada@example.com"}
    )
    assert status == 200
    _unmoved(settings, batch_id, card)
    assert [d["refused"] for d in card["distributions"]] == [None, "suppressed address"]
    refusal = card["last_distribution"]
    assert (
        refusal["by"],
        refusal["by_email"],
        refusal["channel"],
        refusal["address"],
        refusal["message_id"],
    ) == (
        "sub-s",
        "agent@org-a.test",
        "email",
        "ada@example.com",
        None,
    )


def test_a_resend_the_provider_refuses_keeps_the_card_delivered(
    deployed: Any, delivered: tuple[Settings, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, batch_id, card_id = delivered

    def refuse(self: SESV2Backend, *args: Any, **kwargs: Any) -> Any:
        raise Rejected("MessageRejected", "Email address is not verified.")

    monkeypatch.setattr(SESV2Backend, "send_email", refuse)
    status, card = deployed.api(
        "POST", f"/cards/{card_id}/distribute", SENDER, body={"address": "ada@example.com"}
    )
    assert status == 200
    _unmoved(settings, batch_id, card)
    assert card["last_distribution"]["refused"] == "MessageRejected: Email address is not verified."
    assert card["error"] is None  # the card did not fail: it was delivered, and still is


def test_a_resend_stopped_by_a_paused_account_leaves_the_card_as_it_was(
    deployed: Any, delivered: tuple[Settings, str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, batch_id, card_id = delivered

    def paused(self: SESV2Backend, *args: Any, **kwargs: Any) -> Any:
        raise Rejected("SendingPausedException", "Sending is paused for this account.")

    monkeypatch.setattr(SESV2Backend, "send_email", paused)
    status, body = deployed.api(
        "POST", f"/cards/{card_id}/distribute", SENDER, body={"address": "ada@example.com"}
    )
    assert (status, body["error"]["code"]) == (409, "conflict")
    card = deployed.api("GET", f"/cards/{card_id}", SENDER)[1]
    _unmoved(settings, batch_id, card)  # not `ready`: that would send it again with the batch
    assert len(card["distributions"]) == 1


def test_a_resend_whose_sender_died_leaves_a_delivered_card_delivered(
    deployed: Any, delivered: tuple[Settings, str, str]
) -> None:
    settings, batch_id, card_id = delivered
    store = CardStore(settings)
    # The resend marks its chunk in flight and claims the card; then its sender died.
    card = store.get(card_id)
    batch = BatchStore(settings).get("org-a", batch_id)
    [chunk] = batch.chunks
    assert BatchStore(settings).open_chunk(batch_id, chunk.index, now_iso())
    assert store.claim(card, [CardStatus.delivered], "sub-approver")
    swept = services.workflow(settings).sweep(
        utcnow() + timedelta(hours=1), stale_after=timedelta(minutes=20)
    )
    assert swept == 1
    _unmoved(settings, batch_id, deployed.api("GET", f"/cards/{card_id}", SENDER)[1])
