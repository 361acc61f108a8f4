"""The local runtime's adapter that runs handlers in-process, in place of moto's Docker hook."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from dispatch.clock import utcnow
from dispatch.config import get_settings
from local.lambdas import FunctionError, InProcessRuntime, LocalFunction

HANDLER = """
import os
from dispatch.clock import now_iso
from dispatch.config import get_settings

def lambda_handler(event, context):
    if event.get("now"):
        return now_iso()
    if event.get("fail"):
        raise KeyError("boom")
    if "entered" in event:  # in-process events can carry objects: the test holds the invocation open
        event["entered"].set()
        event["release"].wait(10)
        if event.get("then_fail"):
            raise KeyError("boom")
        return {}
    return {
        "table": get_settings().main_table,
        "environ": os.environ.get("DISPATCH_MAIN_TABLE"),
        "name": context.function_name,
        "echo": event,
    }
"""


@pytest.fixture
def runtime(tmp_path: Path) -> InProcessRuntime:
    code = tmp_path / "fn"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    local = InProcessRuntime()
    local.register(LocalFunction("one", code, "app.lambda_handler", {"DISPATCH_MAIN_TABLE": "table-one"}))
    local.register(LocalFunction("two", code, "app.lambda_handler", {"DISPATCH_MAIN_TABLE": "table-two"}))
    return local


def test_each_function_runs_with_its_own_settings_and_the_process_environment_untouched(
    runtime: InProcessRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPATCH_MAIN_TABLE", "outside")
    assert runtime.invoke("one", {"a": 1}) == {
        "table": "table-one",
        "environ": "outside",
        "name": "one",
        "echo": {"a": 1},
    }
    assert runtime.invoke("two", {})["table"] == "table-two"
    assert get_settings().main_table == "outside"  # outside any invocation: the process's own


def test_every_invocation_reads_the_runtime_clock_and_nothing_outside_it_does(
    runtime: InProcessRuntime,
) -> None:
    """The local stack points the runtime's clock at its local clock: what a handler reads as now
    moves with it, and code outside any invocation keeps real time."""
    ahead = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    runtime.now = lambda: ahead
    assert runtime.invoke("one", {"now": True}) == "2031-05-06T07:08:09.000Z"
    assert utcnow().year < 2031


def test_another_thread_reading_the_environment_across_an_invocation_is_not_broken(
    runtime: InProcessRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The e2e "States.Runtime" (StartSending: ``KeyError: 'DISPATCH_LINK_SIGNING_SECRET_ARN'``):
    moto's Step Functions thread creates a boto3 client, whose ``urllib.request.getproxies`` lists
    ``os.environ``'s keys and then reads each; an invocation on another thread that removed its
    variables in between made a listed key vanish. Here the reader lists the keys while a function
    runs and reads them after it returned, deterministically."""
    monkeypatch.delenv("DISPATCH_MAIN_TABLE", raising=False)
    entered, release = threading.Event(), threading.Event()
    held = {"entered": entered, "release": release}
    invocation = threading.Thread(target=runtime.invoke, args=("one", held))
    invocation.start()
    assert entered.wait(10)
    reader = iter(os.environ.items())
    first = next(reader)  # the keys are listed now, as getproxies_environment's loop lists them
    release.set()
    invocation.join(10)
    assert not invocation.is_alive()
    assert dict([first, *reader]) == dict(os.environ)  # before the fix: KeyError: 'DISPATCH_MAIN_TABLE'


def test_functions_that_share_a_process_must_agree_on_their_other_variables(
    runtime: InProcessRuntime, tmp_path: Path
) -> None:
    """Only settings are per invocation; a Powertools variable that differed would be silently wrong."""
    assert runtime.process_environment == {}
    runtime.register(LocalFunction("three", tmp_path, "app.lambda_handler", {"POWERTOOLS_LOG_LEVEL": "INFO"}))
    with pytest.raises(ValueError, match="POWERTOOLS_LOG_LEVEL"):
        runtime.register(
            LocalFunction("four", tmp_path, "app.lambda_handler", {"POWERTOOLS_LOG_LEVEL": "DEBUG"})
        )
    assert runtime.process_environment == {"POWERTOOLS_LOG_LEVEL": "INFO"}


def test_a_handler_error_becomes_a_lambda_error_payload(runtime: InProcessRuntime) -> None:
    with pytest.raises(FunctionError) as raised:
        runtime.invoke("one", {"fail": True})
    assert raised.value.payload["errorType"] == "KeyError"
    assert raised.value.payload["errorMessage"] == "'boom'"
    assert raised.value.payload["stackTrace"]


def test_asynchronous_invocations_run_in_order_and_drain(runtime: InProcessRuntime) -> None:
    for n in range(3):
        runtime.invoke_async("one", {"n": n})
    runtime.invoke_async("one", {"fail": True})  # no destination: dropped after Lambda's two retries
    runtime.drain(timeout=10)
    assert [name for name, _ in runtime.durations] == ["one"] * 6
    runtime.shutdown()


def test_shutdown_waits_for_the_running_asynchronous_invocation_and_retries_and_starts_nothing_after(
    runtime: InProcessRuntime,
) -> None:
    """The stack stops its AWS endpoint after this returns: the invocation that was running must
    have ended (against the live endpoint), the queued one dropped, the failed one not retried."""
    entered, release = threading.Event(), threading.Event()
    runtime.invoke_async("one", {"entered": entered, "release": release, "then_fail": True})
    runtime.invoke_async("two", {"n": 1})  # queued behind it
    assert entered.wait(10)
    stopping = threading.Thread(target=runtime.shutdown)
    stopping.start()
    stopping.join(0.2)
    assert stopping.is_alive(), "shutdown returned while an invocation was still running"
    release.set()
    stopping.join(10)
    assert not stopping.is_alive()
    assert [name for name, _ in runtime.durations] == ["one"]  # no retry of it, nothing after it


def test_a_failed_asynchronous_invocation_goes_to_its_on_failure_destination_after_its_retries(
    tmp_path: Path,
) -> None:
    code = tmp_path / "fn"
    code.mkdir()
    (code / "app.py").write_text(HANDLER)
    records: list[dict[str, Any]] = []
    runtime = InProcessRuntime()
    runtime.register(
        LocalFunction("once", code, "app.lambda_handler", {}, max_retries=1, on_failure=records.append)
    )
    runtime.invoke_async("once", {"fail": True})
    runtime.invoke_async("once", {"ok": True})
    runtime.drain(timeout=10)
    runtime.shutdown()
    assert len(runtime.durations) == 3  # the failing event twice, the other once
    [record] = records
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2
    assert record["requestContext"]["functionArn"].endswith(":function:once:$LATEST")
    assert record["requestPayload"] == {"fail": True}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "KeyError"
