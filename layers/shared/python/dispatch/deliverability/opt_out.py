"""SMS opt-outs: numbers that replied STOP are never texted again, and promotional texts say how.

SNS keeps the account's opted-out numbers (a reply of STOP to any of its messages adds one). The
sweep copies that list into the main table (``pk=SMS_OPT_OUT``, ``sk=<E.164 number>``; see
:mod:`.copies`), so a batch's sender looks a chunk's numbers up with the suppression list instead of
asking SNS per number: an opted-out number's card becomes ``suppressed`` with the reason. An individual
distribution asks SNS itself (``CheckIfPhoneNumberIsOptedOut``), so a STOP since the last copy
counts too.

Promotional SMS (the organisation's ``sms_type``) must carry opt-out wording — a keyword carriers
and SNS honour, e.g. "Reply STOP to opt out" — or the process is not published (422 with why).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from dispatch import aws
from dispatch.config import Settings
from dispatch.deliverability.copies import ListCopy
from dispatch.deliverability.policy import OPT_OUT_WORDING, SmsType
from dispatch.errors import Unprocessable
from dispatch.organisations.models import OrganisationSettings
from dispatch.processes.models import Templates

OPTED_OUT = "opted out of SMS (replied STOP)"
PARTITION = "SMS_OPT_OUT"


def opt_out_copy(settings: Settings) -> ListCopy:
    return ListCopy(settings, PARTITION, lambda address: address.startswith("+"))


class SmsOptOuts:
    def __init__(self, copy: ListCopy) -> None:
        self.copy = copy

    def sync(self, now: datetime) -> dict[str, int] | None:
        """Copy SNS's opted-out list (at most hourly; None when not due)."""
        if not self.copy.claim_sync(now):
            return None
        numbers: set[str] = set()
        request: dict[str, str] = {}
        while True:
            page = aws.client("sns").list_phone_numbers_opted_out(**request)
            numbers |= set(page.get("phoneNumbers", []))
            token = page.get("nextToken")
            if not token:
                break
            request = {"nextToken": token}
        added, removed = self.copy.replace(dict.fromkeys(numbers, OPTED_OUT))
        return {"opted_out": len(numbers), "added": added, "removed": removed}

    def opted_out_now(self, numbers: Iterable[str]) -> dict[str, str]:
        """Ask SNS about each number (an individual distribution: one or two numbers)."""
        sns = aws.client("sns")
        return {
            number: OPTED_OUT
            for number in numbers
            if number.startswith("+")
            and sns.check_if_phone_number_is_opted_out(phoneNumber=number).get("isOptedOut")
        }


def check_opt_out_wording(templates: Templates, organisation: OrganisationSettings) -> None:
    """Unprocessable (422) when the organisation sends promotional SMS and the SMS template does
    not say how to opt out."""
    if organisation.sms_type is not SmsType.promotional or templates.sms is None:
        return
    if OPT_OUT_WORDING.search(templates.sms.text):
        return
    raise Unprocessable(
        "promotional SMS must tell recipients how to opt out: add opt-out wording such as "
        "'Reply STOP to opt out' to the SMS template",
        {"templates": {"sms": "no opt-out wording (STOP)"}},
    )
