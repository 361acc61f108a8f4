"""SES's account-level suppression list, consulted for email (issue 19, item 5): the sweep copies
it hourly (ListSuppressedDestinations, page by page) and a batch's sender refuses a listed address
before sending, with the reason; a person's distribution asks SES itself
(GetSuppressedDestination), so an address listed since the copy counts too; an address SES
removed leaves the copy at the next sync.

moto (5.2) has no account-level suppression list: these run against the local stack's emulation of
its API (``local.ses_suppression``), which follows the SES v2 API reference. That SES answers in
those shapes is what cannot be proved here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dispatch import services
from dispatch.cards.store import CardStore

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
FIELDS = [
    {"name": "first_name", "label": "First name", "type": "string", "required": True},
    {"name": "email", "label": "Email", "type": "email"},
    {"name": "amount", "label": "Premium", "type": "number"},
    {"name": "due_date", "label": "Due date", "type": "date"},
]
LISTED = "Listed.Person@Example.com"  # SES keeps what it was given; the copy is canonical
LATE = "late@example.com"  # listed after the copy
ROWS = (
    "first_name,email,amount,due_date\n"
    f"Lisa,{LISTED},10,2027-01-01\nAda,ada@example.com,20,2027-01-01\nLee,{LATE},30,2027-01-01\n"
)


def test_addresses_on_the_ses_account_list_are_refused_before_sending(
    deployed: Any, walk: Callable[..., Any]
) -> None:
    ses = deployed.client("sesv2")
    ses.put_suppressed_destination(EmailAddress=LISTED, Reason="BOUNCE")
    for n in range(1_005):  # more than one page of 1,000
        ses.put_suppressed_destination(EmailAddress=f"old{n}@example.net", Reason="COMPLAINT")
    swept = deployed.invoke("SweepFunction", {"scheduled_time": "2026-01-15T10:00:00Z"})
    assert swept["ses_suppressions"] == {"listed": 1_006, "added": 1_006, "removed": 0}
    again = deployed.invoke("SweepFunction", {"scheduled_time": "2026-01-15T10:05:00Z"})
    assert again["ses_suppressions"] is None  # hourly
    ses.put_suppressed_destination(EmailAddress=LATE, Reason="COMPLAINT")

    batch = walk(ROWS, fields=FIELDS, approval_required=False)
    settings = batch.settings
    assert [outcome["suppressed"] for outcome in batch.send_in_process()] == [1]
    cards = {card.values["first_name"]: card for card in CardStore(settings).all_in_batch(batch.id)}
    lisa = cards["Lisa"]
    assert lisa.status.value == "suppressed"
    assert lisa.error == "on the SES account-level suppression list (bounce)"
    assert cards["Ada"].status.value == "sent"
    assert cards["Lee"].status.value == "sent"  # the copy is older than its listing: SES itself drops it

    # a person's distribution asks SES about its one address
    status, card = deployed.api("POST", f"/cards/{cards['Lee'].id}/distribute", ADMIN, body={"address": LATE})
    assert status == 200
    assert card["status"] == "sent"  # a resend refused is history only
    assert card["last_distribution"]["refused"] == "on the SES account-level suppression list (complaint)"

    # an address SES no longer lists leaves the copy at the next hourly sync
    ses.delete_suppressed_destination(EmailAddress=LISTED)
    later = deployed.invoke("SweepFunction", {"scheduled_time": "2026-01-15T11:00:00Z"})
    assert later["ses_suppressions"] == {"listed": 1_006, "added": 1, "removed": 1}
    copy = services.ses_suppressions(settings).copy
    assert copy.members(["listed.person@example.com", LATE]) == {
        LATE: "on the SES account-level suppression list (complaint)"
    }
