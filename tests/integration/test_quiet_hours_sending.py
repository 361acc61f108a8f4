"""Quiet hours on the sending path (issue 19, item 1), with an injected clock: cards whose
recipients are in their night stay ``ready`` with the reason and the time they become sendable,
the batch detail counts them, and the sweep sends them when their window opens — by the same
sender, deferring again those whose night is not over."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from dispatch import services
from dispatch.batches.models import BatchStatus
from dispatch.cards.models import CardStatus
from dispatch.cards.store import CardStore
from dispatch.errors import Conflict
from dispatch.organisations.models import OrganisationSettings
from dispatch.organisations.store import OrganisationStore

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
FIELDS = [
    {"name": "first_name", "label": "First name", "type": "string", "required": True},
    {"name": "email", "label": "Email", "type": "email"},
    {"name": "phone", "label": "Mobile", "type": "phone"},
    {"name": "timezone", "label": "Time zone", "type": "string"},
]
# At 03:00 UTC on 2026-01-15: 22:00 in New York, 03:00 in London, 12:00 in Tokyo, 19:00 in LA.
ROWS = (  # an email column (empty here) is what lets a batch distribute by itself
    "first_name,email,phone,timezone\n"
    "Nora,,+12125550100,America/New_York\n"
    "Leo,,+12125550101,Europe/London\n"
    "Tomo,,+12125550102,Asia/Tokyo\n"
    "Lou,,+14155550103,\n"
)


class Clock:
    def __init__(self, moment: str) -> None:
        self.set(moment)

    def set(self, moment: str) -> None:
        self.now = datetime.fromisoformat(moment).replace(tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def statuses(settings: Any, batch_id: str) -> dict[str, str]:
    return {
        card.values["first_name"]: card.status.value for card in CardStore(settings).all_in_batch(batch_id)
    }


def test_night_cards_wait_and_go_when_their_window_opens(deployed: Any, walk: Callable[..., Any]) -> None:
    batch = walk(ROWS, fields=FIELDS, approval_required=False)
    settings = batch.settings
    batch.generate()
    batch.step("after_generation")
    assert batch.step("start_sending") == {"send": True}
    clock = Clock("2026-01-15T03:00")
    workflow = services.workflow(settings)
    assert workflow.quiet_hours is not None
    workflow.quiet_hours.now = clock

    def send_all() -> None:
        stored = batch.stored()
        for chunk in stored.chunks:
            workflow.send("org-a", stored.id, chunk, lambda b: services.chunk_sender(b, settings))
        workflow.finish_sending("org-a", stored.id)

    # the dry run's count, before anything is sent
    preview = workflow.quiet_hours.preview(batch.stored(), OrganisationStore(settings).get("org-a"))
    assert (preview.cards, preview.earliest, preview.latest) == (
        2,
        "2026-01-15T08:00:00.000Z",
        "2026-01-15T13:00:00.000Z",
    )
    send_all()
    assert statuses(settings, batch.id) == {"Nora": "ready", "Leo": "ready", "Tomo": "sent", "Lou": "sent"}
    cards = {card.values["first_name"]: card for card in CardStore(settings).all_in_batch(batch.id)}
    nora = cards["Nora"].deferred
    assert nora is not None
    assert nora.until == "2026-01-15T13:00:00.000Z"
    assert nora.reason == "quiet hours 21:00-08:00 in the recipient's local time (America/New_York)"
    assert cards["Nora"].distributions == []  # never claimed: no distribution, no status change
    detail = batch.get()
    assert detail["status"] == "partially_sent"
    assert detail["deferred"] == {
        "cards": 2,
        "earliest": "2026-01-15T08:00:00.000Z",
        "latest": "2026-01-15T13:00:00.000Z",
    }
    assert detail["counters"]["by_status"] == {"ready": 2, "sent": 2}

    resume = services.deferred_resume(settings)
    resume.workflow.quiet_hours = workflow.quiet_hours
    assert resume.run(datetime(2026, 1, 15, 7, 59, tzinfo=UTC)) == 0  # nobody's window is open yet
    assert resume.run(datetime(2026, 1, 15, 8, 0, tzinfo=UTC)) == 1  # London's is
    assert resume.run(datetime(2026, 1, 15, 8, 0, tzinfo=UTC)) == 0  # taken once
    assert batch.stored().status is BatchStatus.sending
    clock.set("2026-01-15T08:00")
    send_all()
    assert statuses(settings, batch.id) == {"Nora": "ready", "Leo": "sent", "Tomo": "sent", "Lou": "sent"}
    assert batch.get()["deferred"] == {
        "cards": 1,
        "earliest": "2026-01-15T13:00:00.000Z",
        "latest": "2026-01-15T13:00:00.000Z",
    }
    assert resume.run(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)) == 0
    assert resume.run(datetime(2026, 1, 15, 13, 5, tzinfo=UTC)) == 1
    clock.set("2026-01-15T13:05")
    send_all()
    assert set(statuses(settings, batch.id).values()) == {"sent"}
    final = batch.get()
    assert final["status"] == "sent"
    assert final["deferred"] == {"cards": 0, "earliest": None, "latest": None}
    assert batch.runs("BatchSendingStateMachine") == [f"{batch.id}-send-{n}" for n in (1, 2, 3)]


def test_quiet_hours_off_send_everyone_and_a_person_is_told_why_not_now(
    deployed: Any, walk: Callable[..., Any]
) -> None:
    status, _ = deployed.api("PUT", "/organisation", ADMIN, body={"sms_quiet_hours": None})
    assert status == 200
    batch = walk(ROWS, fields=FIELDS, approval_required=False)
    settings = batch.settings
    batch.generate()
    batch.step("after_generation")
    batch.step("start_sending")
    workflow = services.workflow(settings)
    assert workflow.quiet_hours is not None
    workflow.quiet_hours.now = Clock("2026-01-15T03:00")
    for chunk in batch.stored().chunks:
        workflow.send("org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings))
    assert set(statuses(settings, batch.id).values()) == {"sent"}

    # an individual distribution inside the recipient's night is a 409 with the time it may go
    night = next(card for card in CardStore(settings).all_in_batch(batch.id) if card.row == 2)
    ready = night.model_copy(update={"status": CardStatus.ready})
    refuse = workflow.quiet_hours.refuse(OrganisationSettings())  # default hours
    with pytest.raises(Conflict) as refused:
        refuse(ready)
    assert refused.value.details["deferred_until"] == "2026-01-15T13:00:00.000Z"
    assert "quiet hours 21:00-08:00" in refused.value.message
