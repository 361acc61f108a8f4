"""Account protection on the local stack: a stale list — addresses the mailbox simulator bounces
(``bounce+<label>@simulator.amazonses.com``, as SES's does) — sends the organisation's bounce
rate over the threshold; the simulator's events (SES → SNS → SQS → the events function) pause
its sending: the next batch waits with the reason, sending it is a 409 that says why, and after
an admin resumes it goes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.client import ApiClient, ApiError, wait_for
from local.stack import LocalStack

ROOT = Path(__file__).resolve().parents[2]
STALE = "first_name,email\n" + "".join(
    f"P{n},{'bounce' if n % 3 == 0 else 'success'}+p{n}@simulator.amazonses.com\n" for n in range(12)
)  # 4 of 12 bounce
LISTED = "listed-on-the-account@example.com"  # put on the (emulated) account-level list by the test
ON_ACCOUNT_LIST = (
    "first_name,email\nAda,success+ada@simulator.amazonses.com\nSue,suppressionlist@simulator.amazonses.com\n"
    f"Lis,{LISTED}\n"
)
CLEAN = "first_name,email\nAda,success+ada@simulator.amazonses.com\nBo,success+bo@simulator.amazonses.com\n"


def _drop(stack: LocalStack, process_id: str, name: str, rows: str) -> None:
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.put_object(Bucket=stack.bucket, Key=f"drop/{process_id}/{name}", Body=rows.encode())


def _batch(client: ApiClient, name: str, *wanted: str) -> dict[str, Any]:
    def ready() -> Any:
        found = [b for b in client.get("/batches")["items"] if b["name"].startswith(name)]
        return found[0] if found and found[0]["status"] in wanted else None

    return dict(wait_for(ready, timeout=90))


def test_a_stale_list_pauses_sending_until_an_admin_resumes(stack: LocalStack, admin: ApiClient) -> None:
    admin.request("PUT", "/organisation", {"account_protection": {"minimum_sends": 10}})
    example = json.loads((ROOT / "examples" / "process.json").read_text())
    process = admin.post("/processes", {**example, "approval_required": False})
    admin.post(f"/processes/{process['id']}/publish")

    _drop(stack, process["id"], "stale.csv", STALE)
    stale = _batch(admin, "stale", "sent", "partially_sent", "failed")
    assert stale["counters"]["sent"] == 12  # all out before the events (the pause may find it finishing)
    protection = wait_for(lambda: (p := admin.get("/organisation/protection"))["paused"] and p, timeout=90)
    # paused by the first outcomes to reach the minimum of 10 (events arrive in any order)
    assert "the hard-bounce rate over the last 24 hours is" in protection["reason"]
    assert "at or above the pause threshold of 4 %" in protection["reason"]
    everything = wait_for(
        lambda: (p := admin.get("/organisation/protection"))["rates"][0]["sends"] == 12 and p
    )
    day = everything["rates"][0]
    assert (day["bounces"], day["complaints"], day["bounce_rate"]) == (4, 0, 4 / 12)
    assert protection["policy"]["bounce_rate"] == 0.04
    assert protection["ses_review_rates"] == {"bounce": 0.05, "complaint": 0.001}

    # the next batch is approved by policy but does not start: it says why
    _drop(stack, process["id"], "clean.csv", CLEAN)

    def decided() -> Any:  # approved, then the lifecycle's start_sending finds the pause
        found = [b for b in admin.get("/batches")["items"] if b["name"].startswith("clean")]
        status = found[0]["status"] if found else None
        done = status in {"sending", "sent", "partially_sent", "failed"} or (
            status == "approved" and found[0]["status_reason"]
        )
        return found[0] if done else None

    waiting = dict(wait_for(decided, timeout=90))
    assert waiting["status"] == "approved"
    assert waiting["status_reason"].startswith("not sent yet: sending is paused for this organisation")
    with pytest.raises(ApiError) as refused:
        admin.post(f"/batches/{waiting['id']}/send-remaining")
    assert refused.value.status == 409
    assert "hard-bounce rate" in refused.value.body["error"]["details"]["reason"]

    resumed = admin.post("/organisation/protection/resume")
    assert resumed["paused"] is False
    admin.post(f"/batches/{waiting['id']}/send-remaining")
    sent = _batch(admin, "clean", "sent", "partially_sent", "failed")
    assert sent["status"] == "sent"
    recipients = {m["recipient"] for m in stack.outbox().messages()}
    assert {"success+ada@simulator.amazonses.com", "success+bo@simulator.amazonses.com"} <= recipients


def test_an_address_on_the_ses_account_suppression_list_is_suppressed_not_bounced(
    stack: LocalStack, admin: ApiClient
) -> None:
    """SES does not send to an address on the account-level suppression list: it reports a bounce
    with bounceSubType ``OnAccountSuppressionList`` (the mailbox simulator's ``suppressionlist@``).
    The card becomes ``suppressed`` with that reason, the address joins the organisation's list,
    and the bounce does not count towards the organisation's rates (SES does not count it). So does
    an address put on the account-level list (the local stack emulates it)."""
    example = json.loads((ROOT / "examples" / "process.json").read_text())
    process = admin.post("/processes", {**example, "approval_required": False})
    admin.post(f"/processes/{process['id']}/publish")
    ses = boto3.client("sesv2", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    ses.put_suppressed_destination(EmailAddress=LISTED, Reason="BOUNCE")
    _drop(stack, process["id"], "account-list.csv", ON_ACCOUNT_LIST)
    batch = _batch(admin, "account-list", "sent", "partially_sent", "failed")

    def settled() -> Any:
        items = admin.get(f"/batches/{batch['id']}/cards")["items"]
        statuses = {item["email"]: item for item in items}
        waiting = {
            statuses[address]["status"] for address in ("suppressionlist@simulator.amazonses.com", LISTED)
        }
        return statuses if "sent" not in waiting else None

    cards = wait_for(settled, timeout=90)
    suppressed = cards["suppressionlist@simulator.amazonses.com"]
    assert suppressed["status"] == "suppressed"
    assert suppressed["error"] == "on the SES account-level suppression list (SES did not send the email)"
    # an address SES lists: refused before sending if the hourly copy has it, else SES bounces it
    assert cards[LISTED]["status"] == "suppressed"
    assert cards[LISTED]["error"].startswith("on the SES account-level suppression list (")
    listed = admin.get("/suppressions?q=suppressionlist")["items"]
    assert [item["address"] for item in listed] == ["suppressionlist@simulator.amazonses.com"]
    assert "account-level suppression list" in listed[0]["reason"]
    stack.settle()
    day = admin.get("/organisation/protection")["rates"][0]
    assert (day["sends"], day["bounces"]) == (1, 0)  # Ada's delivery only
    assert admin.get(f"/batches/{batch['id']}")["counters"]["by_status"] == {"delivered": 1, "suppressed": 2}
