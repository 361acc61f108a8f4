"""The composition root: services built from settings, for the handlers.

Handlers call these instead of constructing stores themselves, so the wiring lives in one place.
"""

from __future__ import annotations

from dispatch.batches.execution import Executions
from dispatch.batches.intake import Intake
from dispatch.batches.service import BatchService
from dispatch.batches.store import BatchStore
from dispatch.batches.workflow import Workflow
from dispatch.cards.context import LinkConfig
from dispatch.cards.store import CardStore
from dispatch.config import Settings, get_settings
from dispatch.delivery.channels import EmailSender, SmsSender
from dispatch.delivery.pacing import Pacer
from dispatch.delivery.sender import ChunkSender
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.service import ProcessService
from dispatch.processes.store import ProcessStore
from dispatch.secrets import link_signing_key


def process_service(settings: Settings | None = None) -> ProcessService:
    settings = settings or get_settings()
    return ProcessService(ProcessStore(settings), OrganisationStore(settings))


def batch_service(settings: Settings | None = None) -> BatchService:
    settings = settings or get_settings()
    return BatchService(
        settings,
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        Executions(settings.state_machine_arn),
    )


def intake(settings: Settings | None = None) -> Intake:
    settings = settings or get_settings()
    return Intake(
        settings,
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        Executions(settings.state_machine_arn),
    )


def link_config(settings: Settings) -> LinkConfig:
    return LinkConfig(settings.api_base_url, link_signing_key(settings), settings.link_ttl_days)


def workflow(settings: Settings | None = None) -> Workflow:
    settings = settings or get_settings()
    return Workflow(
        settings,
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        CardStore(settings),
        lambda: link_config(settings),
    )


def chunk_sender(settings: Settings | None = None) -> ChunkSender:
    """A sender paced to its share of each channel's rate (the Map runs ``send_concurrency`` at once)."""
    settings = settings or get_settings()
    share = max(1, settings.send_concurrency)
    return ChunkSender(
        cards=CardStore(settings),
        email=EmailSender(settings.sender_email, settings.ses_configuration_set),
        sms=SmsSender(),
        pacers={
            "email": Pacer(settings.email_rate_per_second / share),
            "sms": Pacer(settings.sms_rate_per_second / share),
        },
        links=link_config(settings),
    )
