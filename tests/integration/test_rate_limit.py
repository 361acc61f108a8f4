"""Several concurrent senders share one channel rate: never over it in any one-second window
(wherever the window starts), and using at least 90 % of it over a sustained run."""

from __future__ import annotations

import bisect
import gc
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from dispatch import services
from dispatch.batches.store import BatchStore
from dispatch.config import Settings
from dispatch.rendering import EmailMessage

ROOT = Path(__file__).resolve().parents[2]
PROCESS = json.loads((ROOT / "examples" / "process.json").read_text())
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
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


@pytest.mark.parametrize("chunk_rows", ["200"])
def test_concurrent_senders_share_the_rate_without_exceeding_it(
    deployed: Any, s3_event: Callable[..., dict[str, Any]], chunk_rows: str
) -> None:
    _, process = deployed.api("POST", "/processes", ADMIN, body={**PROCESS, "approval_required": False})
    deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    body = "first_name,email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(RECIPIENTS))
    key = f"drop/{process['id']}/list.csv"
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=body.encode())
    [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(body)))["batches"]
    step = {"batch_id": handled["batch_id"], "org_id": "org-a"}
    environment = deployed.runtime.functions[deployed.name("SendFunction")].environment
    settings = Settings.from_env(environment).model_copy(update={"email_rate_per_second": float(RATE)})
    batch = BatchStore(settings).get("org-a", handled["batch_id"])
    assert len(batch.chunks) == 4
    for chunk in batch.chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
    deployed.invoke("LifecycleFunction", {**step, "action": "start_sending"})
    batch = BatchStore(settings).get("org-a", batch.id)

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
