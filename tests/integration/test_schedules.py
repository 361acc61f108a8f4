"""Schedules over the API against the emulated EventBridge Scheduler (moto), and their fires
through the schedule function: every transition, every refusal, idempotent and late fires,
overlapping runs, and each kind's work."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatch.batches.store import BatchStore
from dispatch.config import Settings
from local.stack import ROOT

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
SENDER = {**ADMIN, "sub": "sub-s", "email": "s@org-a.test", "cognito:groups": "sender"}
ROWS = "first_name,email\nAda,ada@example.com\nBo,bo@example.com\n"
NEXT_YEAR = datetime.now(UTC).year + 1


@pytest.fixture
def org(deployed: Any) -> dict[str, Any]:
    """org-a in Paris time, with a live process that requires approval."""
    deployed.api("PUT", "/organisation", ADMIN, body={"name": "Org A", "timezone": "Europe/Paris"})
    body = {**json.loads((ROOT / "examples" / "process.json").read_text()), "approval_required": True}
    _, process = deployed.api("POST", "/processes", ADMIN, body=body)
    deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    return {"process_id": process["id"]}


def _create(deployed: Any, body: dict[str, Any], claims: dict[str, Any] = ADMIN) -> tuple[int, Any]:
    return tuple(deployed.api("POST", "/schedules", claims, body=body))  # type: ignore[return-value]


def _distribution(org: dict[str, Any], when: dict[str, Any], **config: Any) -> dict[str, Any]:
    return {
        "name": "Weekly renewals",
        "config": {
            "kind": "distribution",
            "process_id": org["process_id"],
            "source_prefix": "weekly/",
            **config,
        },
        "when": when,
    }


def _eventbridge(deployed: Any, name: str) -> dict[str, Any] | None:
    client = deployed.client("scheduler")
    try:
        return dict(client.get_schedule(Name=name, GroupName=deployed.name("ScheduleGroup")))
    except client.exceptions.ResourceNotFoundException:
        return None


def _fire(deployed: Any, schedule: dict[str, Any], scheduled_time: str) -> Any:
    event = {"org_id": "org-a", "schedule_id": schedule["id"], "scheduled_time": scheduled_time}
    return deployed.invoke("ScheduleFunction", event)["run"]


def _now_z(offset: timedelta = timedelta()) -> str:
    return (datetime.now(UTC) + offset).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_one_time_run_is_an_at_schedule_that_deletes_itself(deployed: Any, org: dict[str, Any]) -> None:
    status, schedule = _create(
        deployed, _distribution(org, {"mode": "once", "start_at": f"{NEXT_YEAR}-01-10T22:30"})
    )
    assert status == 201
    assert (schedule["status"], schedule["timing"]["expression"]) == (
        "scheduled",
        f"at({NEXT_YEAR}-01-10T22:30:00)",
    )
    assert schedule["next_fire"] == f"{NEXT_YEAR}-01-10T21:30:00.000Z"  # Paris is UTC+1 in January
    remote = _eventbridge(deployed, schedule["id"])
    assert remote is not None
    assert (remote["ScheduleExpressionTimezone"], remote["ActionAfterCompletion"]) == (
        "Europe/Paris",
        "DELETE",
    )
    assert "<aws.scheduler.scheduled-time>" in remote["Target"]["Input"]
    assert remote["Target"]["DeadLetterConfig"]["Arn"].endswith("schedule-dlq")
    listed = deployed.api("GET", "/schedules", SENDER)[1]["items"]
    assert [item["id"] for item in listed] == [schedule["id"]]


def test_a_weekly_schedule_keeps_its_wall_clock_time_across_daylight_saving(
    deployed: Any, org: dict[str, Any]
) -> None:
    when = {
        "mode": "recurring",
        "start_at": f"{NEXT_YEAR}-03-15T06:00",
        "frequency": "weekly",
        "weekdays": ["MON"],
    }
    _, schedule = _create(deployed, _distribution(org, when))
    assert (schedule["status"], schedule["timing"]["expression"]) == ("recurring", "cron(0 6 ? * MON *)")
    preview = deployed.api("GET", f"/schedules/{schedule['id']}/preview", ADMIN, query={"count": "4"})[1]
    local = [fire["local"][11:16] for fire in preview["next_fires"]]
    utc_hours = {fire["utc"][11:13] for fire in preview["next_fires"]}
    assert local == ["06:00"] * 4  # 06:00 stays 06:00 ...
    assert utc_hours == {"05", "04"}  # ... while the offset changes (CET, then CEST)
    remote = _eventbridge(deployed, schedule["id"])
    assert remote is not None
    assert remote["State"] == "ENABLED"


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ({"mode": "once", "start_at": "2020-01-01T06:00"}, "in the past"),
        ({"mode": "once", "start_at": f"{NEXT_YEAR}-03-28T02:30"}, "does not exist"),  # Paris springs forward
        ({"mode": "once", "start_at": "tomorrow at six"}, "not a date and time"),
        (
            {"mode": "once", "start_at": f"{NEXT_YEAR}-01-10T06:00", "timezone": "Mars/Olympus"},
            "unknown timezone",
        ),
        (
            {
                "mode": "recurring",
                "start_at": f"{NEXT_YEAR}-01-10T06:00",
                "frequency": "cron",
                "cron": "0 6 * * * *",
            },
            "invalid cron",
        ),
        (
            {
                "mode": "recurring",
                "start_at": f"{NEXT_YEAR}-01-10T06:00",
                "frequency": "cron",
                "cron": "0 6 30 2 ? *",
            },
            "never fires",
        ),
        ({"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-31T06:00", "frequency": "monthly"}, "day 1-28"),
        ({"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00"}, "needs a frequency"),
    ],
)
def test_bad_timing_is_a_clear_400_and_changes_nothing(
    deployed: Any, org: dict[str, Any], when: dict[str, Any], message: str
) -> None:
    status, body = _create(deployed, _distribution(org, when))
    assert status == 400, body
    assert message in body["error"]["message"]
    assert deployed.api("GET", "/schedules", ADMIN, query={"view": "all"})[1]["items"] == []
    assert (
        deployed.client("scheduler").list_schedules(GroupName=deployed.name("ScheduleGroup"))["Schedules"]
        == []
    )


@pytest.mark.parametrize("day", [10**40 + 1, 0, 32])
def test_a_day_of_month_outside_1_to_31_is_a_400_whatever_the_frequency(
    deployed: Any, org: dict[str, Any], day: int
) -> None:
    """A daily schedule ignores day_of_month, but it is stored with the schedule: a number DynamoDB
    cannot hold failed the write (500)."""
    when = {
        "mode": "recurring",
        "start_at": f"{NEXT_YEAR}-01-10T06:00",
        "frequency": "daily",
        "day_of_month": day,
    }
    status, body = _create(deployed, _distribution(org, when))
    assert status == 400, body
    locations = [problem["location"] for problem in body["error"]["details"]["errors"]]
    assert locations
    assert all(location.startswith("body.when.day_of_month") for location in locations)
    assert deployed.api("GET", "/schedules", ADMIN, query={"view": "all"})[1]["items"] == []


def test_only_admins_manage_schedules(deployed: Any, org: dict[str, Any]) -> None:
    status, _ = _create(
        deployed, _distribution(org, {"mode": "once", "start_at": f"{NEXT_YEAR}-01-10T06:00"}), SENDER
    )
    assert status == 403


def test_a_one_time_run_is_edited_turned_recurring_and_cannot_change_once_it_ran(
    deployed: Any, org: dict[str, Any]
) -> None:
    _, once = _create(deployed, _distribution(org, {"mode": "once", "start_at": f"{NEXT_YEAR}-01-10T06:00"}))
    path = f"/schedules/{once['id']}"
    status, edited = deployed.api(
        "PATCH",
        path,
        ADMIN,
        body={"name": "Renamed", "when": {"mode": "once", "start_at": f"{NEXT_YEAR}-01-11T07:00"}},
    )
    assert (status, edited["name"], edited["timing"]["expression"]) == (
        200,
        "Renamed",
        f"at({NEXT_YEAR}-01-11T07:00:00)",
    )
    recurring = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-11T07:00", "frequency": "daily"}
    status, turned = deployed.api("PATCH", path, ADMIN, body={"when": recurring})
    assert (status, turned["status"], turned["timing"]["expression"]) == (
        200,
        "recurring",
        "cron(0 7 * * ? *)",
    )
    remote = _eventbridge(deployed, once["id"])
    assert remote is not None
    assert remote["ScheduleExpression"] == "cron(0 7 * * ? *)"

    _, other = _create(deployed, _distribution(org, {"mode": "once", "start_at": f"{NEXT_YEAR}-01-10T06:00"}))
    run = _fire(deployed, other, _now_z())
    assert run["outcome"] == "nothing_to_do"  # no source file yet
    ran = deployed.api("GET", f"/schedules/{other['id']}", ADMIN)[1]
    assert ran["status"] == "completed"
    for method, suffix, body in (("PATCH", "", {"name": "x"}), ("POST", "/cancel", {})):
        status, refused = deployed.api(method, f"/schedules/{other['id']}{suffix}", ADMIN, body=body)
        assert (status, refused["error"]["details"]) == (409, {"state": "completed"})


def test_pause_resume_cancel_and_save_as_template(deployed: Any, org: dict[str, Any]) -> None:
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "daily"}
    _, schedule = _create(deployed, _distribution(org, when))
    path = f"/schedules/{schedule['id']}"
    status, paused = deployed.api("POST", f"{path}/pause", ADMIN)
    assert (status, paused["status"], paused["next_fire"]) == (200, "recurring_paused", None)
    assert _eventbridge(deployed, schedule["id"])["State"] == "DISABLED"  # type: ignore[index]
    assert [s["id"] for s in deployed.api("GET", "/schedules", ADMIN)[1]["items"]] == [schedule["id"]]
    assert deployed.api("POST", f"{path}/pause", ADMIN)[0] == 409
    status, resumed = deployed.api("POST", f"{path}/resume", ADMIN)
    assert (status, resumed["status"]) == (200, "recurring")
    assert _eventbridge(deployed, schedule["id"])["State"] == "ENABLED"  # type: ignore[index]
    status, cancelled = deployed.api(
        "POST", f"{path}/cancel", ADMIN, body={"save_as_template": True, "template_name": "Weekly"}
    )
    assert (status, cancelled["status"], cancelled["template"]["name"]) == (200, "cancelled", "Weekly")
    assert _eventbridge(deployed, schedule["id"]) is None
    assert deployed.api("GET", "/schedules", ADMIN)[1]["items"] == []  # cancelled leaves Upcoming
    status, refused = deployed.api("POST", f"{path}/resume", ADMIN)
    assert (status, refused["error"]["details"]) == (409, {"state": "cancelled"})
    templates = deployed.api("GET", "/schedule-templates", ADMIN)[1]["items"]
    assert [(t["name"], t["config"]["kind"]) for t in templates] == [("Weekly", "distribution")]


def test_a_distribution_run_builds_a_batch_once_per_scheduled_time(
    deployed: Any, org: dict[str, Any], s3_event: Callable[..., dict[str, Any]]
) -> None:
    s3 = deployed.client("s3")
    s3.put_object(
        Bucket=deployed.bucket,
        Key="sources/org-a/weekly/2026-11-01.csv",
        Body=b"first_name,email\nOld,o@example.com\n",
    )
    s3.put_object(Bucket=deployed.bucket, Key="sources/org-a/weekly/2026-11-20.csv", Body=ROWS.encode())
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "daily"}
    _, schedule = _create(deployed, _distribution(org, when, standing_approval=True))
    preview = deployed.api("GET", f"/schedules/{schedule['id']}/preview", ADMIN)[1]
    assert preview["would"]["source"]["key"] == "sources/org-a/weekly/2026-11-20.csv"
    assert (preview["would"]["rows"]["accepted"], preview["would"]["rows"]["rejected"]) == (2, 0)

    scheduled = _now_z(-timedelta(minutes=1))
    run = _fire(deployed, schedule, scheduled)
    assert run["outcome"] == "started"
    assert _fire(deployed, schedule, scheduled) is None  # a repeated fire of the same time: nothing new
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)
    batch = BatchStore(settings).get("org-a", run["batch_id"])
    assert (batch.status.value, batch.schedule_id) == ("uploading", schedule["id"])
    assert (batch.created_by, batch.created_by_email) == ("sub-admin", "admin@org-a.test")  # the author
    copied = s3.get_object(Bucket=deployed.bucket, Key=batch.source_key)["Body"].read()
    assert copied == ROWS.encode()
    view = deployed.api("GET", f"/schedules/{schedule['id']}", ADMIN)[1]
    assert view["status"] == "processing"
    assert deployed.api("PATCH", f"/schedules/{schedule['id']}", ADMIN, body={"name": "x"})[0] == 409

    # The next fire while that batch is still on its way is skipped, and recorded.
    overlap = _fire(deployed, schedule, _now_z())
    assert overlap["outcome"] == "skipped_overlap"

    # The upload's S3 event validates the batch; generation; the standing approval approves it.
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, batch.source_key, len(ROWS)))
    step = {"batch_id": batch.id, "org_id": "org-a"}
    for chunk in BatchStore(settings).get("org-a", batch.id).chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    assert deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"}) == {
        "approval_required": False,
        "hold": False,
    }
    approved = BatchStore(settings).get("org-a", batch.id)
    assert approved.status.value == "approved"
    assert (approved.approval.decided_by, approved.approval.decided_by_email) == (
        "sub-admin",
        "admin@org-a.test",
    )
    assert approved.approval.reason == f"standing approval of schedule {schedule['id']}"
    runs = deployed.api("GET", f"/schedules/{schedule['id']}", ADMIN)[1]["recent_runs"]
    assert [r["outcome"] for r in runs] == ["skipped_overlap", "started"]


def test_four_eyes_does_not_accept_a_schedule_authors_standing_approval(
    deployed: Any, org: dict[str, Any], s3_event: Callable[..., dict[str, Any]]
) -> None:
    """A scheduled run's batch is its author's; under four-eyes their standing approval would be
    the creator approving their own batch: refused when asked for, ignored when four-eyes came on
    later, and the run's batch waits for another approver."""
    deployed.client("s3").put_object(
        Bucket=deployed.bucket, Key="sources/org-a/weekly/list.csv", Body=ROWS.encode()
    )
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "daily"}
    _, schedule = _create(deployed, _distribution(org, when, standing_approval=True))
    settings = {"name": "Org A", "timezone": "Europe/Paris", "four_eyes": True}
    assert deployed.api("PUT", "/organisation", ADMIN, body=settings)[0] == 200
    status, refused = _create(deployed, _distribution(org, when, standing_approval=True))
    assert (status, refused.get("error", {}).get("details")) == (409, {"four_eyes": True})
    assert (schedule["standing_approval_by"], schedule["configured_by"]) == ("sub-admin", "sub-admin")
    preview = deployed.api("GET", f"/schedules/{schedule['id']}/preview", ADMIN)[1]["would"]
    assert preview["approval"] == "four-eyes: an approver other than the schedule's author"

    run = _fire(deployed, schedule, _now_z(-timedelta(minutes=1)))
    api_settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)
    batch = BatchStore(api_settings).get("org-a", run["batch_id"])
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, batch.source_key, len(ROWS)))
    step = {"batch_id": batch.id, "org_id": "org-a"}
    for chunk in BatchStore(api_settings).get("org-a", batch.id).chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    after = deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
    assert after == {"approval_required": True, "hold": False}
    deployed.invoke("LifecycleFunction", {**step, "action": "request_approval", "task_token": "t"})
    status, body = deployed.api("POST", f"/batches/{batch.id}/approve", ADMIN)  # the author
    assert (status, "four-eyes" in body["error"]["message"]) == (403, True)
    approver = {**ADMIN, "sub": "sub-approver", "email": "ap@org-a.test", "cognito:groups": "approver"}
    status, approved = deployed.api("POST", f"/batches/{batch.id}/approve", approver)
    assert (status, approved["approval"]["decided_by"]) == (200, "sub-approver")


def test_a_clone_of_a_scheduled_batch_carries_no_standing_approval(
    deployed: Any, org: dict[str, Any], s3_event: Callable[..., dict[str, Any]]
) -> None:
    """The clone is its cloner's batch: the schedule author's approval in advance does not cover it."""
    deployed.client("s3").put_object(
        Bucket=deployed.bucket, Key="sources/org-a/weekly/list.csv", Body=ROWS.encode()
    )
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "daily"}
    _, schedule = _create(deployed, _distribution(org, when, standing_approval=True))
    run = _fire(deployed, schedule, _now_z(-timedelta(minutes=1)))
    api_settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)
    source = BatchStore(api_settings).get("org-a", run["batch_id"])
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, source.source_key, len(ROWS)))
    step = {"batch_id": source.id, "org_id": "org-a"}
    for chunk in BatchStore(api_settings).get("org-a", source.id).chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    assert deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"}) == {
        "approval_required": False,  # the standing approval
        "hold": False,
    }
    deployed.api("POST", f"/batches/{source.id}/archive", ADMIN)

    status, clone = deployed.api("POST", f"/batches/{source.id}/clone", SENDER, body={"recipients": "all"})
    assert (status, clone["standing_approval"], clone["schedule_id"]) == (202, None, None)
    assert clone["created_by"] == "sub-s"
    deployed.runtime.drain()
    copied = BatchStore(api_settings).get("org-a", clone["id"])
    assert copied.status.value == "generating"
    step = {"batch_id": copied.id, "org_id": "org-a"}
    for chunk in copied.chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    assert deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"}) == {
        "approval_required": True,
        "hold": False,
    }


def test_a_late_fire_is_skipped_and_recorded(deployed: Any, org: dict[str, Any]) -> None:
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "hourly"}
    _, schedule = _create(deployed, _distribution(org, when))
    run = _fire(deployed, schedule, _now_z(-timedelta(hours=2)))
    assert run["outcome"] == "skipped_late"
    assert (
        deployed.api("GET", f"/schedules/{schedule['id']}", ADMIN)[1]["last_run"]["outcome"] == "skipped_late"
    )


def test_a_paused_schedule_that_fires_anyway_does_nothing(deployed: Any, org: dict[str, Any]) -> None:
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "daily"}
    _, schedule = _create(deployed, _distribution(org, when))
    deployed.api("POST", f"/schedules/{schedule['id']}/pause", ADMIN)
    assert _fire(deployed, schedule, _now_z())["outcome"] == "skipped_inactive"


def test_retrieval_runs_immediately_and_finds_nothing_to_retrieve(deployed: Any, org: dict[str, Any]) -> None:
    """No card is assigned to an agent: nothing is idle (test_agent_work.py retrieves real cards)."""
    retrieval = {"name": "Take back", "config": {"kind": "retrieval", "idle_days": 14}}
    status, done = _create(deployed, retrieval)  # immediately, by default
    assert (status, done["status"], done["last_run"]["outcome"]) == (201, "completed", "nothing_to_do")
    assert (done["last_run"]["cards"], done["last_run"]["detail"]) == (
        0,
        "0 card(s) not worked for 14 days returned to the pool",
    )
    would = deployed.api("GET", f"/schedules/{done['id']}/preview", ADMIN)[1]["would"]
    assert (would["action"], would["idle_days"], would["cards"]) == ("retrieval", 14, 0)


def test_a_send_batch_schedule_sends_an_approved_batch_at_its_time(
    deployed: Any, org: dict[str, Any], s3_event: Callable[..., dict[str, Any]]
) -> None:
    status, refused = _create(
        deployed, {"name": "Send", "config": {"kind": "send_batch", "batch_id": "nope"}}
    )
    assert (status, refused["error"]["code"]) == (404, "not_found")
    body = {**json.loads((ROOT / "examples" / "process.json").read_text()), "approval_required": False}
    _, process = deployed.api("POST", "/processes", ADMIN, body=body)
    deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    key = f"drop/{process['id']}/list.csv"
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=ROWS.encode())
    [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(ROWS)))["batches"]
    step = {"batch_id": handled["batch_id"], "org_id": "org-a"}
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)
    for chunk in BatchStore(settings).get("org-a", handled["batch_id"]).chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})  # approved, not sending

    when = {"mode": "once", "start_at": f"{NEXT_YEAR}-01-10T06:00"}
    status, schedule = _create(
        deployed,
        {"name": "Send", "config": {"kind": "send_batch", "batch_id": handled["batch_id"]}, "when": when},
    )
    assert status == 201
    run = _fire(deployed, schedule, _now_z())
    assert (run["outcome"], run["batch_id"]) == ("started", handled["batch_id"])
    assert BatchStore(settings).get("org-a", handled["batch_id"]).status.value == "sending"
    assert deployed.api("GET", f"/schedules/{schedule['id']}", ADMIN)[1]["status"] == "processing"


def test_a_one_time_run_is_cancelled_until_it_runs_and_cannot_be_paused(
    deployed: Any, org: dict[str, Any]
) -> None:
    _, once = _create(deployed, _distribution(org, {"mode": "once", "start_at": f"{NEXT_YEAR}-01-10T06:00"}))
    status, refused = deployed.api("POST", f"/schedules/{once['id']}/pause", ADMIN)
    assert (status, refused["error"]["details"]) == (409, {"state": "scheduled"})
    status, cancelled = deployed.api("POST", f"/schedules/{once['id']}/cancel", ADMIN, body={})
    assert (status, cancelled["status"], cancelled["next_fire"]) == (200, "cancelled", None)
    assert _eventbridge(deployed, once["id"]) is None
    assert _fire(deployed, once, _now_z())["outcome"] == "skipped_inactive"  # a fire already on its way


def test_a_contact_filter_distribution_turns_each_fires_matches_into_a_batch(
    deployed: Any, org: dict[str, Any], import_contacts: Callable[..., dict[str, Any]]
) -> None:
    import_contacts(
        "external_id,first_name,email,tags\n1,Ada,ada@example.com,event\n2,Bo,bo@example.com,event\n"
        "3,Cy,cy@example.com,other\n"
    )
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "daily"}
    source = {"source_prefix": "", "contact_filter": {"tags_any": ["event"]}, "due_date": "2026-06-30"}
    refused = _create(deployed, _distribution(org, when, **{**source, "source_prefix": "weekly/"}))
    assert refused[0] == 400  # files or contacts, not both
    status, bad = _create(
        deployed, _distribution(org, when, **{**source, "contact_filter": {"field": "city", "op": "near"}})
    )
    assert (status, bad["error"]["details"]["location"]) == (400, "filter.op")
    status, schedule = _create(deployed, _distribution(org, when, standing_approval=True, **source))
    assert status == 201, schedule
    preview = deployed.api("GET", f"/schedules/{schedule['id']}/preview", ADMIN)[1]
    assert preview["would"]["note"] == "2 contact(s) match the filter now"

    scheduled = _now_z(-timedelta(minutes=1))
    run = _fire(deployed, schedule, scheduled)
    assert (run["outcome"], run["detail"]) == ("started", "2 contact(s) matched the filter")
    assert _fire(deployed, schedule, scheduled) is None  # a repeated fire of the same time: nothing new
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)
    batch = BatchStore(settings).get("org-a", run["batch_id"])
    assert batch.communication is not None
    assert (batch.status.value, batch.kind.value, batch.schedule_id) == (
        "generating",
        "communication",
        schedule["id"],
    )
    assert (batch.communication.matched, batch.communication.hold, batch.due_date) == (2, False, "2026-06-30")
    assert [e["name"] for e in deployed.executions()] == [batch.id]  # its working list is being staged

    # The state machine's steps: staged, generated, approved by the author's standing approval.
    step = {"batch_id": batch.id, "org_id": "org-a"}
    staged = [
        deployed.invoke("LifecycleFunction", {**step, "action": "stage_segment", "segment": s})
        for s in range(16)
    ]
    recorded = deployed.invoke(
        "LifecycleFunction", {**step, "action": "record_working_list", "staged": staged}
    )
    for chunk in recorded["chunks"]:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk})
    assert deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"}) == {
        "approval_required": False,
        "hold": False,
    }
    approved = BatchStore(settings).get("org-a", batch.id)
    assert (approved.status.value, approved.counters.cards) == ("approved", 2)
    assert approved.approval.reason == f"standing approval of schedule {schedule['id']}"

    # The next day's fire takes the filter's matches of that day.
    import_contacts("external_id,tags\n3,event\n")
    deployed.api("POST", f"/batches/{batch.id}/complete", ADMIN)
    later = _fire(deployed, schedule, _now_z())
    assert later["detail"] == "3 contact(s) matched the filter"
    assert later["batch_id"] != batch.id


def test_a_schedule_is_created_from_a_saved_template_and_templates_can_be_deleted(
    deployed: Any, org: dict[str, Any]
) -> None:
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "daily"}
    _, first = _create(deployed, _distribution(org, when))
    cancel = {"save_as_template": True, "template_name": "Daily renewals"}
    template = deployed.api("POST", f"/schedules/{first['id']}/cancel", ADMIN, body=cancel)[1]["template"]

    status, made = _create(deployed, {"template_id": template["id"]})
    assert status == 201, made
    assert (made["name"], made["status"], made["template_id"]) == (
        "Daily renewals",
        "recurring",
        template["id"],
    )
    assert (made["config"], made["when"]) == (template["config"], template["when"])
    assert _eventbridge(deployed, made["id"]) is not None
    once = {"mode": "once", "start_at": f"{NEXT_YEAR}-02-01T09:00"}
    status, changed = _create(deployed, {"template_id": template["id"], "name": "Just once", "when": once})
    assert (status, changed["name"], changed["status"]) == (201, "Just once", "scheduled")
    assert changed["config"] == template["config"]
    assert _create(deployed, {"template_id": "nope"})[0] == 404
    assert _create(deployed, {"name": "No config"})[0] == 400
    assert _create(deployed, {"template_id": template["id"]}, SENDER)[0] == 403

    path = f"/schedule-templates/{template['id']}"
    assert deployed.api("DELETE", path, SENDER)[0] == 403
    assert deployed.api("DELETE", path, ADMIN)[0] == 204
    assert deployed.api("GET", "/schedule-templates", ADMIN)[1]["items"] == []
    assert deployed.api("DELETE", path, ADMIN)[0] == 404
    assert deployed.api("GET", f"/schedules/{made['id']}", ADMIN)[0] == 200  # its schedules stay


def test_upcoming_pages_are_full_unless_they_are_the_last(deployed: Any, org: dict[str, Any]) -> None:
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "daily"}
    upcoming = []
    for n in range(6):
        _, schedule = _create(deployed, {**_distribution(org, when), "name": f"S{n}"})
        if n % 2 == 0:  # every other one leaves Upcoming
            deployed.api("POST", f"/schedules/{schedule['id']}/cancel", ADMIN, body={})
        else:
            upcoming.append(schedule["id"])
    pages, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        body = deployed.api("GET", "/schedules", ADMIN, query=query)[1]
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == [upcoming[:2], upcoming[2:]]
    everything = deployed.api("GET", "/schedules", ADMIN, query={"view": "all", "limit": "100"})[1]["items"]
    assert len(everything) == 6


def test_a_paused_schedule_shows_it_is_paused_while_processing_and_an_overlap_names_the_blocking_state(
    deployed: Any, org: dict[str, Any], s3_event: Callable[..., dict[str, Any]]
) -> None:
    deployed.client("s3").put_object(
        Bucket=deployed.bucket, Key="sources/org-a/weekly/list.csv", Body=ROWS.encode()
    )
    when = {"mode": "recurring", "start_at": f"{NEXT_YEAR}-01-10T06:00", "frequency": "daily"}
    _, schedule = _create(deployed, _distribution(org, when))  # its batches wait for an approver
    path = f"/schedules/{schedule['id']}"
    run = _fire(deployed, schedule, _now_z(-timedelta(minutes=2)))
    overlap = _fire(deployed, schedule, _now_z(-timedelta(minutes=1)))
    assert (
        overlap["detail"]
        == f"the previous run's batch {run['batch_id']} is still waiting for its file (uploading)"
    )

    settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)
    source_key = BatchStore(settings).get("org-a", run["batch_id"]).source_key
    deployed.invoke("ValidateFunction", s3_event(deployed.bucket, source_key, len(ROWS)))
    step = {"batch_id": run["batch_id"], "org_id": "org-a"}
    for chunk in BatchStore(settings).get("org-a", run["batch_id"]).chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
    deployed.invoke("LifecycleFunction", {**step, "action": "request_approval", "task_token": "token-1"})
    assert BatchStore(settings).get("org-a", run["batch_id"]).status.value == "pending_approval"
    overlap = _fire(deployed, schedule, _now_z())
    assert overlap["outcome"] == "skipped_overlap"
    assert overlap["detail"] == (
        f"the previous run's batch {run['batch_id']} is waiting for approval (pending_approval)"
    )

    view = deployed.api("GET", path, ADMIN)[1]
    assert (view["status"], view["processing"]) == ("processing", True)
    status, paused = deployed.api("POST", f"{path}/pause", ADMIN)
    assert (status, paused["status"], paused["processing"]) == (200, "recurring_paused", True)
    [listed] = deployed.api("GET", "/schedules", ADMIN)[1]["items"]
    assert (listed["status"], listed["processing"]) == ("recurring_paused", True)
