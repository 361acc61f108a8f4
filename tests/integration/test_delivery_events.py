"""SES delivery events through the events function (SQS batches), against the real stores on moto.

After every scenario the batch's counters equal a recount of its cards: events arriving twice, out
of order, or racing a recount of the chunk never count anything twice.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from dispatch import aws, services
from dispatch.batches.models import Batch
from dispatch.batches.store import BatchStore
from dispatch.cards.models import SYSTEM_SENDER, Card, CardStatus, Distribution
from dispatch.cards.store import CardStore
from dispatch.config import Settings
from dispatch.delivery.channels import EmailSender
from dispatch.organisations.suppression import SuppressionList
from local.template import ACCOUNT_ID, REGION

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


def ses_event(card: Card, kind: str, message_id: str | None = None, **detail: Any) -> dict[str, Any]:
    """An SES event-publishing record, as SNS delivers it raw to the queue (of the card's last
    email, unless ``message_id`` names another)."""
    message_id = message_id or card.distributions[-1].message_id
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


def reputation(settings: Settings) -> dict[str, dict[str, Any]]:
    """Account protection's items of the organisation (``REPUTATION#org-a``), by sort key."""
    items = aws.dynamodb_table(settings.main_table).query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": "REPUTATION#org-a"}
    )["Items"]
    return {str(item["sk"]): item for item in items}


def assert_counters_exact(settings: Settings, batch: Batch) -> Batch:
    """The batch's counters equal a recount of its cards, and so do account protection's sends (its
    emails with a known outcome: delivered or bounced), in the batch's tally and the hours alike."""
    fresh = BatchStore(settings).get("org-a", batch.id)
    recount = statuses(settings, batch)
    assert fresh.counters.by_status == dict(recount)
    assert fresh.counters.delivered == recount["delivered"]
    assert fresh.counters.bounced == recount["bounced"]
    assert fresh.counters.sent == recount["sent"] + recount["delivered"] + recount["bounced"]
    items = reputation(settings)
    outcomes = recount["delivered"] + recount["bounced"]
    assert int(items.get(f"BATCH#{batch.id}", {}).get("sends", 0)) == outcomes
    assert sum(int(item.get("sends", 0)) for sk, item in items.items() if sk.startswith("HOUR#")) == outcomes
    assert not [sk for sk in items if sk.startswith("sends#")]  # no marker per message for a send
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


def test_an_event_batch_counts_each_chunk_it_touched_once(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    """Each event writes its card alone; the batch and the chunk's marker are written once for the
    whole queue batch (a recount of the chunk), not once per event in a transaction."""
    settings, batch, cards = sent
    store = BatchStore(settings)
    revision = store.get("org-a", batch.id).revision
    records = [ses_event(card, "Delivery") for card in cards[:30]]
    assert deployed.invoke("EventsFunction", sqs_event(records)) == {"batchItemFailures": []}
    assert store.get("org-a", batch.id).revision == revision + 1
    assert assert_counters_exact(settings, batch).counters.delivered == 30


def test_an_event_received_again_counts_the_chunk_an_earlier_attempt_left_uncounted(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The invocation dies after moving the cards, before counting their chunk: SQS hands the
    messages over again, the cards have nothing left to change, and the chunk is counted."""
    settings, batch, cards = sent
    records = [ses_event(card, "Delivery") for card in cards[:5]]
    original = BatchStore.settle_chunk

    def die(*args: Any, **kwargs: Any) -> None:
        raise Crash

    monkeypatch.setattr(BatchStore, "settle_chunk", die)
    with pytest.raises(Crash):
        deployed.invoke("EventsFunction", sqs_event(records))
    monkeypatch.setattr(BatchStore, "settle_chunk", original)
    assert statuses(settings, batch)["delivered"] == 5
    assert BatchStore(settings).get("org-a", batch.id).counters.delivered == 0
    again = sqs_event(records)
    for record in again["Records"]:
        record["attributes"]["ApproximateReceiveCount"] = "2"
    assert deployed.invoke("EventsFunction", again) == {"batchItemFailures": []}
    assert assert_counters_exact(settings, batch).counters.delivered == 5


def test_a_settlement_that_loses_a_race_counts_the_cards_again(
    sent: tuple[Settings, Batch, list[Card]],
) -> None:
    """Two settlements of one chunk: the one that counted first but lands second must not put its
    older count over the newer one; it reads the marker and counts again."""
    settings, batch, cards = sent
    [chunk] = batch.chunks
    store, card_store = BatchStore(settings), CardStore(settings)
    calls = itertools.count()

    def count() -> dict[str, int]:
        counted = card_store.status_counts(batch.id, chunk.first_row, chunk.last_row)
        if next(calls) == 0:  # meanwhile a card moves and its writer settles first
            card_store.change(cards[0], CardStatus.delivered, {"delivered_at": "2026-11-23T10:00:01.000Z"})
            services.workflow(settings).settle(batch, chunk)
        return counted

    store.settle_chunk("org-a", batch.id, chunk.index, count)
    assert assert_counters_exact(settings, batch).counters.delivered == 1


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


class Crash(BaseException):
    """The send function's process dies (an out-of-memory exit, a timeout): nothing after it runs."""


def accepted_emails() -> dict[str, str]:
    """Every email SES (moto) accepted, message id → card id (the tag the sender puts on it)."""
    from moto.ses.models import ses_backends

    found = {}
    for message in ses_backends[ACCOUNT_ID][REGION].sent_messages:
        email = getattr(message, "local_sent_email", None)
        if email is not None and "card_id" in email.tags:
            found[message.id] = email.tags["card_id"]
    return found


def event_for(message_id: str, card: Card, kind: str = "Delivery", **detail: Any) -> dict[str, Any]:
    """The SES event of one accepted message, whether or not its card records it."""
    return ses_event(card, kind, message_id, **detail)


def no_negative_counter(settings: Settings, batch: Batch) -> None:
    counters = BatchStore(settings).get("org-a", batch.id).counters
    negative = {
        name: count for name, count in counters.model_dump().items() if isinstance(count, int) and count < 0
    }
    assert not negative, counters
    assert all(count >= 0 for count in counters.by_status.values()), counters


@pytest.fixture
def crashed(
    sending_batch: Callable[..., tuple[Settings, Batch]], monkeypatch: pytest.MonkeyPatch
) -> tuple[Settings, Batch, dict[str, str]]:
    """A 40-recipient batch whose send function died right after SES accepted its 8th email: the
    chunk was neither finished nor counted. Returns the emails SES holds (message id → card id)."""
    settings, batch = sending_batch(RECIPIENTS, email_rate=2000.0)
    [chunk] = batch.chunks
    original, calls, lock = EmailSender.send, itertools.count(1), threading.Lock()

    def send(self: EmailSender, *args: Any, **kwargs: Any) -> str:
        message_id = original(self, *args, **kwargs)
        with lock:
            call = next(calls)
        if call == 8:
            raise Crash
        return message_id

    monkeypatch.setattr(EmailSender, "send", send)
    with pytest.raises(Crash):
        services.workflow(settings).send(
            "org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings)
        )
    monkeypatch.setattr(EmailSender, "send", original)
    return settings, batch, accepted_emails()


def test_events_after_a_sender_died_mid_chunk_never_make_counters_negative(
    deployed: Any, crashed: tuple[Settings, Batch, dict[str, str]]
) -> None:
    """Issue 13: a chunk interrupted after SES took some emails, then their delivery events, read
    {"sent": -3, "delivered": 3, "ready": 400} where the cards were sent, delivered, sending and
    ready. Counters never go below zero, and once the chunk's retried task has run they equal the
    cards; a recount after that changes nothing."""
    settings, batch, accepted = crashed
    store = CardStore(settings)
    by_status = statuses(settings, batch)
    assert by_status["ready"] >= RECIPIENTS - 16, by_status  # 8 workers: at most 16 claimed
    assert by_status["sending"] >= 1, by_status
    no_negative_counter(settings, batch)
    records = [event_for(mid, store.get(card_id)) for mid, card_id in accepted.items()]
    result = deployed.invoke("EventsFunction", sqs_event(records))
    no_negative_counter(settings, batch)
    assert result == {"batchItemFailures": []}
    assert statuses(settings, batch)["delivered"] == len(accepted)
    # The chunk's task again (Step Functions retries it): the ready cards go, the chunk is counted.
    [chunk] = batch.chunks
    workflow = services.workflow(settings)
    workflow.send("org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings))
    no_negative_counter(settings, batch)
    assert_counters_exact(settings, batch)
    later = {mid: card_id for mid, card_id in accepted_emails().items() if mid not in accepted}
    deployed.invoke(
        "EventsFunction", sqs_event([event_for(mid, store.get(cid)) for mid, cid in later.items()])
    )
    # Every card a provider took is delivered. The only others are cards the dead sender had
    # claimed whose call never started (its rate slot came too late on a busy machine): they stay
    # ``sending`` for the sweep to mark unconfirmed — nothing sends them twice.
    taken = set(accepted_emails().values())
    by_card = {card.id: card.status for card in CardStore(settings).in_rows(batch.id, 0, 10**7)}
    assert {card_id for card_id, status in by_card.items() if status is CardStatus.delivered} == taken
    assert all(status is CardStatus.sending for card_id, status in by_card.items() if card_id not in taken)
    assert len(by_card) == RECIPIENTS
    exact = assert_counters_exact(settings, batch)
    workflow.settle(batch, chunk)
    workflow.settle(batch, chunk)
    assert BatchStore(settings).get("org-a", batch.id).counters == exact.counters


def test_a_batch_whose_sender_died_after_the_provider_took_cards_finishes_sent(
    deployed: Any, crashed: tuple[Settings, Batch, dict[str, str]]
) -> None:
    """After the retried chunk, cards still ``sending`` were claimed by the sender that died around
    its provider call (here: after SES took them). Nothing sends them again; they count as handed
    over, and the batch says how many are unconfirmed."""
    settings, batch, _accepted = crashed
    [chunk] = batch.chunks
    workflow = services.workflow(settings)
    workflow.send("org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings))
    stuck = statuses(settings, batch)["sending"]
    assert stuck >= 1
    finished = workflow.finish_sending("org-a", batch.id, f"{batch.id}-send-1")
    assert finished.status.value == "sent"
    assert finished.status_reason == (
        f"{stuck} card(s) unconfirmed: their sender stopped around the provider call; "
        "an approver may resend them"
    )


def test_a_batch_that_fails_after_its_sender_died_has_counters_equal_to_its_cards(
    deployed: Any, crashed: tuple[Settings, Batch, dict[str, str]]
) -> None:
    """Retries ran out (MarkFailed) with the chunk still open and its events counted on the cards
    only: the failed batch's counters are made exact before it reads failed."""
    settings, batch, accepted = crashed
    store = CardStore(settings)
    deployed.invoke(
        "EventsFunction", sqs_event([event_for(mid, store.get(cid)) for mid, cid in accepted.items()])
    )
    error = {"Error": "Sandbox.Timedout", "Cause": "Task timed out"}
    services.workflow(settings).fail("org-a", batch.id, error, f"{batch.id}-send-1")
    failed = assert_counters_exact(settings, batch)
    assert failed.status.value == "failed"


def test_an_event_on_a_chunk_counted_before_its_cards_changed_recounts_it(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]]
) -> None:
    """Cards changed and never counted (a writer that died before settling, long ago): the event
    finds no card counted as sent to move, so it counts the chunk again instead of going below 0."""
    settings, batch = sending_batch(RECIPIENTS, email_rate=2000.0)
    store = CardStore(settings)
    cards = list(store.in_rows(batch.id, 0, 10**7))[:3]
    table = aws.dynamodb_table(settings.cards_table)
    for index, card in enumerate(cards):  # recorded as sent, never counted: the marker says ready
        table.update_item(
            Key={"batch_id": card.batch_id, "row": card.row},
            UpdateExpression="SET #s = :sent, message_id = :m, distributions = :d",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":sent": "sent",
                ":m": f"m-{index}",
                ":d": [
                    {
                        "at": "2026-11-23T10:00:00.000Z",
                        "by": "system:auto-distribution",
                        "channel": "email",
                        "address": card.email,
                        "message_id": f"m-{index}",
                    }
                ],
            },
        )
    records = [ses_event(store.get(card.id), "Delivery") for card in cards]
    assert deployed.invoke("EventsFunction", sqs_event(records)) == {"batchItemFailures": []}
    no_negative_counter(settings, batch)
    assert_counters_exact(settings, batch)


def test_an_event_for_a_card_whose_sender_died_after_ses_took_it_moves_it_forward(
    deployed: Any, crashed: tuple[Settings, Batch, dict[str, str]]
) -> None:
    """The event proves SES accepted the message: the card still ``sending`` is recorded as sent
    (message id, time, the distribution in the claimant's name) and delivered — at once, not after
    waiting for a sender that will never come back, nor in the dead-letter queue."""
    settings, _batch, accepted = crashed
    store = CardStore(settings)
    stuck = {mid: cid for mid, cid in accepted.items() if store.get(cid).status is CardStatus.sending}
    assert stuck, "the crash left cards that SES took still sending"
    records = [event_for(mid, store.get(cid)) for mid, cid in stuck.items()]
    assert deployed.invoke("EventsFunction", sqs_event(records)) == {"batchItemFailures": []}
    table = aws.dynamodb_table(settings.cards_table)
    for message_id, card_id in stuck.items():
        card = store.get(card_id)
        item = table.get_item(Key={"batch_id": card.batch_id, "row": card.row})["Item"]
        assert (card.status, item["message_id"], card.sent_at) == (
            CardStatus.delivered,
            message_id,
            "2026-11-23T10:00:00.000Z",
        )
        [entry] = card.distributions
        assert (entry.message_id, entry.by, entry.channel, entry.address) == (
            message_id,
            "system:auto-distribution",
            "email",
            card.email,
        )
        assert "claimed_at" not in item  # no claim left: the sweep will not turn it unconfirmed


def test_a_sender_that_records_after_the_event_adds_what_the_event_did_not_know(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]]
) -> None:
    settings, batch = sending_batch(RECIPIENTS, email_rate=2000.0)
    store = CardStore(settings)
    card = next(iter(store.in_rows(batch.id, 0, 10**7)))
    aws.dynamodb_table(settings.cards_table).update_item(  # claimed by the batch's sender
        Key={"batch_id": card.batch_id, "row": card.row},
        UpdateExpression="SET #s = :sending, claimed_at = :at",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":sending": "sending", ":at": "2026-11-23T10:00:00.000Z"},
    )
    deployed.invoke("EventsFunction", sqs_event([event_for("m-email", store.get(card.id))]))
    assert store.get(card.id).status is CardStatus.delivered
    history = [
        Distribution(
            at="2026-11-23T10:00:00.100Z",
            by="system:auto-distribution",
            channel="email",
            address=card.email or "",
            message_id="m-email",
        ),
        Distribution(
            at="2026-11-23T10:00:00.200Z",
            by="system:auto-distribution",
            channel="sms",
            address="+14155550100",
            message_id="m-sms",
        ),
    ]
    store.mark_sent(card, history)  # the sender, alive, records its send late
    recorded = store.get(card.id)
    assert recorded.status is CardStatus.delivered  # never back to sent
    assert [entry.message_id for entry in recorded.distributions] == ["m-email", "m-sms"]
    item = aws.dynamodb_table(settings.cards_table).get_item(Key={"batch_id": card.batch_id, "row": card.row})
    assert item["Item"]["message_id"] == "m-sms"


def _resent(settings: Settings, card: Card) -> Card:
    """The card as a resend leaves it: sent twice, both emails accepted, the second one last."""
    entries = [
        {
            "at": f"2026-11-23T1{n}:00:00.000Z",
            "by": "sub-approver",
            "channel": "email",
            "address": card.email,
            "message_id": f"m-{n}",
        }
        for n in (1, 2)
    ]
    aws.dynamodb_table(settings.cards_table).update_item(
        Key={"batch_id": card.batch_id, "row": card.row},
        UpdateExpression="SET message_id = :m, distributions = :d",
        ExpressionAttributeValues={":m": "m-2", ":d": entries},
    )
    return CardStore(settings).get(card.id)


def test_a_reject_of_a_resend_leaves_the_card_reached_by_its_first_email(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, batch, cards = sent
    card = _resent(settings, cards[0])
    reject = ses_event(card, "Reject")
    reject["reject"] = {"reason": "Bad content"}
    assert deployed.invoke("EventsFunction", sqs_event([reject, reject])) == {"batchItemFailures": []}
    after = CardStore(settings).get(card.id)
    assert after.status is CardStatus.sent  # the first email was accepted: history only moves forward
    assert [(entry.message_id, entry.refused) for entry in after.distributions] == [
        ("m-1", None),
        ("m-2", None),
        ("m-2", "rejected by SES: Bad content"),
    ]
    assert assert_counters_exact(settings, batch).counters.failed == 0


def test_a_reject_of_a_cards_only_email_fails_it(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    settings, batch, cards = sent
    reject = ses_event(cards[0], "Reject")
    reject["reject"] = {"reason": "Bad content"}
    assert deployed.invoke("EventsFunction", sqs_event([reject])) == {"batchItemFailures": []}
    after = CardStore(settings).get(cards[0].id)
    assert (after.status, after.error) == (CardStatus.failed, "rejected by SES: Bad content")
    assert assert_counters_exact(settings, batch).counters.failed == 1


def test_a_bounce_of_one_email_never_undoes_another_emails_delivery(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    """A bounce concerns its own message, like a Reject: on a resent card whose other email was
    accepted it is history, whichever email bounced and in whatever order the events come; the
    card never moves back from what another email reached (it moved ``delivered`` → ``bounced``)."""
    settings, batch, cards = sent
    old_bounces, resend_bounces = _resent(settings, cards[0]), _resent(settings, cards[1])
    late_bounce = _resent(settings, cards[2])
    records = [
        ses_event(old_bounces, "Delivery", "m-2"),
        ses_event(old_bounces, "Bounce", "m-1"),  # the first email bounced, the resend arrived
        ses_event(resend_bounces, "Delivery", "m-1"),
        ses_event(resend_bounces, "Bounce", "m-2"),  # the first email arrived, the resend bounced
        ses_event(resend_bounces, "Delivery", "m-2"),  # a bounced email's late delivery proves nothing
        ses_event(late_bounce, "Bounce", "m-1"),  # before the resend's delivery
        ses_event(late_bounce, "Delivery", "m-2"),
    ]
    for _ in range(2):  # SQS delivers at least once
        assert deployed.invoke("EventsFunction", sqs_event(records)) == {"batchItemFailures": []}
    store = CardStore(settings)
    for card, bounced in ((old_bounces, "m-1"), (resend_bounces, "m-2"), (late_bounce, "m-1")):
        after = store.get(card.id)
        assert after.status is CardStatus.delivered, card.id
        assert [(entry.message_id, entry.refused is not None) for entry in after.distributions] == [
            ("m-1", False),
            ("m-2", False),
            (bounced, True),
        ]
    assert assert_counters_exact(settings, batch).counters.bounced == 0


def test_a_bounce_of_a_cards_only_email_still_bounces_it_after_a_refused_resend(
    deployed: Any, sent: tuple[Settings, Batch, list[Card]]
) -> None:
    """When every email of the card bounced, the card is ``bounced``."""
    settings, batch, cards = sent
    card = _resent(settings, cards[0])
    records = [ses_event(card, "Bounce", "m-2"), ses_event(card, "Bounce", "m-1")]
    assert deployed.invoke("EventsFunction", sqs_event(records)) == {"batchItemFailures": []}
    assert CardStore(settings).get(card.id).status is CardStatus.bounced
    assert assert_counters_exact(settings, batch).counters.bounced == 1


def _unconfirmed(settings: Settings, batch: Batch, count: int) -> list[Card]:
    """``count`` cards whose sender died around its provider call: claimed, then made
    ``unconfirmed`` by the sweep, and counted."""
    store, table = CardStore(settings), aws.dynamodb_table(settings.cards_table)
    chosen = list(store.in_rows(batch.id, 0, 10**7))[:count]
    for card in chosen:
        assert store.claim(card, {CardStatus.ready}, SYSTEM_SENDER)
        claimed_at = table.get_item(Key={"batch_id": card.batch_id, "row": card.row})["Item"]["claimed_at"]
        assert store.mark_unconfirmed(card.batch_id, card.row, str(claimed_at))
    settle(settings, batch)
    return [store.get(card.id) for card in chosen]


def settle(settings: Settings, batch: Batch) -> None:
    """Count the batch's one chunk, as a person's send does after it."""
    [chunk] = batch.chunks
    counts = CardStore(settings).status_counts(batch.id, chunk.first_row, chunk.last_row)
    BatchStore(settings).settle_chunk("org-a", batch.id, chunk.index, lambda: counts)


def test_a_reject_of_a_resend_of_an_unconfirmed_card_leaves_it_unconfirmed(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]]
) -> None:
    """An approver resends an ``unconfirmed`` card (its first email may have reached the recipient)
    and SES rejects the resend: the card is ``unconfirmed`` again, as a resend refused at the call
    leaves it — never ``failed``, whether the Reject comes before or after the sender records the
    send."""
    settings, batch = sending_batch(RECIPIENTS, email_rate=2000.0)
    store = CardStore(settings)
    recorded, in_flight = _unconfirmed(settings, batch, 2)
    resends = {}
    for card in (recorded, in_flight):
        assert store.claim(card, {CardStatus.unconfirmed}, "sub-approver", "approver@org-a.test")
        resends[card.id] = Distribution(
            at="2026-11-23T10:00:00.000Z",
            by="sub-approver",
            by_email="approver@org-a.test",
            channel="email",
            address=card.email or "",
            message_id=f"m-resend-{card.row}",
        )
    store.mark_sent(recorded, [resends[recorded.id]])
    settle(settings, batch)
    assert store.get(recorded.id).status is CardStatus.sent
    rejects = []
    for card in (recorded, in_flight):
        reject = ses_event(card, "Reject", f"m-resend-{card.row}")
        reject["reject"] = {"reason": "Bad content"}
        rejects.append(reject)
    assert deployed.invoke("EventsFunction", sqs_event(rejects + rejects)) == {"batchItemFailures": []}
    store.mark_sent(in_flight, [resends[in_flight.id]])  # its sender records the send late
    settle(settings, batch)
    for card in (recorded, in_flight):
        after = store.get(card.id)
        assert (after.status, after.error) == (CardStatus.unconfirmed, None), card.id
        assert [(entry.message_id, entry.refused) for entry in after.distributions][-1] == (
            f"m-resend-{card.row}",
            "rejected by SES: Bad content",
        )
    assert assert_counters_exact(settings, batch).counters.failed == 0


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
