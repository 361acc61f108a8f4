"""Several concurrent senders share one channel rate through the main table's TAT item: their
reservations (conditional writes racing on moto) never overlap, and every card is sent once.

No timing is asserted here: that the sends of non-overlapping slots stay under the rate in every
one-second window is proved on a virtual clock (tests/unit/test_rate_limiter.py); how much of the
rate the senders use is measured by ``make bench`` (bench/rate_limit.py).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from dispatch import services
from dispatch.batches.models import Batch
from dispatch.config import Settings
from dispatch.delivery.channels import EmailMessage

RATE = 400.0  # fast enough to keep the test short; the conditional writes race all the same
RECIPIENTS = 800  # four chunks of 200: four senders at once


class RecordingProvider:
    def __init__(self) -> None:
        self.recipients: list[str] = []
        self._lock = threading.Lock()

    def send(self, to: str, message: EmailMessage, unsubscribe_url: str, tags: dict[str, str]) -> str:
        with self._lock:
            self.recipients.append(to)
        return f"msg-{to}"


@pytest.mark.parametrize("chunk_rows", ["200"])
@pytest.mark.usefixtures("serialised_moto")
def test_concurrent_senders_reserve_disjoint_slots_and_send_each_card_once(
    sending_batch: Callable[..., tuple[Settings, Batch]], chunk_rows: str
) -> None:
    settings, batch = sending_batch(RECIPIENTS, email_rate=RATE)
    assert len(batch.chunks) == 4
    provider = RecordingProvider()
    reserved: list[list[float]] = []
    spacing = 0.0

    def sender_for(b: Any) -> Any:
        nonlocal spacing
        sender = services.chunk_sender(b, settings)
        sender.email = provider
        limiter = sender.slots["email"].limiter
        spacing = limiter.spacing
        reserve = limiter.reserve

        def recorded(count: int, lead: float = 0.0) -> list[float]:
            slots = reserve(count, lead)
            reserved.append(slots)
            return slots

        limiter.reserve = recorded
        return sender

    workflow = services.workflow(settings)
    with ThreadPoolExecutor(max_workers=4) as senders:
        results = list(senders.map(lambda c: workflow.send("org-a", batch.id, c, sender_for), batch.chunks))

    assert sum(result["sent"] for result in results) == RECIPIENTS
    assert sorted(provider.recipients) == sorted(f"p{n}@example.com" for n in range(RECIPIENTS))
    slots = sorted(itertools.chain.from_iterable(reserved))
    assert len(reserved) >= 4
    assert len(slots) >= RECIPIENTS
    closest = min(later - earlier for earlier, later in itertools.pairwise(slots))
    assert closest >= spacing - 1e-6, f"two reserved slots {closest:.6f} s apart (spacing {spacing:.6f} s)"
