"""SMS opt-outs: numbers that replied STOP are never texted again, and promotional texts say how.

SNS keeps the account's opted-out numbers (a reply of STOP to any of its messages adds one). The
sweep copies that list into the main table (``pk=SMS_OPT_OUT``, ``sk=<E.164 number>``) at most once
an hour, adding new numbers and removing those that opted back in, so a batch's sender looks a
chunk's numbers up with the suppression list (one ``BatchGetItem`` per 100) instead of asking SNS
per number: an opted-out number's card becomes ``suppressed`` with the reason. An individual
distribution asks SNS itself (``CheckIfPhoneNumberIsOptedOut``), so a STOP since the last copy
counts too.

Promotional SMS (the organisation's ``sms_type``) must carry opt-out wording — a keyword carriers
and SNS honour, e.g. "Reply STOP to opt out" — or the process is not published (422 with why).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.clock import isoformat
from dispatch.config import Settings
from dispatch.deliverability.policy import OPT_OUT_WORDING, SmsType
from dispatch.dynamo import is_condition_failure, query_all
from dispatch.errors import Unprocessable
from dispatch.organisations.models import OrganisationSettings
from dispatch.processes.models import Templates

OPTED_OUT = "opted out of SMS (replied STOP)"
PARTITION = "SMS_OPT_OUT"
SYNC_KEY = {"pk": PARTITION, "sk": "#SYNC"}
SYNC_EVERY = timedelta(hours=1)
BATCH_GET_LIMIT = 100


class OptOutStore:
    def __init__(self, settings: Settings) -> None:
        self._table_name = settings.main_table
        self._table = aws.dynamodb_table(settings.main_table)

    def opted_out(self, numbers: Iterable[str]) -> set[str]:
        """Which of ``numbers`` (E.164) opted out, as of the last copy."""
        wanted = sorted({number for number in numbers if number.startswith("+")})
        found: set[str] = set()
        resource = aws.dynamodb_resource()
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            keys = [{"pk": PARTITION, "sk": number} for number in wanted[start : start + BATCH_GET_LIMIT]]
            request: dict[str, Any] = {self._table_name: {"Keys": keys, "ProjectionExpression": "sk"}}
            while request:
                response = resource.batch_get_item(RequestItems=request)
                found |= {str(item["sk"]) for item in response.get("Responses", {}).get(self._table_name, [])}
                request = response.get("UnprocessedKeys") or {}
        return found

    def claim_sync(self, now: datetime) -> bool:
        """One copy an hour, whichever sweep comes first."""
        try:
            self._table.put_item(
                Item={**SYNC_KEY, "at": isoformat(now)},
                ConditionExpression="attribute_not_exists(pk) OR #at <= :due",
                ExpressionAttributeNames={"#at": "at"},
                ExpressionAttributeValues={":due": isoformat(now - SYNC_EVERY)},
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def replace(self, numbers: set[str]) -> tuple[int, int]:
        """The copy becomes ``numbers``; returns (added, removed)."""
        held = {
            str(item["sk"])
            for item in query_all(
                self._table,
                {
                    "KeyConditionExpression": "pk = :pk AND begins_with(sk, :plus)",
                    "ExpressionAttributeValues": {":pk": PARTITION, ":plus": "+"},
                    "ProjectionExpression": "sk",
                },
            )
        }
        with self._table.batch_writer() as writer:
            for number in numbers - held:
                writer.put_item(Item={"pk": PARTITION, "sk": number, "reason": OPTED_OUT})
            for number in held - numbers:
                writer.delete_item(Key={"pk": PARTITION, "sk": number})
        return len(numbers - held), len(held - numbers)


class SmsOptOuts:
    def __init__(self, store: OptOutStore) -> None:
        self.store = store

    def sync(self, now: datetime) -> dict[str, int] | None:
        """Copy SNS's opted-out list (at most hourly; None when not due)."""
        if not self.store.claim_sync(now):
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
        added, removed = self.store.replace(numbers)
        return {"opted_out": len(numbers), "added": added, "removed": removed}

    def opted_out_now(self, numbers: Iterable[str]) -> set[str]:
        """Ask SNS about each number (an individual distribution: one or two numbers)."""
        sns = aws.client("sns")
        return {
            number
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
