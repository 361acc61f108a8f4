"""Several concurrent senders share one channel rate: never over it in any one-second window
(wherever the window starts), and using at least 90 % of it over a sustained run."""

from __future__ import annotations

import bisect
import gc
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from dispatch import services
from dispatch.batches.models import Batch
from dispatch.config import Settings
from dispatch.rendering import EmailMessage

RATE = 50
RECIPIENTS = 800  # four chunks of 200: four senders at once for 16 s at 50/s


class TimedProvider:
    """Records when each call reaches it; takes 30 ms to answer, like a real API."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.recipients: list[str] = []
        self._lock = threading.Lock()

    def send(self, to: str, message: EmailMessage, unsubscribe_url: str, tags: dict[str, str]) -> str:
        with self._lock:
            self.times.append(time.time())
            self.recipients.append(to)
        time.sleep(0.03)
        return f"msg-{to}"


@pytest.mark.serial  # it measures a rate: no other test may share the cores meanwhile
@pytest.mark.parametrize("chunk_rows", ["200"])
@pytest.mark.usefixtures("serialised_moto")
def test_concurrent_senders_share_the_rate_without_exceeding_it(
    sending_batch: Callable[..., tuple[Settings, Batch]], chunk_rows: str
) -> None:
    settings, batch = sending_batch(RECIPIENTS, email_rate=float(RATE))
    assert len(batch.chunks) == 4

    provider = TimedProvider()

    def sender_for(b: Any) -> Any:
        sender = services.chunk_sender(b, settings)
        sender.email = provider
        return sender

    workflow = services.workflow(settings)
    # Four senders in one test process share one garbage collector, whose pauses would stall them
    # all at once; real senders are separate Lambda processes. Pause it for the measured run.
    gc.collect()
    gc.disable()
    try:
        with ThreadPoolExecutor(max_workers=4) as senders:
            results = list(
                senders.map(lambda c: workflow.send("org-a", batch.id, c, sender_for), batch.chunks)
            )
    finally:
        gc.enable()

    assert sum(result["sent"] for result in results) == RECIPIENTS
    assert sorted(provider.recipients) == sorted(f"p{n}@example.com" for n in range(RECIPIENTS))
    times = sorted(provider.times)
    busiest = max(bisect.bisect_left(times, start + 1.0) - index for index, start in enumerate(times))
    assert busiest <= RATE, f"{busiest} sends within one second"
    utilisation = (len(times) - 1) / ((times[-1] - times[0]) * RATE)
    assert utilisation >= 0.9, f"utilisation {utilisation:.2%}"
