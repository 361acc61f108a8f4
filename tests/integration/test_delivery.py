"""Fault injection on the delivery engine (real stores on moto, simulated providers).

After every scenario: no recipient got a message twice, and every card is in exactly one state,
with ``cards = sent + failed + unconfirmed + rejected + suppressed + ready + error`` (nothing lost).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from moto.ses.models import ses_backends

from dispatch import aws, services
from dispatch.assignment.prospects import ProspectBlocks
from dispatch.batches.execution import Executions
from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, utcnow
from dispatch.config import Settings
from dispatch.delivery.channels import AccountPaused, EmailMessage, Refused, TemporaryFailure
from dispatch.delivery.sender import ChunkSender
from dispatch.organisations.suppression import SuppressionList
from local.stack import ROOT

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
RECIPIENTS = 40
STATES = ("sent", "failed", "unconfirmed", "rejected", "suppressed", "ready", "error")


class FakeEmail:
    """A provider that accepts, throttles or refuses by script, and remembers what it accepted."""

    def __init__(self, script: Callable[[int, str], None] = lambda call, to: None) -> None:
        self.script = script
        self.calls = 0
        self.accepted: Counter[str] = Counter()
        self._lock = threading.Lock()

    def send(self, to: str, message: EmailMessage, unsubscribe_url: str, tags: dict[str, str]) -> str:
        with self._lock:
            self.calls += 1
            call = self.calls
        self.script(call, to)
        with self._lock:
            self.accepted[to] += 1
        return f"msg-{to}-{call}"


class Crash(BaseException):
    """Stands for the Lambda dying: nothing after it in the invocation runs."""


@pytest.fixture
def sending(sending_batch: Callable[..., tuple[Settings, Batch]]) -> tuple[Settings, Batch]:
    """A batch of 40 email recipients, sending (one chunk); the rate limit, the subject of its own
    test, is out of the way."""
    return sending_batch(RECIPIENTS, email_rate=2000.0)


def _sender(settings: Settings, batch: Batch, email: FakeEmail, **overrides: Any) -> ChunkSender:
    sender = services.chunk_sender(batch, settings)
    sender.email = email  # type: ignore[assignment]
    sender.backoff_base = 0.001
    for name, value in overrides.items():
        setattr(sender, name, value)
    return sender


def _send(settings: Settings, batch: Batch, email: FakeEmail, **overrides: Any) -> dict[str, Any]:
    workflow = services.workflow(settings)
    [chunk] = batch.chunks
    return workflow.send("org-a", batch.id, chunk, lambda b: _sender(settings, b, email, **overrides))


def _assert_nothing_lost_or_doubled(settings: Settings, batch: Batch, email: FakeEmail) -> dict[str, int]:
    assert all(count == 1 for count in email.accepted.values()), "a recipient got a message twice"
    fresh = BatchStore(settings).get("org-a", batch.id)
    by_status = fresh.counters.by_status
    assert set(by_status) <= set(STATES)
    assert fresh.counters.cards == RECIPIENTS == sum(by_status.get(state, 0) for state in STATES)
    actual = Counter(card.status.value for card in CardStore(settings).in_rows(batch.id, 0, 10**7))
    assert dict(actual) == by_status, "counters drifted from the cards"
    sent, unconfirmed = by_status.get("sent", 0), by_status.get("unconfirmed", 0)
    assert sent <= len(email.accepted) <= sent + unconfirmed, (
        "only unconfirmed cards may hide an accepted message"
    )
    return by_status


def test_a_throttling_storm_is_ridden_out_with_backoff(sending: tuple[Settings, Batch]) -> None:
    settings, batch = sending

    def storm(call: int, to: str) -> None:
        if call <= 100:
            raise TemporaryFailure("TooManyRequestsException: slow down")

    email = FakeEmail(storm)
    result = _send(settings, batch, email)
    assert result["sent"] == RECIPIENTS
    assert _assert_nothing_lost_or_doubled(settings, batch, email) == {"sent": RECIPIENTS}


def test_cards_a_provider_keeps_failing_wait_for_the_chunks_retry(sending: tuple[Settings, Batch]) -> None:
    """Batch sending: a card still throttled (or 5xx) after its attempts goes back to ready and the
    chunk, once counted, fails with TemporaryFailure — Step Functions retries it, backing off for
    minutes; the retry sends them when the provider has recovered. Nothing fails for good."""
    settings, batch = sending
    recovered = threading.Event()

    def down_for_some(call: int, to: str) -> None:
        if to.startswith(("p1", "p2")) and not recovered.is_set():
            raise TemporaryFailure("500: service unavailable")

    email = FakeEmail(down_for_some)
    with pytest.raises(TemporaryFailure, match="kept throttling or failing"):
        _send(settings, batch, email)
    by_status = _assert_nothing_lost_or_doubled(settings, batch, email)
    failing = sum(1 for n in range(RECIPIENTS) if str(n).startswith(("1", "2")))
    assert by_status == {"sent": RECIPIENTS - failing, "ready": failing}
    recovered.set()
    assert _send(settings, batch, email)["sent"] == failing  # Step Functions' retry of the chunk
    assert _assert_nothing_lost_or_doubled(settings, batch, email) == {"sent": RECIPIENTS}


def test_a_persons_send_fails_cards_a_provider_keeps_failing_as_retryable(
    sending: tuple[Settings, Batch],
) -> None:
    settings, batch = sending

    def down_for_some(call: int, to: str) -> None:
        if to.startswith(("p1", "p2")):
            raise TemporaryFailure("500: service unavailable")

    email = FakeEmail(down_for_some)
    _send(settings, batch, email, defer_temporary=False)
    by_status = _assert_nothing_lost_or_doubled(settings, batch, email)
    failing = sum(1 for n in range(RECIPIENTS) if str(n).startswith(("1", "2")))
    assert by_status == {"sent": RECIPIENTS - failing, "failed": failing}
    failed = [c for c in CardStore(settings).in_rows(batch.id, 0, 10**7) if c.status.value == "failed"]
    assert all(card.retryable is True and "after 5 attempts" in (card.error or "") for card in failed)


def test_a_refused_message_fails_its_card_with_the_providers_reason(sending: tuple[Settings, Batch]) -> None:
    settings, batch = sending

    def refuse(call: int, to: str) -> None:
        if to == "p7@example.com":
            raise Refused("MessageRejected: Email address is not verified.")

    email = FakeEmail(refuse)
    _send(settings, batch, email)
    assert _assert_nothing_lost_or_doubled(settings, batch, email) == {"sent": RECIPIENTS - 1, "failed": 1}
    [card] = [c for c in CardStore(settings).in_rows(batch.id, 0, 10**7) if c.status.value == "failed"]
    assert card.error == "email: MessageRejected: Email address is not verified."
    assert card.retryable is False


def test_a_paused_account_stops_the_batch_instead_of_failing_every_card(
    sending: tuple[Settings, Batch],
) -> None:
    settings, batch = sending

    def pause(call: int, to: str) -> None:
        if call > 10:
            raise AccountPaused("SendingPausedException: sending is paused for this account")

    email = FakeEmail(pause)
    result = _send(settings, batch, email)
    assert result["paused_reason"].startswith("email provider account cannot send")
    by_status = _assert_nothing_lost_or_doubled(settings, batch, email)
    assert by_status == {"sent": 10, "ready": RECIPIENTS - 10}
    paused = BatchStore(settings).get("org-a", batch.id)
    assert paused.status is BatchStatus.partially_sent
    assert "SendingPaused" in (paused.status_reason or "")


def _crash_after_the_provider_took_p11(
    settings: Settings, batch: Batch, email: FakeEmail, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One sender sends the chunk and dies after SES took p11@example.com, before recording it."""
    original = CardStore.mark_sent

    def crash_on_the_twelfth(self: CardStore, card: Any, distributions: Any, queued: Any = None) -> None:
        if card.email == "p11@example.com":
            raise Crash("the function died before recording")
        original(self, card, distributions, queued)

    monkeypatch.setattr(CardStore, "mark_sent", crash_on_the_twelfth)
    with pytest.raises(Crash):
        _send(settings, batch, email, workers=1)
    monkeypatch.setattr(CardStore, "mark_sent", original)


def test_a_crash_after_the_provider_accepted_never_leads_to_a_second_send(
    sending: tuple[Settings, Batch], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, batch = sending
    email = FakeEmail()
    _crash_after_the_provider_took_p11(settings, batch, email, monkeypatch)

    _send(settings, batch, email)  # Step Functions retries the chunk
    workflow = services.workflow(settings)
    swept = workflow.sweep(utcnow(), stale_after=timedelta(0))
    assert swept >= 1  # the crashed card, and any claimed card that was in flight with it
    by_status = _assert_nothing_lost_or_doubled(settings, batch, email)
    assert by_status == {"sent": RECIPIENTS - swept, "unconfirmed": swept}
    assert email.accepted["p11@example.com"] == 1
    [crashed] = [c for c in CardStore(settings).in_rows(batch.id, 0, 10**7) if c.email == "p11@example.com"]
    assert crashed.status.value == "unconfirmed"


def _in_flight(settings: Settings, batch: Batch) -> list[tuple[str, int]]:
    """The batch's chunks the sweep would look at (marked in flight since before an hour from now)."""
    later = utcnow() + timedelta(hours=1)
    return [
        listed
        for day in {utcnow().date().isoformat(), later.date().isoformat()}
        for listed in BatchStore(settings).in_flight_chunks(day, isoformat(later))
        if listed[0] == batch.id
    ]


def test_a_chunk_is_in_flight_from_its_opening_until_no_card_of_it_is_sending(
    sending: tuple[Settings, Batch], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep finds stale claims through their chunk's in-flight mark (one per chunk: the claim
    itself writes the card alone). A sender that finishes clears the mark; one that dies with
    cards ``sending`` leaves it, and so does its retried task, until the sweep has turned them."""
    settings, batch = sending
    email = FakeEmail()
    _crash_after_the_provider_took_p11(settings, batch, email, monkeypatch)
    assert _in_flight(settings, batch) == [(batch.id, 0)]
    _send(settings, batch, email)  # the retried chunk: the dead sender's card is still sending
    assert _in_flight(settings, batch) == [(batch.id, 0)]
    assert services.workflow(settings).sweep(utcnow(), stale_after=timedelta(0)) >= 1
    assert _in_flight(settings, batch) == []
    _assert_nothing_lost_or_doubled(settings, batch, email)


def test_a_chunk_sent_through_is_not_left_in_flight(sending: tuple[Settings, Batch]) -> None:
    settings, batch = sending
    email = FakeEmail()
    _send(settings, batch, email)
    assert _in_flight(settings, batch) == []
    assert services.workflow(settings).sweep(utcnow(), stale_after=timedelta(0)) == 0


def test_suppressed_addresses_are_not_sent_to(sending: tuple[Settings, Batch]) -> None:
    settings, batch = sending
    SuppressionList(settings).add("org-a", "p3@example.com", "hard bounce")
    email = FakeEmail()
    _send(settings, batch, email)
    assert _assert_nothing_lost_or_doubled(settings, batch, email) == {
        "sent": RECIPIENTS - 1,
        "suppressed": 1,
    }
    assert "p3@example.com" not in email.accepted


def test_the_suppression_list_matches_every_spelling_of_an_address(deployed: Any) -> None:
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("SendFunction")].environment)
    suppression = SuppressionList(settings)
    suppression.add("org-a", "Ada@Example.COM", "complaint")
    suppression.add("org-a", "+14155550100", "unsubscribed")
    asked = ["ada@example.com", "ADA@EXAMPLE.COM", "bo@example.com", "+14155550100", "not an address@"]
    assert suppression.suppressed("org-a", asked) == {"ada@example.com", "ADA@EXAMPLE.COM", "+14155550100"}
    assert suppression.suppressed("org-b", asked) == set()


def test_a_recipient_suppressed_in_one_spelling_is_not_mailed_in_another(
    deployed: Any, s3_event: Callable[..., dict[str, Any]]
) -> None:
    """Unsubscribed as ada@example.com, then in a file as ADA@Example.COM: not mailed again."""
    body = {**json.loads((ROOT / "examples" / "process.json").read_text()), "approval_required": False}
    _, process = deployed.api("POST", "/processes", ADMIN, body=body)
    deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("SendFunction")].environment)
    SuppressionList(settings).add("org-a", "ada@example.com", "unsubscribed via card x")
    rows = b"first_name,email\nAda,ADA@Example.COM\nBo,Bo@example.com\n"
    key = f"drop/{process['id']}/list.csv"
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=rows)
    [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(rows)))["batches"]
    step = {"batch_id": handled["batch_id"], "org_id": "org-a"}
    batch = BatchStore(settings).get("org-a", handled["batch_id"])
    for chunk in batch.chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
    deployed.invoke("LifecycleFunction", {**step, "action": "start_sending"})
    for chunk in batch.chunks:
        deployed.invoke("SendFunction", {**step, "chunk": chunk.model_dump()})
    cards = {card.email: card.status.value for card in CardStore(settings).in_rows(batch.id, 0, 10**7)}
    assert cards == {"ada@example.com": "suppressed", "bo@example.com": "sent"}  # stored canonical
    sent = ses_backends["123456789012"]["us-east-1"].sent_messages
    assert [message.destinations["ToAddresses"] for message in sent] == [["bo@example.com"]]


def test_a_batch_rejected_mid_send_keeps_what_was_sent_and_rejects_the_rest(
    sending: tuple[Settings, Batch],
) -> None:
    settings, batch = sending
    store = BatchStore(settings)
    email = FakeEmail()
    checks = {"n": 0}

    def still_sending() -> bool:
        checks["n"] += 1
        if checks["n"] == 1:
            store.transition("org-a", batch.id, BatchStatus.rejected, sources=[BatchStatus.sending])
            return False
        return True

    result = _send(settings, batch, email, still_sending=still_sending, clock=_ticking_clock())
    assert result["stopped"] is True
    by_status = _assert_nothing_lost_or_doubled(settings, batch, email)
    assert by_status["rejected"] == RECIPIENTS - by_status.get("sent", 0)
    assert by_status.get("sent", 0) < RECIPIENTS


def test_a_repeated_execution_start_is_a_no_op(sending: tuple[Settings, Batch], deployed: Any) -> None:
    _, batch = sending
    arn = deployed.resolver.arn("BatchStateMachine")
    Executions(arn).start(batch.id, {"batch_id": batch.id})
    Executions(arn).start(batch.id, {"batch_id": batch.id})
    assert [execution["name"] for execution in deployed.executions()] == [batch.id]


def _ticking_clock() -> Callable[[], float]:
    """A clock that moves 1 s per reading past the first, so the sender checks the batch at once."""
    import time

    start = time.time()
    ticks = {"n": 0}

    def now() -> float:
        ticks["n"] += 1
        return start + (ticks["n"] if ticks["n"] > 3 else 0)

    return now


def test_an_unconfirmed_card_is_resent_only_on_an_operators_explicit_word(
    sending: tuple[Settings, Batch], deployed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, batch = sending
    email = FakeEmail()
    original = CardStore.mark_sent

    def crash(self: CardStore, card: Any, distributions: Any, queued: Any = None) -> None:
        raise Crash("the function died before recording")

    monkeypatch.setattr(CardStore, "mark_sent", crash)
    with pytest.raises(Crash):
        _send(settings, batch, email, workers=1)
    monkeypatch.setattr(CardStore, "mark_sent", original)
    services.workflow(settings).sweep(utcnow(), stale_after=timedelta(0))
    [card] = [c for c in CardStore(settings).in_rows(batch.id, 0, 10**7) if c.status.value == "unconfirmed"][
        :1
    ]

    sender = {**ADMIN, "cognito:groups": "sender", "email": "s@org-a.test"}
    approver = {**ADMIN, "cognito:groups": "approver", "email": "ops@org-a.test"}
    path = f"/cards/{card.id}/distribute"
    assert deployed.api("POST", path, sender, body={"address": card.email})[0] == 403
    assert deployed.api("POST", path, approver, body={"address": "someone@else.test"})[0] == 422
    status, resent = deployed.api("POST", path, approver, body={"address": (card.email or "").upper()})
    assert status == 200
    assert resent["status"] == "sent"
    assert (resent["last_distribution"]["by"], resent["last_distribution"]["by_email"]) == (
        "sub-admin",
        "ops@org-a.test",
    )
    assert len(resent["distributions"]) == 1  # the crashed attempt was never recorded
    stranger = {**approver, "custom:org_id": "org-b"}
    assert deployed.api("GET", f"/cards/{card.id}", stranger)[0] == 404


def _throttled(operation: str) -> ClientError:
    error = {"Code": "ProvisionedThroughputExceededException", "Message": "Rate of requests exceeds"}
    return ClientError({"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)


def test_a_dynamodb_fault_mid_chunk_records_what_the_provider_took_before_it_goes_up(
    sending: tuple[Settings, Batch], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sender's own fault (not its death): the cards whose calls were in flight are recorded and
    the claims nothing was sent for are freed, so no accepted card is left ``sending``."""
    settings, batch = sending
    email = FakeEmail()
    original, calls = CardStore.claim, itertools.count(1)

    def claim(self: CardStore, *args: Any, **kwargs: Any) -> bool:
        if next(calls) == 20:
            raise _throttled("UpdateItem")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CardStore, "claim", claim)
    with pytest.raises(ClientError):
        _send(settings, batch, email)
    statuses = Counter(card.status.value for card in CardStore(settings).in_rows(batch.id, 0, 10**7))
    assert statuses == {"sent": len(email.accepted), "ready": RECIPIENTS - len(email.accepted)}
    # At most the 19 claimed before the fault: how many of them the pool had called by then depends
    # on the machine's load, so only the bound and the records above are the test.
    assert len(email.accepted) <= 19
    monkeypatch.setattr(CardStore, "claim", original)
    _send(settings, batch, email)  # Step Functions retries the chunk
    assert _assert_nothing_lost_or_doubled(settings, batch, email) == {"sent": RECIPIENTS}


def test_a_throttled_record_of_a_send_is_tried_again(
    sending: tuple[Settings, Batch], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Recording what the provider took is worth a few more attempts than the SDK's: without the
    record the card would end unconfirmed."""
    settings, batch = sending
    client = aws.dynamodb_resource().meta.client
    throttled: list[str] = []

    def throttle_records(params: dict[str, Any], **_: Any) -> None:
        if "sent_at = :at" in params["body"].decode() and len(throttled) < 4:
            throttled.append("UpdateItem")
            raise _throttled("UpdateItem")

    monkeypatch.setattr("dispatch.cards.store.backoff", lambda attempt: 0.0, raising=False)
    client.meta.events.register("before-call.dynamodb.UpdateItem", throttle_records)
    try:
        result = _send(settings, batch, FakeEmail())
    finally:
        client.meta.events.unregister("before-call.dynamodb.UpdateItem", throttle_records)
    assert len(throttled) == 4  # one record, four times (the fifth attempt is the last)
    assert result["sent"] == RECIPIENTS
    assert Counter(c.status.value for c in CardStore(settings).in_rows(batch.id, 0, 10**7)) == {
        "sent": RECIPIENTS
    }


def test_a_sender_that_dies_while_a_throttled_card_waits_leaves_that_card_ready(
    sending: tuple[Settings, Batch], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between its tries a card holds no claim: a death then (a timeout) leaves it for the retried
    chunk, not ``sending`` for an approver to guess about."""
    settings, batch = sending

    def throttle_one(call: int, to: str) -> None:
        if to == "p3@example.com":
            raise TemporaryFailure("TooManyRequestsException: slow down")

    original, calls = CardStore.claim, itertools.count(1)

    def claim(self: CardStore, *args: Any, **kwargs: Any) -> bool:
        if next(calls) == 30:  # p3 waits at the back of the queue for its second try
            raise Crash("the function timed out")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(CardStore, "claim", claim)
    with pytest.raises(Crash):
        _send(settings, batch, FakeEmail(throttle_one), workers=1)
    [waiting] = [c for c in CardStore(settings).in_rows(batch.id, 0, 10**7) if c.email == "p3@example.com"]
    assert waiting.status.value == "ready"


def test_a_batch_that_assigns_nobody_queues_each_card_as_a_prospect_with_its_send(
    sending_batch: Callable[..., tuple[Settings, Batch]],
) -> None:
    """The prospect goes into the write that records the send: the assignment after the chunk finds
    nothing left to queue (it wrote each card a second time), the chunk's block was noted (one
    write for the chunk, no index entry per card) and the prospects queue lists them."""
    settings, batch = sending_batch(5, email_rate=2000.0)
    [chunk] = batch.chunks
    result = services.workflow(settings).send(
        "org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings)
    )
    assert result["sent"] == 5
    assert result["assignment"] == {}
    store = CardStore(settings)
    cards = list(store.in_rows(batch.id, chunk.first_row, chunk.last_row))
    assert {(card.status.value, card.assignment and card.assignment.state.value) for card in cards} == {
        ("sent", "prospect")
    }
    items = aws.dynamodb_table(settings.cards_table).scan()["Items"]
    assert [item for item in items if "pool" in item or "pooled_at" in item] == []
    queued, cursor = ProspectBlocks(settings).page("org-a", store, 10, None, keep=lambda card: True)
    assert [card.id for card in queued] == [card.id for card in reversed(cards)]
    assert cursor is None
