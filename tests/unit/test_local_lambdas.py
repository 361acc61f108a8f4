"""The local runtime's adapter that runs handlers in-process, in place of moto's Docker hook."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from local.lambdas import FunctionError, InProcessRuntime, LocalFunction

HANDLER = """
import os

def lambda_handler(event, context):
    if event.get("fail"):
        raise KeyError("boom")
    return {"env": os.environ.get("DISPATCH_MAIN_TABLE"), "name": context.function_name, "echo": event}
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


def test_each_function_runs_with_its_own_environment_which_is_restored_after(
    runtime: InProcessRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPATCH_MAIN_TABLE", "outside")
    assert runtime.invoke("one", {"a": 1}) == {"env": "table-one", "name": "one", "echo": {"a": 1}}
    assert runtime.invoke("two", {})["env"] == "table-two"
    assert os.environ["DISPATCH_MAIN_TABLE"] == "outside"


def test_a_handler_error_becomes_a_lambda_error_payload(runtime: InProcessRuntime) -> None:
    with pytest.raises(FunctionError) as raised:
        runtime.invoke("one", {"fail": True})
    assert raised.value.payload["errorType"] == "KeyError"
    assert raised.value.payload["errorMessage"] == "'boom'"
    assert raised.value.payload["stackTrace"]


def test_asynchronous_invocations_run_in_order_and_drain(runtime: InProcessRuntime) -> None:
    for n in range(3):
        runtime.invoke_async("one", {"n": n})
    runtime.invoke_async("one", {"fail": True})  # an async failure is dropped, as AWS drops it after retries
    runtime.drain(timeout=10)
    assert [name for name, _ in runtime.durations] == ["one"] * 4
    runtime.shutdown()
