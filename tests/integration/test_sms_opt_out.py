"""SMS opt-out (issue 19, item 3): numbers that replied STOP (SNS's opted-out list, copied by the
sweep) are suppressed before sending with the reason, an individual distribution asks SNS itself,
promotional SMS templates must carry opt-out wording to be published, and the organisation's SMS
type is what SNS is told."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from dispatch import services
from dispatch.cards.store import CardStore
from local.stack import ROOT

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
FIELDS = [
    {"name": "first_name", "label": "First name", "type": "string", "required": True},
    {"name": "email", "label": "Email", "type": "email"},
    {"name": "phone", "label": "Mobile", "type": "phone"},
]
OPTED_OUT = "+447420500600"  # on moto's list of numbers that replied STOP
ANSWERS_OPTED_OUT = "+12125550199"  # moto's CheckIfPhoneNumberIsOptedOut: numbers ending in 99
ROWS = f"first_name,email,phone\nOtto,,{OPTED_OUT}\nAda,,+12125550100\nZed,,{ANSWERS_OPTED_OUT}\n"


def settings_body(**extra: Any) -> dict[str, Any]:
    return {"sms_quiet_hours": None, **extra}  # real time must not decide these tests


def test_numbers_that_replied_stop_are_suppressed_with_the_reason(
    deployed: Any, walk: Callable[..., Any]
) -> None:
    assert deployed.api("PUT", "/organisation", ADMIN, body=settings_body())[0] == 200
    swept = deployed.invoke("SweepFunction", {"scheduled_time": "2026-01-15T10:00:00Z"})
    assert swept["sms_opt_outs"]["opted_out"] >= 1
    assert (
        deployed.invoke("SweepFunction", {"scheduled_time": "2026-01-15T10:05:00Z"})["sms_opt_outs"] is None
    )

    batch = walk(ROWS, fields=FIELDS, approval_required=False)
    settings = batch.settings
    assert [outcome["suppressed"] for outcome in batch.send_in_process()] == [1]
    cards = {card.values["first_name"]: card for card in CardStore(settings).all_in_batch(batch.id)}
    otto = cards["Otto"]
    assert otto.status.value == "suppressed"
    assert otto.error == "opted out of SMS (replied STOP)"
    assert otto.distributions[-1].refused == "opted out of SMS (replied STOP)"
    assert cards["Ada"].status.value == "sent"
    # the copy is a batch look-up: a number SNS only knows of live is sent by a batch…
    assert cards["Zed"].status.value == "sent"

    # …and a person's distribution asks SNS itself
    admin_sender = {**ADMIN, "cognito:groups": "admin"}
    status, card = deployed.api(
        "POST", f"/cards/{cards['Zed'].id}/distribute", admin_sender, body={"address": ANSWERS_OPTED_OUT}
    )
    assert status == 200
    assert card["status"] == "sent"  # a resend refused is history only
    assert card["last_distribution"]["refused"] == "opted out of SMS (replied STOP)"

    # a number that opts back in leaves the copy at the next hourly sync
    deployed.client("sns").opt_in_phone_number(phoneNumber=OPTED_OUT)
    again = deployed.invoke("SweepFunction", {"scheduled_time": "2026-01-15T11:00:00Z"})
    assert again["sms_opt_outs"]["removed"] == 1
    assert services.sms_opt_outs(settings).copy.members([OPTED_OUT]) == {}


def test_promotional_sms_must_say_how_to_opt_out_before_it_is_published(deployed: Any) -> None:
    promotional = settings_body(sms_type="Promotional")
    assert deployed.api("PUT", "/organisation", ADMIN, body=promotional)[0] == 200
    body = {**json.loads((ROOT / "examples" / "process.json").read_text())}
    _, process = deployed.api("POST", "/processes", ADMIN, body=body)
    status, error = deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    assert status == 422
    assert error["error"]["code"] == "unprocessable"
    assert "promotional SMS must tell recipients how to opt out" in error["error"]["message"]
    assert "Reply STOP to opt out" in error["error"]["message"]
    assert deployed.api("GET", f"/processes/{process['id']}", ADMIN)[1]["state"] != "live"

    templates = {
        **body["templates"],
        "sms": {"text": "Hi {{ first_name }}: {{ link }} Reply STOP to opt out"},
    }
    assert deployed.api("PUT", f"/processes/{process['id']}/templates", ADMIN, body=templates)[0] == 200
    assert deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)[0] == 200
    # a live process cannot lose the wording either
    status, error = deployed.api(
        "PUT", f"/processes/{process['id']}/templates", ADMIN, body=body["templates"]
    )
    assert status == 422
    assert "opt out" in error["error"]["message"]
    # transactional SMS need no such wording
    assert deployed.api("PUT", "/organisation", ADMIN, body=settings_body())[0] == 200
    assert (
        deployed.api("PUT", f"/processes/{process['id']}/templates", ADMIN, body=body["templates"])[0] == 200
    )
