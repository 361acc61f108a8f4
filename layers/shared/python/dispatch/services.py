"""The composition root: services built from settings, for the handlers.

Handlers call these instead of constructing stores themselves, so the wiring lives in one place.
"""

from __future__ import annotations

from collections.abc import Callable

from dispatch import aws
from dispatch.assignment.drain import UnassignedDrain
from dispatch.assignment.engine import AssignmentEngine
from dispatch.assignment.messages import AgentQueue
from dispatch.assignment.notifier import Notifier
from dispatch.assignment.offers import OfferDesk
from dispatch.assignment.queues import LeadQueues
from dispatch.assignment.retrieval import Retriever
from dispatch.assignment.rotation import Assigner
from dispatch.assignment.service import AssignmentService
from dispatch.assignment.store import AgentStore
from dispatch.assignment.work import AgentWork
from dispatch.auth import Caller
from dispatch.batches.clone import Cloner
from dispatch.batches.dry_run import DryRun
from dispatch.batches.execution import Executions
from dispatch.batches.intake import Intake
from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.service import BatchService
from dispatch.batches.store import BatchStore
from dispatch.batches.workflow import Workflow
from dispatch.cards.access import CardLinks
from dispatch.cards.context import LinkConfig
from dispatch.cards.counted import CountedChanges
from dispatch.cards.service import CardService
from dispatch.cards.store import CardStore
from dispatch.config import Settings, get_settings
from dispatch.delivery.channels import EmailSender, SmsSender
from dispatch.delivery.feedback import FeedbackApplier
from dispatch.delivery.ratelimit import RateLimiter, RateState, SlotQueue
from dispatch.delivery.sender import ChunkSender
from dispatch.dynamo import PageCursors, cursor_key
from dispatch.exports.service import ExportService
from dispatch.exports.store import ExportStore
from dispatch.functions import Functions
from dispatch.organisations.identities import SenderIdentities
from dispatch.organisations.service import OrganisationService
from dispatch.organisations.store import OrganisationStore
from dispatch.organisations.suppression import SuppressionList
from dispatch.processes.service import ProcessService
from dispatch.processes.store import ProcessStore
from dispatch.schedules.runs import Runner
from dispatch.schedules.scheduler import Scheduler
from dispatch.schedules.service import ScheduleService
from dispatch.schedules.store import ScheduleStore
from dispatch.secrets import link_signing_key


def organisation_service(settings: Settings | None = None) -> OrganisationService:
    return OrganisationService(OrganisationStore(settings or get_settings()), SenderIdentities())


def process_service(settings: Settings | None = None) -> ProcessService:
    settings = settings or get_settings()
    return ProcessService(ProcessStore(settings), OrganisationStore(settings), AgentStore(settings))


def batch_service(settings: Settings | None = None) -> BatchService:
    settings = settings or get_settings()
    return BatchService(
        settings,
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        Executions(settings.state_machine_arn),
        workflow(settings),
        Functions(),
        AgentStore(settings),
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


def link_config(settings: Settings, api_base_url: str | None = None) -> LinkConfig:
    base = api_base_url or settings.api_base_url
    return LinkConfig(base, link_signing_key(settings), settings.link_ttl_days)


def dry_runs(api_base_url: str | None, settings: Settings | None = None) -> Callable[[], DryRun]:
    """A dry-run builder; the signing key is fetched only when a dry run is asked for."""
    settings = settings or get_settings()
    return lambda: DryRun(
        settings, BatchStore(settings), CardStore(settings), link_config(settings, api_base_url)
    )


def workflow(settings: Settings | None = None) -> Workflow:
    settings = settings or get_settings()
    return Workflow(
        settings,
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        CardStore(settings),
        lambda: link_config(settings),
        Executions(settings.state_machine_arn),
        Executions(settings.sending_state_machine_arn),
        Executions(settings.cleanup_state_machine_arn),
        assignment_engine(settings),
    )


SLOT_BLOCK_SECONDS = 5  # each reservation covers this sender's share of 5 s: one write per block


def channel_slots(settings: Settings, block: Callable[[float], int]) -> dict[str, SlotQueue]:
    """Each channel's send slots from its shared rate limiter, reserved ``block(rate)`` at a time."""
    table = aws.dynamodb_table(settings.main_table)
    rates = {"email": settings.email_rate_per_second, "sms": settings.sms_rate_per_second}
    return {
        channel: SlotQueue(RateLimiter(RateState(table, channel), rate), block=block(rate))
        for channel, rate in rates.items()
    }


def chunk_sender(
    batch: Batch, settings: Settings | None = None, api_base_url: str | None = None
) -> ChunkSender:
    """A sender for one batch: email goes from its organisation's sender (else the stack's); each
    channel's slots come from the shared rate limiter, reserved in blocks of this sender's share
    (the Map runs ``send_concurrency`` senders at once)."""
    settings = settings or get_settings()
    share = max(1, settings.send_concurrency)
    batches = BatchStore(settings)
    suppression = SuppressionList(settings)
    organisation = OrganisationStore(settings).get(batch.org_id)
    return ChunkSender(
        cards=CardStore(settings),
        email=EmailSender(settings.sender_email, settings.ses_configuration_set).sending_as(
            organisation.sender_email
        ),
        sms=SmsSender(),
        slots=channel_slots(settings, lambda rate: max(1, int(rate * SLOT_BLOCK_SECONDS / share))),
        links=link_config(settings, api_base_url),
        suppressed=lambda addresses: suppression.suppressed(batch.org_id, addresses),
        still_sending=lambda: batches.get(batch.org_id, batch.id).status is BatchStatus.sending,
        defer_temporary=True,
    )


def card_service(settings: Settings | None = None) -> CardService:
    settings = settings or get_settings()
    return CardService(
        CardStore(settings),
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        workflow(settings),
    )


def operator_sender(
    api_base_url: str | None, settings: Settings | None = None
) -> Callable[[Batch, Caller], ChunkSender]:
    """A sender for an operator's own send: distributions record who sent (user id and email)."""
    settings = settings or get_settings()

    def build(batch: Batch, operator: Caller) -> ChunkSender:
        sender = chunk_sender(batch, settings, api_base_url)
        sender.by, sender.by_email = operator.user_id, operator.email
        sender.still_sending = lambda: True
        sender.defer_temporary = False  # a person waits for the answer: the card fails as retryable
        return sender

    return build


def cloner(settings: Settings | None = None) -> Cloner:
    settings = settings or get_settings()
    return Cloner(settings, BatchStore(settings), CardStore(settings), Executions(settings.state_machine_arn))


def feedback(settings: Settings | None = None) -> FeedbackApplier:
    settings = settings or get_settings()
    return FeedbackApplier(CardStore(settings), BatchStore(settings), SuppressionList(settings))


def card_links(settings: Settings | None = None) -> CardLinks:
    """The public card-link service; the signing key is fetched (and cached) when first needed."""
    settings = settings or get_settings()
    return CardLinks(
        CardStore(settings),
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        CountedChanges(settings),
        SuppressionList(settings),
        lambda: link_signing_key(settings),
    )


def export_service(settings: Settings | None = None) -> ExportService:
    settings = settings or get_settings()
    return ExportService(
        settings,
        ExportStore(settings),
        BatchStore(settings),
        CardStore(settings),
        ProcessStore(settings),
        Functions(),
    )


def schedule_runner(settings: Settings | None = None) -> Runner:
    settings = settings or get_settings()
    return Runner(
        settings,
        ScheduleStore(settings),
        BatchStore(settings),
        ProcessStore(settings),
        workflow(settings),
        Retriever(AgentStore(settings), CardStore(settings), AgentQueue(settings)),
    )


def schedule_service(settings: Settings | None = None) -> ScheduleService:
    settings = settings or get_settings()
    return ScheduleService(
        ScheduleStore(settings),
        Scheduler(settings),
        schedule_runner(settings),
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
    )


def assignment_service(settings: Settings | None = None) -> AssignmentService:
    settings = settings or get_settings()
    agents = AgentStore(settings)
    return AssignmentService(
        agents, Assigner(settings, agents), CardStore(settings), BatchStore(settings), ProcessStore(settings)
    )


def lead_queues(settings: Settings | None = None) -> LeadQueues:
    settings = settings or get_settings()
    agents = AgentStore(settings)
    return LeadQueues(
        CardStore(settings),
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        agents,
        Assigner(settings, agents),
        assignment_engine(settings),
        AgentQueue(settings),
    )


def assignment_engine(settings: Settings | None = None) -> AssignmentEngine:
    settings = settings or get_settings()
    agents = AgentStore(settings)
    return AssignmentEngine(agents, Assigner(settings, agents), AgentQueue(settings))


def offer_desk(settings: Settings | None = None) -> OfferDesk:
    """Ring_all accept links (public); the signing key is fetched when first needed."""
    settings = settings or get_settings()
    agents = AgentStore(settings)
    return OfferDesk(
        CardStore(settings),
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        agents,
        Assigner(settings, agents),
        AgentQueue(settings),
        lambda: link_signing_key(settings),
    )


def agent_work(settings: Settings | None = None) -> AgentWork:
    """The agent work queue's consumer: notices paced by the channels' shared rates (a slot at a
    time: notices are few and come one per message)."""
    settings = settings or get_settings()
    agents = AgentStore(settings)
    notifier = Notifier(
        agents,
        CardStore(settings),
        BatchStore(settings),
        OrganisationStore(settings),
        EmailSender(settings.sender_email, settings.ses_configuration_set),
        SmsSender(),
        channel_slots(settings, lambda _: 1),
        settings.api_base_url,
        lambda: link_signing_key(settings),
    )
    return AgentWork(
        notifier,
        assignment_engine(settings),
        Assigner(settings, agents),
        AgentQueue(settings),
        CardStore(settings),
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
    )


def unassigned_drain(settings: Settings | None = None) -> UnassignedDrain:
    settings = settings or get_settings()
    return UnassignedDrain(
        AgentStore(settings),
        assignment_engine(settings),
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        CardStore(settings),
    )


def page_cursors(settings: Settings | None = None) -> PageCursors:
    """Signs and checks the API's page cursors; the key is read only when a cursor is."""
    settings = settings or get_settings()
    return PageCursors(lambda: cursor_key(link_signing_key(settings)))
