"""SES event publishing records (configuration set → SNS → SQS), read into what the cards need.

Only the fields used are modelled; everything else in the record is ignored. The card is found by
the ``card_id`` tag every email carries (see ``EmailSender.send``); a record without it (an email
not sent by this application through the configuration set) is ignored.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dispatch.emails import canonical_email

# SES did not send: the address is on the account-level suppression list. A permanent bounce that
# SES does not count towards the account's bounce rate.
ACCOUNT_SUPPRESSED = "OnAccountSuppressionList"
ACCOUNT_SUPPRESSED_REASON = "on the SES account-level suppression list (SES did not send the email)"


class Kind(StrEnum):
    delivery = "Delivery"
    bounce = "Bounce"
    complaint = "Complaint"
    open = "Open"
    click = "Click"
    reject = "Reject"


class _Mail(BaseModel):
    model_config = ConfigDict(extra="ignore")

    messageId: str
    timestamp: str
    destination: list[str] = Field(default_factory=list)
    tags: dict[str, list[str]] = Field(default_factory=dict)


class _Recipient(BaseModel):
    model_config = ConfigDict(extra="ignore")

    emailAddress: str
    diagnosticCode: str | None = None


class _Bounce(BaseModel):
    model_config = ConfigDict(extra="ignore")

    bounceType: str
    bounceSubType: str = ""
    bouncedRecipients: list[_Recipient] = Field(default_factory=list)
    timestamp: str | None = None


class _Complaint(BaseModel):
    model_config = ConfigDict(extra="ignore")

    complainedRecipients: list[_Recipient] = Field(default_factory=list)
    timestamp: str | None = None


class _Timed(BaseModel):
    model_config = ConfigDict(extra="ignore")

    timestamp: str | None = None
    reason: str | None = None


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore")

    eventType: str
    mail: _Mail
    bounce: _Bounce | None = None
    complaint: _Complaint | None = None
    delivery: _Timed | None = None
    open: _Timed | None = None
    click: _Timed | None = None
    reject: _Timed | None = None


class DeliveryEvent(BaseModel):
    """What happened to one email of one card, and when."""

    kind: Kind
    card_id: str
    message_id: str
    at: str
    sent_at: str  # when SES accepted the email (the record's ``mail.timestamp``)
    addresses: list[str]
    permanent: bool = False
    account_suppressed: bool = False  # a bounce by SES's account-level suppression list: never sent
    reason: str = ""

    @property
    def suppresses(self) -> bool:
        """A hard bounce or a complaint: the addresses must not be mailed again."""
        return (self.kind is Kind.bounce and self.permanent) or self.kind is Kind.complaint


class UnreadableEvent(ValueError):
    """Not an SES event record this application can read (it will not become readable on retry)."""


def parse(body: str) -> DeliveryEvent | None:
    """The event in one queue message; None for a kind or an email this application does not track."""
    try:
        record = _Record.model_validate_json(body)
    except ValidationError as exc:
        raise UnreadableEvent(f"not an SES event record: {exc.error_count()} problems") from exc
    try:
        kind = Kind(record.eventType)
    except ValueError:
        return None  # Send, DeliveryDelay, RenderingFailure, Subscription: nothing for a card
    card_ids = record.mail.tags.get("card_id") or []
    if not card_ids:
        return None
    detail = getattr(record, kind.name)
    at = (detail.timestamp if detail is not None else None) or record.mail.timestamp
    addresses = _canonical(record.mail.destination)
    permanent, account_suppressed, reason = False, False, ""
    if kind is Kind.bounce and record.bounce is not None:
        bounce = record.bounce
        addresses = _canonical([r.emailAddress for r in bounce.bouncedRecipients]) or addresses
        permanent = bounce.bounceType == "Permanent"
        account_suppressed = permanent and bounce.bounceSubType == ACCOUNT_SUPPRESSED
        diagnostics = "; ".join(r.diagnosticCode for r in bounce.bouncedRecipients if r.diagnosticCode)
        reason = (
            ACCOUNT_SUPPRESSED_REASON
            if account_suppressed
            else f"{bounce.bounceType} bounce ({bounce.bounceSubType})"
            + (f": {diagnostics}" if diagnostics else "")
        )
    elif kind is Kind.complaint and record.complaint is not None:
        addresses = _canonical([r.emailAddress for r in record.complaint.complainedRecipients]) or addresses
        reason = "complaint"
    elif kind is Kind.reject and record.reject is not None:
        reason = f"rejected by SES: {record.reject.reason or 'unknown reason'}"
    return DeliveryEvent(
        kind=kind,
        card_id=card_ids[0],
        message_id=record.mail.messageId,
        at=at,
        sent_at=record.mail.timestamp,
        addresses=addresses,
        permanent=permanent,
        account_suppressed=account_suppressed,
        reason=reason[:1000],
    )


def _canonical(addresses: list[str]) -> list[str]:
    """The addresses in their canonical form, as the suppression list keeps them; anything that is
    not an address (never one this application sent to) is left out."""
    canonical = []
    for address in addresses:
        try:
            canonical.append(canonical_email(address))
        except ValueError:
            continue
    return canonical
