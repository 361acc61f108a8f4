"""An organisation's own sender (``sender_email``): accepted only when SES can send from it, and
then the From address of its batches' emails and of its agents' notices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ses.models import ses_backends

from dispatch import aws, services
from dispatch.assignment.messages import parse_message
from dispatch.batches.models import Batch
from dispatch.clock import utcnow
from dispatch.config import Settings
from local.stack import LOCAL_PARAMETERS
from local.template import ACCOUNT_ID, REGION

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
STACK_SENDER = LOCAL_PARAMETERS["SenderEmail"]


def _put_sender(deployed: Any, sender: str | None) -> tuple[int, Any]:
    return tuple(deployed.api("PUT", "/organisation", ADMIN, body={"name": "Org A", "sender_email": sender}))  # type: ignore[return-value]


def _sources() -> list[tuple[str, str]]:
    return [
        (m.source, m.destinations["ToAddresses"][0]) for m in ses_backends[ACCOUNT_ID][REGION].sent_messages
    ]


def test_a_sender_must_be_an_address_ses_sends_from(deployed: Any) -> None:
    ses = deployed.client("sesv2")
    status, body = _put_sender(deployed, "news@acme.example")
    assert status == 422
    assert body["error"]["code"] == "unprocessable"
    assert "not a verified SES identity" in body["error"]["message"]
    assert deployed.api("GET", "/organisation", ADMIN)[1]["sender_email"] is None  # nothing saved

    ses.create_email_identity(EmailIdentity="pending@acme.example")  # created, verification pending
    ses_backends[ACCOUNT_ID][REGION].email_identities[
        "pending@acme.example"
    ].verified_for_sending_status = False
    assert _put_sender(deployed, "pending@acme.example")[0] == 422

    ses.create_email_identity(EmailIdentity="news@acme.example")
    status, saved = _put_sender(deployed, "news@acme.example")
    assert (status, saved["sender_email"]) == (200, "news@acme.example")

    ses.create_email_identity(EmailIdentity="brand.example")  # a domain: any address at it
    assert _put_sender(deployed, "hello@brand.example")[1]["sender_email"] == "hello@brand.example"
    assert _put_sender(deployed, None)[1]["sender_email"] is None  # back to the stack's sender


def test_batches_and_agent_notices_go_from_the_organisations_sender(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]]
) -> None:
    deployed.client("sesv2").create_email_identity(EmailIdentity="news@acme.example")
    assert _put_sender(deployed, "news@acme.example")[0] == 200
    settings, batch = sending_batch(2, email_rate=2000.0)
    [chunk] = batch.chunks
    services.workflow(settings).send("org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings))
    assert sorted(_sources()) == [
        ("news@acme.example", "p0@example.com"),
        ("news@acme.example", "p1@example.com"),
    ]

    status, agent = deployed.api(
        "POST", "/agents", ADMIN, body={"email": "Agent@Example.com", "name": "Agent"}
    )
    assert (status, agent["email"]) == (201, "agent@example.com")  # canonical
    card_id = f"{batch.id}-0000002"
    assert deployed.api("POST", f"/cards/{card_id}/assign", ADMIN, body={"agent_id": agent["id"]})[0] == 200
    agents = Settings.from_env(deployed.runtime.functions[deployed.name("AgentsFunction")].environment)
    sqs = aws.client("sqs")
    [message] = sqs.receive_message(QueueUrl=agents.agent_queue_url, MaxNumberOfMessages=10)["Messages"]
    assert services.agent_work(agents).handle(parse_message(message["Body"]), utcnow()) == "sent"
    assert ("news@acme.example", "agent@example.com") in _sources()


def test_without_its_own_sender_an_organisation_sends_from_the_stacks(
    deployed: Any, sending_batch: Callable[..., tuple[Settings, Batch]]
) -> None:
    settings, batch = sending_batch(1, email_rate=2000.0)
    [chunk] = batch.chunks
    services.workflow(settings).send("org-a", batch.id, chunk, lambda b: services.chunk_sender(b, settings))
    assert _sources() == [(STACK_SENDER, "p0@example.com")]
