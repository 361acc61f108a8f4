"""Static checks of statemachines/*.asl.json: every Task is retried for every error but the one the
code raises on purpose when retrying cannot help, with back-off and jitter long enough to ride out
minutes of throttling — crashes, timeouts and throttling included — and the approval wait's
timeout stays its expiry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dispatch.errors import PermanentFailure

MACHINES = sorted((Path(__file__).resolve().parents[2] / "statemachines").glob("*.asl.json"))
MINUTES_OF_THROTTLING = 5 * 60  # the expected (mean, full jitter) total wait before giving up, at least


def _tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        if "ItemProcessor" in state:
            yield from _tasks(state["ItemProcessor"]["States"])


def _all_tasks() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path.name, name, state)
        for path in MACHINES
        for name, state in _tasks(json.loads(path.read_text())["States"])
    ]


def _machine(name: str) -> Path:
    return next(path for path in MACHINES if path.name == name)


def _waits(retrier: dict[str, Any]) -> list[float]:
    """The largest wait before each retry (Step Functions' formula, before jitter)."""
    interval, rate = retrier.get("IntervalSeconds", 1), retrier.get("BackoffRate", 2.0)
    cap = retrier.get("MaxDelaySeconds", float("inf"))
    return [min(interval * rate**attempt, cap) for attempt in range(retrier.get("MaxAttempts", 3))]


def test_the_four_machines_are_checked() -> None:
    assert [path.name for path in MACHINES] == [
        "batch_cleanup.asl.json",
        "batch_letters.asl.json",
        "batch_lifecycle.asl.json",
        "batch_sending.asl.json",
    ]
    assert len(_all_tasks()) == 17


@pytest.mark.parametrize(
    ("machine", "name", "state"), _all_tasks(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_task_retries_everything_but_a_declared_permanent_failure(
    machine: str, name: str, state: dict[str, Any]
) -> None:
    permanent, transient = state["Retry"]
    waits_for_a_person = state["Resource"].endswith(".waitForTaskToken")
    expected = ["PermanentFailure", "States.Timeout"] if waits_for_a_person else ["PermanentFailure"]
    assert permanent == {"ErrorEquals": expected, "MaxAttempts": 0}, f"{machine} {name}"
    assert transient["ErrorEquals"] == ["States.ALL"], f"{machine} {name}"
    assert (transient["BackoffRate"], transient["JitterStrategy"]) == (2, "FULL")
    assert 1 <= transient["IntervalSeconds"] <= transient["MaxDelaySeconds"] <= 300
    # Full jitter waits a uniform share of each interval: half of the sum on average.
    assert sum(_waits(transient)) / 2 >= MINUTES_OF_THROTTLING, f"{machine} {name} gives up too soon"


def test_the_permanent_error_is_the_one_the_code_raises() -> None:
    names = {name for _, _, state in _all_tasks() for name in state["Retry"][0]["ErrorEquals"]}
    assert names - {"States.Timeout"} == {PermanentFailure.__name__}


def test_the_approval_wait_expires_instead_of_retrying() -> None:
    """A States.ALL retrier also matches States.Timeout: the wait's own timeout (the approval's
    expiry) must meet the permanent retrier first, then the Catch that expires the batch."""
    lifecycle = json.loads(_machine("batch_lifecycle.asl.json").read_text())["States"]
    wait = lifecycle["WaitForApproval"]
    assert "TimeoutSecondsPath" in wait
    assert "States.Timeout" in wait["Retry"][0]["ErrorEquals"]
    assert wait["Catch"][0] == {
        "ErrorEquals": ["States.Timeout"],
        "ResultPath": "$.error",
        "Next": "ApprovalExpired",
    }


def test_a_fault_that_outlasts_the_retries_marks_the_batch_failed() -> None:
    """When retries are exhausted the batch stops with its cause (MarkFailed), never silently."""
    for path in MACHINES[1:]:
        states = json.loads(path.read_text())["States"]
        for name, state in states.items():
            if state["Type"] in {"Task", "Map"} and name != "MarkFailed":
                assert state["Catch"][-1]["ErrorEquals"] == ["States.ALL"], f"{path.name} {name}"
                assert state["Catch"][-1]["Next"] == "MarkFailed", f"{path.name} {name}"
        assert states["MarkFailed"]["Next"] == "Failed"
