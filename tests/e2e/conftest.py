"""The whole local stack (moto server, real handlers, real ASL) on free ports, once per session."""

from __future__ import annotations

import os
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from local import tokens
from local.client import ApiClient
from local.stack import STATE_DIR, LocalStack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The fuzz tests last: what they create (recurring schedules among it) stays out of the way of
    the tests that move the local clock and count what fires."""
    items.sort(key=lambda item: item.get_closest_marker("fuzz") is not None)


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    saved = dict(os.environ)
    # Step Functions' retry waits (seconds to minutes in the ASL) at a hundredth: faults that outlast
    # the retries end in MarkFailed within seconds (local.retry_waits). The SQS pollers' batching
    # windows at a tenth (the events function's 5 s: 0.5 s): they gather as Lambda's do, and a test
    # that waits for a delivery event waits half a second for its batch, not five.
    local = LocalStack(
        aws_port=0, api_port=0, console_port=0, retry_wait_scale=0.01, batching_window_scale=0.1
    )
    local.start()
    try:
        yield local
    finally:
        local.stop()
        os.environ.clear()
        os.environ.update(saved)


@pytest.fixture
def clock_at(stack: LocalStack) -> Callable[[time], datetime]:
    """Moves the stack's clock forward to the next ``time`` of day (UTC) — a whole hour, so that the
    local clock's real-time drift during a test stays clear of it — fires what falls due on the
    way, and returns that moment."""

    def move(at: time) -> datetime:
        now = stack.clock.now()
        moment = datetime.combine(now.date(), at, tzinfo=UTC)
        while moment <= now:
            moment += timedelta(days=1)
        stack.advance_clock(moment - now)
        return moment

    return move


@pytest.fixture
def client_for(stack: LocalStack) -> Callable[[str, str, str], ApiClient]:
    def build(user: str, role: str, org: str) -> ApiClient:
        return ApiClient(stack.api_url, tokens.issue(STATE_DIR, user=user, role=role, org=org))

    return build


@pytest.fixture
def org(request: pytest.FixtureRequest) -> str:
    """An organisation of this test's own, so tests sharing the session's stack never see each other."""
    return f"org-{request.node.name[:40]}"


@pytest.fixture
def admin(client_for: Callable[[str, str, str], ApiClient], org: str) -> ApiClient:
    return client_for(f"admin@{org}.test", "admin", org)


@pytest.fixture
def live_process(admin: ApiClient) -> dict[str, Any]:
    import json
    from pathlib import Path

    body = json.loads((Path(__file__).resolve().parents[2] / "examples" / "process.json").read_text())
    process = admin.post("/processes", body)
    admin.post(f"/processes/{process['id']}/publish")
    return dict(process)


@pytest.fixture
def post_form() -> Callable[[dict[str, Any], bytes], int]:
    """Upload ``content`` with the pre-signed POST of ``POST /batches`` (its ``upload``) as a
    browser form would; the HTTP status."""

    def post(upload: dict[str, Any], content: bytes) -> int:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in upload["fields"].items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(upload["url"], data=b"".join(parts), method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)

    return post
