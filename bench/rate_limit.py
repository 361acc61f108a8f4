"""Rate-limit benchmark (PRODUCT §5): four concurrent senders share one email rate; how much of it
they use, and the busiest one-second window as a wall clock sees it.

An 800-recipient email batch in four chunks of 200 is deployed from template.yaml on moto
(decorator mode, one DynamoDB request at a time, as in the local stack), generated and approved by
the real functions, then sent by four ``ChunkSender``s at once through the shared limiter at 50
emails/s (16 s), each provider call taking 30 ms like a real API. Printed: sends, the busiest
window [x, x + 1) wherever it starts, and utilisation = sends per second over the run / the rate.
Targets: busiest window <= the rate and utilisation >= 90 % (the limiter's design gives
1 / (1 + tolerance) = 95 %). Safety itself is proved on a virtual clock by
tests/unit/test_rate_limiter.py; this measures what a loaded machine does to the figures, and
belongs here rather than in the test suite because a busy machine lowers them. Exits 1 when a
target is missed. Run with ``python -m bench.rate_limit`` (or through ``python -m bench``).
"""

from __future__ import annotations

import bisect
import copy
import gc
import json
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from moto import mock_aws

from dispatch import aws
from dispatch.config import Settings
from dispatch.delivery.channels import EmailMessage
from local.lambdas import InProcessRuntime
from local.moto_guard import item_level_transactions, serialise_dynamodb, serialise_router_creation
from local.provision import Provisioner
from local.stack import LOCAL_PARAMETERS, ROOT
from local.template import REGION, Resolver, load

RATE = 50.0
RECIPIENTS = 800
CHUNK_ROWS = "200"
SENDERS = 4
UTILISATION_TARGET = 0.9
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}


class TimedProvider:
    """Records when each call reaches it; takes 30 ms to answer, like a real API."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._lock = threading.Lock()

    def send(self, to: str, message: EmailMessage, unsubscribe_url: str, tags: dict[str, str]) -> str:
        with self._lock:
            self.times.append(time.time())
        time.sleep(0.03)
        return f"msg-{to}"


def _api_event(method: str, path: str, body: Any = None) -> dict[str, Any]:
    event = json.loads((ROOT / "tests" / "events" / "apigw" / "rest_proxy.json").read_text())
    event = copy.deepcopy(event)
    event.update(
        {
            "path": path,
            "httpMethod": method,
            "pathParameters": {"proxy": path.lstrip("/")},
            "body": json.dumps(body) if body is not None else None,
        }
    )
    event["requestContext"].update(
        {"httpMethod": method, "path": f"/dev{path}", "authorizer": {"claims": ADMIN}}
    )
    return event


def _sending_batch(resolver: Resolver, runtime: InProcessRuntime) -> tuple[Settings, Any]:
    """As tests/integration/conftest.py's ``sending_batch``: a live process, the file dropped,
    validated, generated, and the batch started sending."""

    def invoke(logical_id: str, event: Any) -> Any:
        return runtime.invoke(resolver.physical_name(logical_id), event)

    process_body = {
        **json.loads((ROOT / "examples" / "process.json").read_text()),
        "approval_required": False,
    }
    process = json.loads(invoke("ApiFunction", _api_event("POST", "/processes", process_body))["body"])
    invoke("ApiFunction", _api_event("POST", f"/processes/{process['id']}/publish"))
    rows = "first_name,email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(RECIPIENTS))
    bucket, key = resolver.physical_name("UploadBucket"), f"drop/{process['id']}/list.csv"
    boto3.client("s3", region_name=REGION).put_object(Bucket=bucket, Key=key, Body=rows.encode())
    record = {"s3": {"bucket": {"name": bucket}, "object": {"key": key, "size": len(rows)}}}
    event = json.loads((ROOT / "tests" / "events" / "s3" / "object_created.json").read_text())
    event["Records"][0]["s3"]["bucket"].update(record["s3"]["bucket"])
    event["Records"][0]["s3"]["object"].update(record["s3"]["object"])
    from dispatch.batches.store import BatchStore  # after the process environment: see measure()

    [handled] = invoke("ValidateFunction", event)["batches"]
    step = {"batch_id": handled["batch_id"], "org_id": "org-a"}
    environment = runtime.functions[resolver.physical_name("SendFunction")].environment
    settings = Settings.from_env(environment).model_copy(update={"email_rate_per_second": RATE})
    batch = BatchStore(settings).get("org-a", handled["batch_id"])
    for chunk in batch.chunks:
        invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    invoke("LifecycleFunction", {**step, "action": "after_generation"})
    invoke("LifecycleFunction", {**step, "action": "start_sending"})
    return settings, BatchStore(settings).get("org-a", batch.id)


def measure() -> dict[str, float]:
    resolver = Resolver(load(ROOT / "template.yaml"), {**LOCAL_PARAMETERS, "ChunkRows": CHUNK_ROWS})
    runtime = InProcessRuntime()
    local = {"DISPATCH_API_BASE_URL": "https://api.bench", "POWERTOOLS_LOG_LEVEL": "WARNING"}
    Provisioner(ROOT, resolver, None, runtime, local, notifications=False).provision()
    os.environ.update(runtime.process_environment)  # as the local stack: before Powertools is imported
    runtime.install_into_moto()
    from dispatch import services

    settings, batch = _sending_batch(resolver, runtime)
    provider = TimedProvider()

    def sender_for(b: Any) -> Any:
        sender = services.chunk_sender(b, settings)
        sender.email = provider
        return sender

    workflow = services.workflow(settings)
    # Four senders in one process share one garbage collector, whose pauses would stall them all at
    # once; real senders are separate Lambda processes. Paused for the measured run.
    gc.collect()
    gc.disable()
    try:
        with ThreadPoolExecutor(max_workers=SENDERS) as pool:
            results = list(pool.map(lambda c: workflow.send("org-a", batch.id, c, sender_for), batch.chunks))
    finally:
        gc.enable()
    runtime.shutdown()
    times = sorted(provider.times)
    busiest = max(bisect.bisect_left(times, start + 1.0) - index for index, start in enumerate(times))
    return {
        "sent": float(sum(result["sent"] for result in results)),
        "calls": float(len(times)),
        "busiest": float(busiest),
        "seconds": times[-1] - times[0],
        "utilisation": (len(times) - 1) / ((times[-1] - times[0]) * RATE),
    }


def main() -> int:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_DISABLED": "true",
    }.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    item_level_transactions()
    serialise_router_creation()
    serialise_dynamodb()
    aws.reset()
    with mock_aws():
        figures = measure()
    print(
        f"rate-limit benchmark: {RECIPIENTS} emails, {SENDERS} concurrent senders, {RATE:.0f}/s shared, moto"
    )
    print(
        f"  sent {figures['sent']:.0f} ({figures['calls']:.0f} provider calls) in {figures['seconds']:.1f} s"
    )
    print(f"  busiest one-second window: {figures['busiest']:.0f} sends (limit {RATE:.0f})")
    print(f"  utilisation: {figures['utilisation']:.2%} of the rate (target >= {UTILISATION_TARGET:.0%})")
    missed = [
        what
        for what, ok in (
            ("every card sent once", figures["sent"] == RECIPIENTS == figures["calls"]),
            ("the busiest window", figures["busiest"] <= RATE),
            ("utilisation", figures["utilisation"] >= UTILISATION_TARGET),
        )
        if not ok
    ]
    if missed:
        print("  MISSED: " + ", ".join(missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
