"""SMS quiet hours (issue 19, item 1) on the local stack, by the stack's own movable clock: a batch
whose recipients are in several zones — from their numbers (New York, Chicago, Los Angeles,
Honolulu, the UK) and from a ``timezone`` column (Paris) — sends at once to those in their
daytime; the others wait ``ready`` with the reason and the time they become sendable, the dry run
and the batch detail count them, and the sweep sends each once the local clock reaches its
window. Across both daylight-saving changes of New York the window opens at 08:00 local time:
eight hours after 23:00 on the eve of the spring change, ten after it on the eve of the autumn one.
These tests lift the suite's pinned US daytime (``quiet_hours_clock``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest

from dispatch.clock import parse_iso
from local.client import ApiClient, wait_for
from local.stack import LocalStack

pytestmark = pytest.mark.quiet_hours_clock

ROOT = Path(__file__).resolve().parents[2]
NEW_YORK = ZoneInfo("America/New_York")
# Recipients and their zones; at 03:30 UTC (whatever the season) it is night for the first four
# (22:30 or 23:30 in New York, 21:30 or 22:30 in Chicago, 03:30 or 04:30 in London, 04:30 or 05:30
# in Paris) and day for the last two (19:30 or 20:30 in Los Angeles, 17:30 in Honolulu).
RECIPIENTS = {
    "Nora": ("+12125550140", "", "America/New_York"),
    "Chi": ("+13125550141", "", "America/Chicago"),
    "Lena": ("+447911123456", "", "Europe/London"),
    "Pia": ("+12125550142", "Europe/Paris", "Europe/Paris"),  # a New York number, a Paris column
    "Lou": ("+14155550143", "", None),
    "Hana": ("+18085550144", "", None),
}
NIGHT = ("Nora", "Chi", "Lena", "Pia")
SWEEP = timedelta(minutes=6)  # the sweep fires every 5 minutes of the local clock


def _live_process(admin: ApiClient) -> str:
    example = json.loads((ROOT / "examples" / "process.json").read_text())
    fields = [*example["fields"], {"name": "timezone", "label": "Time zone", "type": "string"}]
    process = admin.post("/processes", {**example, "fields": fields})
    admin.post(f"/processes/{process['id']}/publish")
    return str(process["id"])


def _drop(stack: LocalStack, process_id: str, name: str, names: tuple[str, ...]) -> None:
    lines = ["first_name,email,phone,timezone"]
    lines += [f"{who},,{RECIPIENTS[who][0]},{RECIPIENTS[who][1]}" for who in names]
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.put_object(Bucket=stack.bucket, Key=f"drop/{process_id}/{name}", Body="\n".join(lines).encode())


def _batch(client: ApiClient, name: str, *wanted: str) -> dict[str, Any]:
    def found() -> Any:
        items = [b for b in client.get("/batches")["items"] if b["name"].startswith(name)]
        return items[0] if items and items[0]["status"] in wanted else None

    return dict(wait_for(found, timeout=90))


def _cards(client: ApiClient, batch_id: str) -> dict[str, dict[str, Any]]:
    """The batch's cards by recipient name, each read whole (its ``deferred`` with it)."""
    items = client.get(f"/batches/{batch_id}/cards?limit=100")["items"]
    cards = [client.get(f"/cards/{item['id']}") for item in items]
    return {card["values"]["first_name"]: card for card in cards}


def _statuses(client: ApiClient, batch_id: str) -> dict[str, str]:
    return {name: card["status"] for name, card in _cards(client, batch_id).items()}


def _move_to(stack: LocalStack, moment: datetime) -> None:
    stack.advance_clock(moment - stack.clock.now())


def _assert_still_waiting(client: ApiClient, before: dict[str, Any]) -> None:
    """The sweep that just fired started no sending run (a run moves the batch to ``sending`` and
    counts itself before it sends anything)."""
    now = client.get(f"/batches/{before['id']}")
    assert (now["status"], now["send_runs"]) == ("partially_sent", before["send_runs"])


def _sms_to(stack: LocalStack, phone: str) -> int:
    return sum(1 for m in stack.outbox().messages() if m["channel"] == "sms" and m["recipient"] == phone)


def test_cards_wait_for_their_recipients_window_in_several_zones_and_the_sweep_sends_them(
    stack: LocalStack,
    admin: ApiClient,
    client_for: Callable[[str, str, str], ApiClient],
    org: str,
    clock_at: Callable[[time], datetime],
) -> None:
    process_id = _live_process(admin)
    start = clock_at(time(3, 30))
    _drop(stack, process_id, "zones.csv", tuple(RECIPIENTS))
    pending = _batch(admin, "zones", "pending_approval")

    # the dry run says, before approval, how many would wait and until when
    dry_run = admin.get(f"/batches/{pending['id']}/dry-run")
    assert dry_run["deferred"]["cards"] == len(NIGHT)

    client_for(f"approver@{org}.test", "approver", org).post(f"/batches/{pending['id']}/approve")
    batch = _batch(admin, "zones", "partially_sent", "sent", "failed")
    assert batch["status"] == "partially_sent"
    assert _statuses(admin, batch["id"]) == {
        **dict.fromkeys(NIGHT, "ready"),
        "Lou": "sent",
        "Hana": "sent",
    }

    cards = _cards(admin, batch["id"])
    until: dict[str, datetime] = {}
    for who in NIGHT:
        zone = RECIPIENTS[who][2]
        assert zone is not None
        deferred = cards[who]["deferred"]
        assert deferred["reason"].startswith("quiet hours 21:00-08:00 in the recipient's local time (")
        assert zone in deferred["reason"]
        until[who] = parse_iso(deferred["until"])
        assert until[who].astimezone(ZoneInfo(zone)).time() == time(8, 0)  # 08:00 where they are
        assert start < until[who] < start + timedelta(hours=12)  # the coming morning
        assert cards[who]["distributions"] == []  # never claimed
    assert sorted(NIGHT, key=until.__getitem__) == ["Pia", "Lena", "Nora", "Chi"]  # east to west
    assert cards["Pia"]["deferred"]["reason"].endswith("(Europe/Paris)")  # the column, not the number
    assert dry_run["deferred"]["earliest"] == cards["Pia"]["deferred"]["until"]
    assert dry_run["deferred"]["latest"] == cards["Chi"]["deferred"]["until"]

    detail = admin.get(f"/batches/{batch['id']}")
    assert detail["deferred"] == {
        "cards": 4,
        "earliest": cards["Pia"]["deferred"]["until"],
        "latest": cards["Chi"]["deferred"]["until"],
    }
    assert detail["counters"]["by_status"] == {"ready": 4, "sent": 2}

    # just before Paris's morning the sweep starts nothing; just after it, it sends Paris only
    _move_to(stack, until["Pia"] - timedelta(minutes=10))
    _assert_still_waiting(admin, detail)
    _move_to(stack, until["Pia"] + SWEEP)
    wait_for(lambda: _statuses(admin, batch["id"])["Pia"] == "sent", timeout=60)
    after_paris = _batch(admin, "zones", "partially_sent")
    assert _statuses(admin, batch["id"]) == {
        **dict.fromkeys(("Nora", "Chi", "Lena"), "ready"),
        **dict.fromkeys(("Pia", "Lou", "Hana"), "sent"),
    }
    assert admin.get(f"/batches/{after_paris['id']}")["deferred"] == {
        "cards": 3,
        "earliest": cards["Lena"]["deferred"]["until"],
        "latest": cards["Chi"]["deferred"]["until"],
    }

    # after Chicago's morning, everyone has had their one message
    _move_to(stack, until["Chi"] + SWEEP)
    done = _batch(admin, "zones", "sent")
    assert set(_statuses(admin, done["id"]).values()) == {"sent"}
    assert admin.get(f"/batches/{done['id']}")["deferred"] == {"cards": 0, "earliest": None, "latest": None}
    assert all(_sms_to(stack, phone) == 1 for phone, _, _ in RECIPIENTS.values())


def _next_change(after: datetime, *, spring: bool) -> datetime:
    """The first day after ``after`` on which New York's clocks go forward (``spring``) or back."""
    day = after.astimezone(NEW_YORK).date() + timedelta(days=1)
    while True:
        before, noon = (_offset(day - timedelta(days=1)), _offset(day))
        if noon != before and (noon > before) == spring:
            return datetime.combine(day, time(0), tzinfo=NEW_YORK)
        day += timedelta(days=1)


def _offset(day: date) -> timedelta:
    """New York's UTC offset at noon on ``day``."""
    return datetime.combine(day, time(12), tzinfo=NEW_YORK).utcoffset() or timedelta(0)


def test_spring_forward_the_window_opens_at_eight_local_time_eight_hours_after_23_00(
    stack: LocalStack, admin: ApiClient, org: str
) -> None:
    _across_a_change(stack, admin, org, spring=True, hours=8)


def test_fall_back_the_window_opens_at_eight_local_time_ten_hours_after_23_00(
    stack: LocalStack, admin: ApiClient, org: str
) -> None:
    _across_a_change(stack, admin, org, spring=False, hours=10)


def _across_a_change(stack: LocalStack, admin: ApiClient, org: str, *, spring: bool, hours: int) -> None:
    """23:00 on the eve of the change, a New York number: its card may go at 08:00 local time on
    the day of the change — eight real hours later in spring (an hour is skipped), ten in autumn
    (an hour is repeated); a window computed with the eve's UTC offset would be an hour out."""
    admin.request("PUT", "/organisation", {"approval_required": False})
    process_id = _live_process(admin)
    change = _next_change(stack.clock.now(), spring=spring)
    eve = datetime.combine(change.date() - timedelta(days=1), time(23), tzinfo=NEW_YORK).astimezone(UTC)
    _move_to(stack, eve)
    _drop(stack, process_id, f"dst-{org}.csv", ("Nora",))
    batch = _batch(admin, "dst", "partially_sent", "sent", "failed")
    assert batch["status"] == "partially_sent"
    card = _cards(admin, batch["id"])["Nora"]
    assert card["status"] == "ready"
    until = parse_iso(card["deferred"]["until"])
    assert until - eve == timedelta(hours=hours)
    assert until.astimezone(NEW_YORK).replace(tzinfo=None) == datetime.combine(change.date(), time(8))
    assert admin.get(f"/batches/{batch['id']}")["deferred"]["cards"] == 1

    _move_to(stack, until - timedelta(minutes=10))
    _assert_still_waiting(admin, batch)
    _move_to(stack, until + SWEEP)
    assert _batch(admin, "dst", "sent")["status"] == "sent"
    assert _statuses(admin, batch["id"]) == {"Nora": "sent"}
    assert _sms_to(stack, RECIPIENTS["Nora"][0]) >= 1
