"""Providers behind two small classes: SES v2 for email, SNS for SMS.

Provider errors are sorted into what the sender can act on: retry later (throttling, 5xx), fail
the card (the provider refuses this message), or pause the batch (the account cannot send).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.deliverability.policy import SmsType
from dispatch.rendering import EmailMessage

THROTTLING = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "Throttling", "ThrottlingException", "Throttled"}
)
ACCOUNT_PAUSED = frozenset({"SendingPausedException", "AccountSuspendedException"})


class TemporaryFailure(Exception):
    """Worth retrying after a back-off."""


class Refused(Exception):
    """This message will never be accepted; the card fails with the provider's reason."""


class AccountPaused(Exception):
    """The account cannot send at all: stop the batch instead of failing every card."""


def classify(exc: ClientError) -> Exception:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = f"{code}: {error.get('Message', '')}".strip(": ")
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    if code in ACCOUNT_PAUSED:
        return AccountPaused(message)
    if code in THROTTLING or status >= 500:
        return TemporaryFailure(message)
    return Refused(message)


@dataclass(frozen=True, slots=True)
class EmailSender:
    from_address: str
    configuration_set: str

    def sending_as(self, address: str | None) -> EmailSender:
        """This sender from an organisation's own verified address (``sender_email``); from the
        stack's sender when the organisation has none."""
        return replace(self, from_address=address) if address else self

    def send(self, to: str, message: EmailMessage, unsubscribe_url: str | None, tags: dict[str, str]) -> str:
        """Send one email; a recipient's email carries the unsubscribe headers (RFC 8058), an
        agent's notice has none (``unsubscribe_url`` None). Tags come back on SES events."""
        body: dict[str, object] = {"Text": {"Data": message.text, "Charset": "UTF-8"}}
        if message.html is not None:
            body["Html"] = {"Data": message.html, "Charset": "UTF-8"}
        simple: dict[str, object] = {"Subject": {"Data": message.subject, "Charset": "UTF-8"}, "Body": body}
        if unsubscribe_url is not None:
            simple["Headers"] = [
                {"Name": "List-Unsubscribe", "Value": f"<{unsubscribe_url}>"},
                {"Name": "List-Unsubscribe-Post", "Value": "List-Unsubscribe=One-Click"},
            ]
        try:
            response = aws.client("sesv2").send_email(
                FromEmailAddress=self.from_address,
                Destination={"ToAddresses": [to]},
                Content={"Simple": simple},
                ConfigurationSetName=self.configuration_set,
                EmailTags=[{"Name": name, "Value": value} for name, value in tags.items()],
            )
        except ClientError as exc:
            raise classify(exc) from exc
        return str(response["MessageId"])


@dataclass(frozen=True, slots=True)
class SmsSender:
    sms_type: SmsType = SmsType.transactional  # the organisation's choice (agents' notices: transactional)

    def send(self, to: str, text: str) -> str:
        try:
            response = aws.client("sns").publish(
                PhoneNumber=to,
                Message=text,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": self.sms_type.value},
                },
            )
        except ClientError as exc:
            raise classify(exc) from exc
        return str(response["MessageId"])
