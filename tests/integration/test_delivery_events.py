"""SES delivery events through the events function (SQS batches), against the real stores on moto.

After every scenario the batch's counters equal a recount of its cards: events arriving twice, out
of order, or racing a recount of the chunk never count anything twice.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from dispatch import aws, services
from dispatch.batches.models import Batch
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings
from dispatch.organisations.suppression import SuppressionList

RECIPIENTS = 40


@pytest.fixture
def sent(sending_batch: Callable[..., tuple[Settings, Batch]]) -> tuple[Settings, Batch, list[Card]]:
    """A 40-recipient email batch sent through (emulated) SES."""
    settings, batch = sending_batch(RECIPIENTS, email_rate=2000.0)
    [chunk] = batch.chunks
    services.workflow(settings).send("org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings))
    cards = list(CardStore(settings).in_rows(batch.id, chunk.first_row, chunk.last_row))
    assert {card.status.value for card in cards} == {"sent"}
    return settings, batch, cards


def ses_event(card: Card, kind: str, **detail: Any) -> dict[str, Any]:
    """An SES event-publishing record, as SNS delivers it raw to the queue."""
    message_id = card.distributions[-1].message_id
    record: dict[str, Any] = {
        "eventType": kind,
        "mail": {
            "timestamp": "2026-11-23T10:00:00.000Z",
            "source": "no-reply@dispatch.local",
            "messageId": message_id,
            "destination": [card.email],
            "tags": {
                "ses:configuration-set": ["batch-dispatch-local"],
                "card_id": [card.id],
                "batch_id": [card.batch_id],
            },
        },
    }
    if kind == "Bounce":
        record["bounce"] = {
            "bounceType": detail.get("bounce_type", "Permanent"),
            "bounceSubType": "General",
            "bouncedRecipients": [
                {"emailAddress": card.email, "diagnosticCode": "smtp; 550 5.1.1 user unknown"}
            ],
            "timestamp": "2026-11-23T10:00:02.000Z",
        }
    elif kind == "Complaint":
        record["complaint"] = {
            "complainedRecipients": [{"emailAddress": card.email}],
            "timestamp": "2026-11-23T10:05:00.000Z",
        }
    else:
        record[kind.lower()] = {"timestamp": detail.get("at", "2026-11-23T10:00:01.000Z")}
    return record


def sqs_event(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": json.dumps(record),
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:batch-dispatch-local-delivery-events",
                "awsRegion": "us-east-1",
            }
            for index, record in enumerate(records)
        ]
    }


def statuses(settings: Settings, batch: Batch) -> Counter[str]:
    return Counter(card.status.value for card in CardStore(settings).in_rows(batch.id, 0, 10**7))


def assert_counters_exact(settings: Settings, batch: Batch) -> Batch:
    fresh = BatchStore(settings).get("org-a", batch.id)
    recount = statuses(settings, batch)
    assert fresh.counters.by_status == dict(recount)
    assert fresh.counters.delivered == recount["delivered"]
    assert fresh.counters.bounced == recount["bounced"]
    assert fresh.counters.sent == recount["sent"] + recount["delivered"] + recount["bounced"]
    return fresh


def test_delivery_bounce_and_complaint_update_cards_counters_and_suppression(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, batch, cards = sent
    delivered, hard, soft, complained = cards[:30], cards[30:34], cards[34:36], cards[36:38]
    records = (
        [ses_event(card, "Delivery") for card in delivered]
        + [ses_event(card, "Bounce") for card in hard]
        + [ses_event(card, "Bounce", bounce_type="Transient") for card in soft]
        + [ses_event(card, "Delivery") for card in complained]
        + [ses_event(card, "Complaint") for card in complained]
    )
    result = deployed.invoke("EventsFunction", sqs_event(records))
    assert result == {"batchItemFailures": []}

    assert statuses(settings, batch) == Counter({"delivered": 32, "bounced": 6, "sent": 2})
    fresh = assert_counters_exact(settings, batch)
    assert (fresh.counters.delivered, fresh.counters.bounced, fresh.counters.sent) == (32, 6, 40)
    store = CardStore(settings)
    bounced = store.get(hard[0].id)
    assert bounced.bounced_at == "2026-11-23T10:00:02.000Z"
    assert bounced.error is not None
    assert "550 5.1.1" in bounced.error
    assert store.get(complained[0].id).complained_at == "2026-11-23T10:05:00.000Z"
    assert store.get(delivered[0].id).delivered_at == "2026-11-23T10:00:01.000Z"
    everyone = {card.email or "" for card in cards}
    # Hard bounces and complaints are suppressed; soft bounces are not.
    assert SuppressionList(settings).suppressed("org-a", everyone) == {
        card.email for card in hard + complained
    }


def test_duplicate_and_out_of_order_events_are_harmless(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, batch, cards = sent
    first, second, third = cards[0], cards[1], cards[2]
    records = [
        ses_event(first, "Bounce"),  # the bounce arrives before the delivery: the bounce wins
        ses_event(first, "Delivery"),
        ses_event(second, "Delivery", at="2026-11-23T10:00:09.000Z"),
        ses_event(second, "Delivery", at="2026-11-23T10:00:01.000Z"),  # a duplicate, earlier time
        ses_event(third, "Open"),  # an open before its delivery event proves delivery
        ses_event(third, "Delivery"),
    ]
    for _ in range(3):  # SQS delivers at least once: the whole batch again changes nothing
        assert deployed.invoke("EventsFunction", sqs_event(records)) == {"batchItemFailures": []}
    store = CardStore(settings)
    assert store.get(first.id).status.value == "bounced"
    assert store.get(second.id).delivered_at == "2026-11-23T10:00:09.000Z"  # the first one applied
    opened = store.get(third.id)
    assert (opened.status.value, opened.opened_at) == ("delivered", "2026-11-23T10:00:01.000Z")
    fresh = assert_counters_exact(settings, batch)
    assert (fresh.counters.delivered, fresh.counters.bounced) == (2, 1)


def test_a_recount_of_the_chunk_after_events_adds_nothing(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, batch, cards = sent
    deployed.invoke("EventsFunction", sqs_event([ses_event(card, "Delivery") for card in cards[:10]]))
    workflow = services.workflow(settings)
    for _ in range(2):
        workflow.settle(batch, batch.chunks[0])
    assert assert_counters_exact(settings, batch).counters.delivered == 10


def test_an_uncounted_chunk_is_counted_from_its_cards(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    """Without the chunk's marker (never settled), the card changes and the chunk is recounted."""
    settings, batch, cards = sent
    before = BatchStore(settings).get("org-a", batch.id).counters
    table = aws.dynamodb_table(settings.main_table)
    table.delete_item(Key={"pk": f"BATCH#{batch.id}", "sk": "CHUNK#00000"})
    deployed.invoke("EventsFunction", sqs_event([ses_event(cards[0], "Delivery")]))
    after = BatchStore(settings).get("org-a", batch.id).counters
    # The recount starts over against no marker: the chunk's cards are added to what was there.
    assert after.by_status["delivered"] == before.by_status.get("delivered", 0) + 1
    assert CardStore(settings).get(cards[0].id).status.value == "delivered"


def test_an_event_for_a_card_still_being_sent_is_retried_not_lost(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _batch, cards = sent
    store = CardStore(settings)
    card = cards[0]
    assert store.change(card, CardStatus.sending, {})
    build = services.feedback
    monkeypatch.setattr(services, "feedback", lambda: replace(build(), wait_for_sender=0.0))
    records = [ses_event(card, "Delivery"), ses_event(cards[1], "Delivery")]
    result = deployed.invoke("EventsFunction", sqs_event(records))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-0"}]}  # only the waiting one
    assert store.get(card.id).status.value == "sending"
    store.change(store.get(card.id), CardStatus.sent, {})  # the sender records it
    assert deployed.invoke("EventsFunction", sqs_event(records[:1])) == {"batchItemFailures": []}
    assert store.get(card.id).status.value == "delivered"


def test_unknown_cards_and_untracked_event_kinds_are_ignored(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, batch, cards = sent
    stranger = ses_event(cards[0], "Delivery")
    stranger["mail"]["tags"]["card_id"] = ["nobatch-0000001"]
    untagged = ses_event(cards[0], "Delivery")
    del untagged["mail"]["tags"]["card_id"]
    send = ses_event(cards[0], "Send")
    assert deployed.invoke("EventsFunction", sqs_event([stranger, untagged, send])) == {
        "batchItemFailures": []
    }
    assert statuses(settings, batch) == Counter({"sent": RECIPIENTS})


def test_an_unreadable_record_fails_alone(deployed: Any, sent: tuple[Settings, Batch, list[Card]]) -> None:
    settings, _batch, cards = sent
    event = sqs_event([ses_event(cards[0], "Delivery"), {"not": "an SES event"}])
    assert deployed.invoke("EventsFunction", event) == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert CardStore(settings).get(cards[0].id).status.value == "delivered"
