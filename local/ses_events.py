"""SES event publishing, emulated: what SES sends to a configuration set's SNS event destination.

moto records the emails it "sends" but publishes no configuration-set events, and its SES v2
``SendEmail`` drops the configuration set, the email tags and the headers. ``install`` wraps that
API to keep them on moto's recorded message; ``SesEventSimulator`` then publishes, a little after
each send (a real delivery is asynchronous), the events SES would, in SES's event-publishing JSON,
to the SNS topic that the template's ``AWS::SES::ConfigurationSetEventDestination`` names for the
email's configuration set, filtered by its ``MatchingEventTypes``.

The outcome follows the real SES mailbox simulator (labels such as ``bounce+x@`` included):
``bounce@`` hard-bounces, ``suppressionlist@`` — and any address on the emulated account-level
suppression list (:mod:`local.ses_suppression`) — bounces as suppressed, ``complaint@`` is delivered
then complained about; ``success@``, ``ooto@`` and every other address is delivered. Every email
sent through a configuration set is first a ``Send`` event. Only SES v2 ``SendEmail`` is captured
(the application sends nothing else); emails without a configuration set have no events.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any

import boto3

from local import ses_suppression
from local.clock import LocalClock
from local.template import ACCOUNT_ID, REGION, Resolver

_log = logging.getLogger("local.ses_events")
SIMULATOR_DOMAIN = "simulator.amazonses.com"
REPORTING_MTA = "a8-70.smtp-out.amazonses.com"
_CAPTURED = "local_sent_email"  # the attribute that carries a SentEmail on moto's message
_installed = False
_verifying = False


@dataclass(frozen=True)
class SentEmail:
    """An SES v2 SendEmail request as its events need it (moto keeps no configuration set, tags
    or headers)."""

    configuration_set: str | None
    tags: dict[str, str]
    source: str
    to: list[str]
    recipients: list[str]  # to, cc and bcc
    subject: str
    headers: list[dict[str, str]]
    sent: datetime  # real time of the send (events carry it on the simulator's clock)
    sent_at: float  # time.monotonic() at the send, for the simulated delivery delay


@dataclass(frozen=True)
class EventDestination:
    configuration_set: str
    topic_arn: str
    event_types: frozenset[str]  # SES's names in lower case: send, delivery, bounce, complaint, …


def install() -> None:
    """Idempotent, process-wide: SES v2 SendEmail keeps what the simulator needs on moto's message."""
    global _installed  # noqa: PLW0603 - a process-wide patch, applied once
    if _installed:
        return
    from moto.sesv2.responses import SESV2Response

    original = SESV2Response.send_email

    def send_email(self: Any) -> Any:
        result = original(self)
        message_id = json.loads(result)["MessageId"]
        for message in reversed(self.sesv2_backend.core_backend.sent_messages):
            if message.id == message_id:
                setattr(message, _CAPTURED, _captured(json.loads(self.body)))
                break
        return result

    setattr(SESV2Response, "send_email", send_email)  # noqa: B010 - a patch
    _installed = True


def verify_at_once() -> None:
    """Idempotent, process-wide: an SES identity is verified as soon as it is created.

    moto creates identities with ``VerifiedForSendingStatus`` false and nothing locally ever
    completes a verification (no mailbox gets the link, no DNS serves the DKIM records), while its
    SendEmail accepts any identity that exists. With this, ``GetEmailIdentity`` says what
    SendEmail does: an organisation's sender is accepted once ``aws ses verify-email-identity``
    (or ``sesv2 create-email-identity``) named it on the local endpoint. A test marks an identity
    pending by setting the flag back on moto's identity."""
    global _verifying  # noqa: PLW0603 - a process-wide patch, applied once
    if _verifying:
        return
    from moto.ses.models import SESBackend

    original = SESBackend.create_email_identity_v2

    def create_email_identity_v2(self: Any, *args: Any, **kwargs: Any) -> Any:
        identity = original(self, *args, **kwargs)
        identity.verified_for_sending_status = True
        return identity

    setattr(SESBackend, "create_email_identity_v2", create_email_identity_v2)  # noqa: B010 - a patch
    _verifying = True


def _captured(request: dict[str, Any]) -> SentEmail:
    destination = request.get("Destination", {})
    simple = request.get("Content", {}).get("Simple", {})
    return SentEmail(
        configuration_set=request.get("ConfigurationSetName"),
        tags={tag["Name"]: tag["Value"] for tag in request.get("EmailTags", [])},
        source=str(request.get("FromEmailAddress", "")),
        to=list(destination.get("ToAddresses", [])),
        recipients=[
            address
            for kind in ("ToAddresses", "CcAddresses", "BccAddresses")
            for address in destination.get(kind, [])
        ],
        subject=str(simple.get("Subject", {}).get("Data", "")),
        headers=[{"name": h["Name"], "value": h["Value"]} for h in simple.get("Headers", [])],
        sent=datetime.now(UTC),
        sent_at=time.monotonic(),
    )


def event_destinations(resolver: Resolver) -> list[EventDestination]:
    """The template's enabled SNS event destinations (SES's default for ``Enabled`` is false)."""
    found = []
    for spec in resolver.resources.values():
        if spec["Type"] != "AWS::SES::ConfigurationSetEventDestination":
            continue
        props = resolver.resolve(spec["Properties"])
        destination = props["EventDestination"]
        if destination.get("Enabled") and "SnsDestination" in destination:
            found.append(
                EventDestination(
                    configuration_set=str(props["ConfigurationSetName"]),
                    topic_arn=str(destination["SnsDestination"]["TopicARN"]),
                    event_types=frozenset(str(kind).lower() for kind in destination["MatchingEventTypes"]),
                )
            )
    return found


class SesEventSimulator:
    """Publishes the events of the emails moto recorded, each email's once. ``start``/``stop`` run
    it every ``interval`` seconds in a thread (the local stack); ``publish_pending`` runs it now."""

    def __init__(
        self,
        resolver: Resolver,
        endpoint: str | None,
        *,
        delay: float = 0.3,
        interval: float = 0.2,
        clock: LocalClock | None = None,
    ) -> None:
        install()
        self._clock = clock or LocalClock()  # the events' times: the local stack's clock
        self.destinations = event_destinations(resolver)
        self._sns: Any = boto3.client("sns", endpoint_url=endpoint, region_name=REGION)
        self._delay = delay
        self._interval = interval
        self._published: set[str] = set()
        # moto's list of sent emails only grows: the emails before ``_done`` are all handled (their
        # events published, or they have none), so a pass looks at the rest only, not every email
        # ever sent (at 10,000 sent, five times a second).
        self._done = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def publish_pending(self, min_age: float = 0.0) -> int:
        """Publishes the events of every email sent at least ``min_age`` seconds ago and not yet
        handled; the number of events published."""
        published = 0
        with self._lock:
            for message_id, email in self._unhandled():
                if time.monotonic() - email.sent_at < min_age:
                    continue
                for destination in self.destinations:
                    if destination.configuration_set != email.configuration_set:
                        continue
                    for event in ses_events(message_id, email, self._clock):
                        if event["eventType"].lower() in destination.event_types:
                            self._sns.publish(TopicArn=destination.topic_arn, Message=json.dumps(event))
                            published += 1
                self._published.add(message_id)  # after: a failed publish is tried again, as SES would
        return published

    def pending(self) -> int:
        """Emails whose events are not published yet."""
        with self._lock:
            return sum(1 for _ in self._unhandled())

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="ses-event-simulator")
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.publish_pending(min_age=self._delay)
            except Exception:  # the simulator outlives a hiccup of the endpoint, and says so
                _log.exception("publishing SES events failed")

    def _unhandled(self) -> Iterator[tuple[str, SentEmail]]:
        sent = _sent_messages()
        if len(sent) < self._done:  # a new backend (moto reset): start again
            self._done, self._published = 0, set()
        while self._done < len(sent) and self._handled(sent[self._done]):
            self._done += 1
        for message in sent[self._done :]:
            email = getattr(message, _CAPTURED, None)
            if email is not None and email.configuration_set and message.id not in self._published:
                yield message.id, email

    def _handled(self, message: Any) -> bool:
        """Its events are published, or it has none. (An email not captured yet — moto records it
        just before the SendEmail patch marks it — is neither, so the pass does not skip it.)"""
        email = getattr(message, _CAPTURED, None)
        return email is not None and (not email.configuration_set or message.id in self._published)


def _sent_messages() -> list[Any]:
    from moto.ses.models import ses_backends

    return list(ses_backends[ACCOUNT_ID][REGION].sent_messages)


def ses_events(message_id: str, email: SentEmail, clock: LocalClock) -> list[dict[str, Any]]:
    """Every event SES publishes for one email: Send, then each recipient's fate. Times are on
    ``clock``: the mail's is its send mapped through the offset in effect then, the fates' now —
    as the application, which runs on the same clock, recorded its sending."""
    mail = _mail(message_id, email, _stamp(clock.local(email.sent)))
    events: list[dict[str, Any]] = [{"eventType": "Send", "mail": mail, "send": {}}]
    for recipient in email.recipients:
        for event_type, detail in _fate(recipient, email, _stamp(clock.now())):
            events.append({"eventType": event_type, "mail": mail, event_type.lower(): detail})
    return events


def simulator_mailbox(address: str) -> str | None:
    """``bounce`` for ``bounce@`` or ``Bounce+label@simulator.amazonses.com``; None elsewhere."""
    local_part, _, domain = address.lower().rpartition("@")
    return local_part.split("+", 1)[0] if domain == SIMULATOR_DOMAIN else None


def _fate(recipient: str, email: SentEmail, now: str) -> list[tuple[str, dict[str, Any]]]:
    mailbox = simulator_mailbox(recipient)
    if mailbox == "bounce":
        return [("Bounce", _bounce(recipient, "General", "smtp; 550 5.1.1 user unknown", now))]
    if mailbox == "suppressionlist" or ses_suppression.is_listed(recipient):
        reason = "Amazon SES did not send the message to this address because it is on the suppression list."
        return [("Bounce", _bounce(recipient, "OnAccountSuppressionList", reason, now))]
    delivery = {
        "timestamp": now,
        "processingTimeMillis": int((time.monotonic() - email.sent_at) * 1000),
        "recipients": [recipient],
        "smtpResponse": "250 2.6.0 Message received",
        "reportingMTA": REPORTING_MTA,
    }
    if mailbox != "complaint":
        return [("Delivery", delivery)]
    complaint = {
        "complainedRecipients": [{"emailAddress": recipient}],
        "timestamp": now,
        "feedbackId": _feedback_id(),
        "complaintSubType": None,
        "complaintFeedbackType": "abuse",
        "userAgent": "Amazon SES Mailbox Simulator",
        "arrivalDate": now,
    }
    return [("Delivery", delivery), ("Complaint", complaint)]


def _bounce(recipient: str, sub_type: str, diagnostic: str, now: str) -> dict[str, Any]:
    return {
        "bounceType": "Permanent",
        "bounceSubType": sub_type,
        "bouncedRecipients": [
            {"emailAddress": recipient, "action": "failed", "status": "5.1.1", "diagnosticCode": diagnostic}
        ],
        "timestamp": now,
        "feedbackId": _feedback_id(),
        "reportingMTA": f"dsn; {REPORTING_MTA}",
    }


def _mail(message_id: str, email: SentEmail, timestamp: str) -> dict[str, Any]:
    source, address = email.source, parseaddr(email.source)[1]
    headers = [
        {"name": "From", "value": source},
        {"name": "To", "value": ", ".join(email.to)},
        {"name": "Subject", "value": email.subject},
        {"name": "MIME-Version", "value": "1.0"},
        *email.headers,
    ]
    tags = {
        "ses:configuration-set": [str(email.configuration_set)],
        "ses:source-ip": ["127.0.0.1"],
        "ses:from-domain": [address.rpartition("@")[2]],
        "ses:caller-identity": ["local"],
        **{name: [value] for name, value in email.tags.items()},
    }
    return {
        "timestamp": timestamp,
        "source": source,
        "sourceArn": f"arn:aws:ses:{REGION}:{ACCOUNT_ID}:identity/{address}",
        "sendingAccountId": ACCOUNT_ID,
        "messageId": message_id,
        "destination": email.recipients,
        "headersTruncated": False,
        "headers": headers,
        "commonHeaders": {
            "from": [source],
            "to": email.to,
            "messageId": message_id,
            "subject": email.subject,
        },
        "tags": tags,
    }


def _feedback_id() -> str:
    return f"{uuid.uuid4()}-000000"


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
