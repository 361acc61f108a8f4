"""The composition root: services built from settings, for the handlers.

Handlers call these instead of constructing stores themselves, so the wiring lives in one place.

Each factory imports what it builds, inside the factory: every function (and the one API function,
route by route) imports this module, and a Lambda cold start pays for every module imported before
the first event. Importing the domain here at module level made the links function load the
assignment engine, the schedules and openpyxl to answer a redirect (issue 18). A new factory keeps
to this: its imports in its body, its return type under ``TYPE_CHECKING``; the import-graph test
(``tests/unit/test_import_graph.py``) says which capabilities each function may load.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from dispatch.config import Settings, get_settings

if TYPE_CHECKING:
    from dispatch.assignment.drain import UnassignedDrain
    from dispatch.assignment.engine import AssignmentEngine
    from dispatch.assignment.offers import OfferDesk
    from dispatch.assignment.queues import LeadQueues
    from dispatch.assignment.service import AssignmentService
    from dispatch.assignment.work import AgentWork
    from dispatch.auth import Caller
    from dispatch.batches.clone import Cloner
    from dispatch.batches.dry_run import DryRun
    from dispatch.batches.intake import Intake
    from dispatch.batches.models import Batch
    from dispatch.batches.service import BatchService
    from dispatch.batches.workflow import Workflow
    from dispatch.cards.access import CardLinks
    from dispatch.cards.context import LinkConfig
    from dispatch.cards.service import CardService
    from dispatch.communications.service import CommunicationService
    from dispatch.communications.working_list import WorkingList
    from dispatch.contacts.intake import ContactImporter
    from dispatch.contacts.service import ContactService
    from dispatch.deliverability.account_suppression import AccountSuppression
    from dispatch.deliverability.opt_out import SmsOptOuts
    from dispatch.deliverability.protection import AccountProtection
    from dispatch.deliverability.quiet_hours import QuietHoursDesk
    from dispatch.deliverability.resume import DeferredResume
    from dispatch.deliverability.suppressions import SuppressionAdmin
    from dispatch.deliverability.watched_events import WatchedFeedback
    from dispatch.delivery.feedback import FeedbackApplier
    from dispatch.delivery.ratelimit import SlotQueue
    from dispatch.delivery.sender import ChunkSender
    from dispatch.dynamo import PageCursors
    from dispatch.exports.service import ExportService
    from dispatch.letters.service import LetterService
    from dispatch.organisations.service import OrganisationService
    from dispatch.processes.service import ProcessService
    from dispatch.schedules.runs import Runner
    from dispatch.schedules.service import ScheduleService


def organisation_service(settings: Settings | None = None) -> OrganisationService:
    from dispatch.organisations.identities import SenderIdentities
    from dispatch.organisations.service import OrganisationService
    from dispatch.organisations.store import OrganisationStore

    return OrganisationService(OrganisationStore(settings or get_settings()), SenderIdentities())


def process_service(settings: Settings | None = None) -> ProcessService:
    from dispatch.assignment.store import AgentStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.service import ProcessService
    from dispatch.processes.store import ProcessStore

    settings = settings or get_settings()
    return ProcessService(ProcessStore(settings), OrganisationStore(settings), AgentStore(settings))


def batch_service(settings: Settings | None = None) -> BatchService:
    from dispatch.assignment.store import AgentStore
    from dispatch.batches.execution import Executions
    from dispatch.batches.service import BatchService
    from dispatch.batches.store import BatchStore
    from dispatch.functions import Functions
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore

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
    from dispatch.batches.execution import Executions
    from dispatch.batches.intake import Intake
    from dispatch.batches.store import BatchStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore

    settings = settings or get_settings()
    return Intake(
        settings,
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        Executions(settings.state_machine_arn),
    )


def link_config(settings: Settings, api_base_url: str | None = None) -> LinkConfig:
    from dispatch.cards.context import LinkConfig
    from dispatch.secrets import link_signing_key

    base = api_base_url or settings.api_base_url
    return LinkConfig(base, link_signing_key(settings), settings.link_ttl_days)


def dry_runs(api_base_url: str | None, settings: Settings | None = None) -> Callable[[], DryRun]:
    """A dry-run builder; the signing key is fetched only when a dry run is asked for."""
    from dispatch.batches.dry_run import DryRun
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore

    settings = settings or get_settings()
    return lambda: DryRun(
        settings, BatchStore(settings), CardStore(settings), link_config(settings, api_base_url)
    )


def workflow(settings: Settings | None = None) -> Workflow:
    from dispatch.batches.execution import Executions
    from dispatch.batches.store import BatchStore
    from dispatch.batches.workflow import Workflow
    from dispatch.cards.store import CardStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore

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
        account_protection(settings),
        quiet_hours(settings),
    )


SLOT_BLOCK_SECONDS = 5  # each reservation covers this sender's share of 5 s: one write per block


def channel_slots(settings: Settings, block: Callable[[float], int]) -> dict[str, SlotQueue]:
    """Each channel's send slots from its shared rate limiter, reserved ``block(rate)`` at a time."""
    from dispatch import aws
    from dispatch.delivery.ratelimit import RateLimiter, RateState, SlotQueue

    table = aws.dynamodb_table(settings.main_table)
    rates = {"email": settings.email_rate_per_second, "sms": settings.sms_rate_per_second}
    return {
        channel: SlotQueue(
            RateLimiter(RateState(table, channel), rate, tolerance=settings.send_slot_tolerance_seconds),
            block=block(rate),
        )
        for channel, rate in rates.items()
    }


def chunk_sender(
    batch: Batch, settings: Settings | None = None, api_base_url: str | None = None
) -> ChunkSender:
    """A sender for one batch: email goes from its organisation's sender (else the stack's); each
    channel's slots come from the shared rate limiter, reserved in blocks of this sender's share
    (the Map runs ``send_concurrency`` senders at once)."""
    from dispatch.batches.models import BatchStatus
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.deliverability.account_suppression import account_suppression_copy
    from dispatch.deliverability.opt_out import opt_out_copy
    from dispatch.delivery.channels import EmailSender, SmsSender
    from dispatch.delivery.sender import ChunkSender
    from dispatch.organisations.store import OrganisationStore
    from dispatch.organisations.suppression import SuppressionList

    settings = settings or get_settings()
    share = max(1, settings.send_concurrency)
    batches = BatchStore(settings)
    suppression = SuppressionList(settings)
    opt_outs, account_list = opt_out_copy(settings), account_suppression_copy(settings)
    organisation = OrganisationStore(settings).get(batch.org_id)
    return ChunkSender(
        cards=CardStore(settings),
        email=EmailSender(settings.sender_email, settings.ses_configuration_set).sending_as(
            organisation.sender_email
        ),
        sms=SmsSender(organisation.sms_type),
        slots=channel_slots(settings, lambda rate: max(1, int(rate * SLOT_BLOCK_SECONDS / share))),
        links=link_config(settings, api_base_url),
        suppressed=lambda addresses: blocked(
            suppression.suppressed(batch.org_id, addresses),
            opt_outs.members(addresses),
            account_list.members(addresses),
        ),
        still_sending=lambda: batches.get(batch.org_id, batch.id).status is BatchStatus.sending,
        defer_temporary=True,
    )


def card_service(settings: Settings | None = None) -> CardService:
    from dispatch.batches.store import BatchStore
    from dispatch.cards.service import CardService
    from dispatch.cards.store import CardStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore

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
    from dispatch.organisations.store import OrganisationStore

    settings = settings or get_settings()

    def build(batch: Batch, operator: Caller) -> ChunkSender:
        account_protection(settings).check(batch.org_id)  # 409 while sending is paused
        sender = chunk_sender(batch, settings, api_base_url)
        sender.hold = quiet_hours(settings).refuse(OrganisationStore(settings).get(batch.org_id))
        listed, stops, ses = sender.suppressed, sms_opt_outs(settings), ses_suppressions(settings)
        sender.suppressed = lambda addresses: {
            **listed(addresses),
            **stops.opted_out_now(addresses),
            **ses.listed_now(addresses),
        }  # a STOP, or an address SES listed, since the last copy of the provider's list counts too
        sender.by, sender.by_email = operator.user_id, operator.email
        sender.still_sending = lambda: True
        sender.defer_temporary = False  # a person waits for the answer: the card fails as retryable
        return sender

    return build


def cloner(settings: Settings | None = None) -> Cloner:
    from dispatch.batches.clone import Cloner
    from dispatch.batches.execution import Executions
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore

    settings = settings or get_settings()
    return Cloner(settings, BatchStore(settings), CardStore(settings), Executions(settings.state_machine_arn))


def feedback(settings: Settings | None = None) -> FeedbackApplier:
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.delivery.feedback import FeedbackApplier
    from dispatch.organisations.suppression import SuppressionList

    settings = settings or get_settings()
    return FeedbackApplier(CardStore(settings), BatchStore(settings), SuppressionList(settings))


def account_protection(settings: Settings | None = None) -> AccountProtection:
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.deliverability.protection import AccountProtection, ProtectionStore
    from dispatch.deliverability.reputation import ReputationStore
    from dispatch.organisations.store import OrganisationStore

    settings = settings or get_settings()
    return AccountProtection(
        ReputationStore(settings),
        ProtectionStore(settings),
        OrganisationStore(settings),
        BatchStore(settings),
        CardStore(settings),
    )


def blocked(suppressed: set[str], *provider_lists: Mapping[str, str]) -> dict[str, str]:
    """A sender's refusals, with why: the organisation's suppression list, then the copies of the
    providers' lists (numbers that replied STOP, SES's account-level suppression list)."""
    refusals = dict.fromkeys(suppressed, "suppressed address")
    for listed in provider_lists:
        refusals.update(listed)
    return refusals


def sms_opt_outs(settings: Settings | None = None) -> SmsOptOuts:
    from dispatch.deliverability.opt_out import SmsOptOuts, opt_out_copy

    return SmsOptOuts(opt_out_copy(settings or get_settings()))


def ses_suppressions(settings: Settings | None = None) -> AccountSuppression:
    from dispatch.deliverability.account_suppression import AccountSuppression, account_suppression_copy

    return AccountSuppression(account_suppression_copy(settings or get_settings()))


def suppression_admin(settings: Settings | None = None) -> SuppressionAdmin:
    from dispatch.deliverability.suppressions import SuppressionAdmin

    return SuppressionAdmin(settings or get_settings())


def quiet_hours(settings: Settings | None = None) -> QuietHoursDesk:
    from dispatch.cards.store import CardStore
    from dispatch.deliverability.quiet_hours import DeferralStore, QuietHoursDesk

    settings = settings or get_settings()
    return QuietHoursDesk(DeferralStore(settings), CardStore(settings))


def deferred_resume(settings: Settings | None = None) -> DeferredResume:
    from dispatch.deliverability.quiet_hours import DeferralStore
    from dispatch.deliverability.resume import DeferredResume

    settings = settings or get_settings()
    return DeferredResume(DeferralStore(settings), workflow(settings))


def delivery_events(settings: Settings | None = None) -> WatchedFeedback:
    """Delivery events applied to cards, then counted for account protection."""
    from dispatch.deliverability.watched_events import WatchedFeedback

    applier = feedback() if settings is None else feedback(settings)  # tests replace ``feedback()``
    return WatchedFeedback(applier, account_protection(settings))


def card_links(settings: Settings | None = None) -> CardLinks:
    """The public card-link service; the signing key is fetched (and cached) when first needed."""
    from dispatch.batches.store import BatchStore
    from dispatch.cards.access import CardLinks
    from dispatch.cards.counted import CountedChanges
    from dispatch.cards.store import CardStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.organisations.suppression import SuppressionList
    from dispatch.processes.store import ProcessStore
    from dispatch.secrets import link_signing_key

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
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.exports.service import ExportService
    from dispatch.exports.store import ExportStore
    from dispatch.functions import Functions
    from dispatch.processes.store import ProcessStore

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
    from dispatch.assignment.messages import AgentQueue
    from dispatch.assignment.retrieval import Retriever
    from dispatch.assignment.store import AgentStore
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.processes.store import ProcessStore
    from dispatch.schedules.runs import Runner
    from dispatch.schedules.store import ScheduleStore

    settings = settings or get_settings()
    return Runner(
        settings,
        ScheduleStore(settings),
        BatchStore(settings),
        ProcessStore(settings),
        workflow(settings),
        Retriever(AgentStore(settings), CardStore(settings), AgentQueue(settings)),
        lambda: communication_service(settings),
    )


def schedule_service(settings: Settings | None = None) -> ScheduleService:
    from dispatch.batches.store import BatchStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore
    from dispatch.schedules.scheduler import Scheduler
    from dispatch.schedules.service import ScheduleService
    from dispatch.schedules.store import ScheduleStore

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
    from dispatch.assignment.rotation import Assigner
    from dispatch.assignment.service import AssignmentService
    from dispatch.assignment.store import AgentStore
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.processes.store import ProcessStore

    settings = settings or get_settings()
    agents = AgentStore(settings)
    return AssignmentService(
        agents, Assigner(settings, agents), CardStore(settings), BatchStore(settings), ProcessStore(settings)
    )


def lead_queues(settings: Settings | None = None) -> LeadQueues:
    from dispatch.assignment.messages import AgentQueue
    from dispatch.assignment.queues import LeadQueues
    from dispatch.assignment.rotation import Assigner
    from dispatch.assignment.store import AgentStore
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore

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
    from dispatch.assignment.engine import AssignmentEngine
    from dispatch.assignment.messages import AgentQueue
    from dispatch.assignment.rotation import Assigner
    from dispatch.assignment.store import AgentStore

    settings = settings or get_settings()
    agents = AgentStore(settings)
    return AssignmentEngine(agents, Assigner(settings, agents), AgentQueue(settings))


def offer_desk(settings: Settings | None = None) -> OfferDesk:
    """Ring_all accept links (public); the signing key is fetched when first needed."""
    from dispatch.assignment.messages import AgentQueue
    from dispatch.assignment.offers import OfferDesk
    from dispatch.assignment.rotation import Assigner
    from dispatch.assignment.store import AgentStore
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore
    from dispatch.secrets import link_signing_key

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
    from dispatch.assignment.messages import AgentQueue
    from dispatch.assignment.notifier import Notifier
    from dispatch.assignment.rotation import Assigner
    from dispatch.assignment.store import AgentStore
    from dispatch.assignment.work import AgentWork
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.delivery.channels import EmailSender, SmsSender
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore
    from dispatch.secrets import link_signing_key

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
    from dispatch.assignment.drain import UnassignedDrain
    from dispatch.assignment.store import AgentStore
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore

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
    from dispatch.dynamo import PageCursors, cursor_key
    from dispatch.secrets import link_signing_key

    settings = settings or get_settings()
    return PageCursors(lambda: cursor_key(link_signing_key(settings)))


def contact_service(settings: Settings | None = None) -> ContactService:
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.contacts.imports_store import ImportStore
    from dispatch.contacts.service import ContactService
    from dispatch.contacts.store import ContactStore
    from dispatch.organisations.store import OrganisationStore

    settings = settings or get_settings()
    return ContactService(
        settings,
        ContactStore(settings),
        ImportStore(settings),
        OrganisationStore(settings),
        CardStore(settings),
        BatchStore(settings),
    )


def contact_importer(settings: Settings | None = None) -> ContactImporter:
    from dispatch.contacts.imports_store import ImportStore
    from dispatch.contacts.intake import ContactImporter
    from dispatch.contacts.store import ContactStore
    from dispatch.organisations.store import OrganisationStore

    settings = settings or get_settings()
    return ContactImporter(
        settings, ImportStore(settings), ContactStore(settings), OrganisationStore(settings)
    )


def working_list(settings: Settings | None = None) -> WorkingList:
    from dispatch.batches.store import BatchStore
    from dispatch.communications.working_list import WorkingList
    from dispatch.contacts.store import ContactStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore

    settings = settings or get_settings()
    return WorkingList(
        settings,
        BatchStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        ContactStore(settings),
    )


def communication_service(settings: Settings | None = None) -> CommunicationService:
    from dispatch.batches.execution import Executions
    from dispatch.batches.store import BatchStore
    from dispatch.communications.service import CommunicationService
    from dispatch.contacts.store import ContactStore
    from dispatch.processes.store import ProcessStore

    settings = settings or get_settings()
    return CommunicationService(
        settings,
        BatchStore(settings),
        ProcessStore(settings),
        contact_service(settings),
        ContactStore(settings),
        working_list(settings),
        workflow(settings),
        Executions(settings.state_machine_arn),
    )


def letter_service(settings: Settings | None = None) -> LetterService:
    from dispatch.batches.execution import Executions
    from dispatch.batches.store import BatchStore
    from dispatch.cards.store import CardStore
    from dispatch.functions import Functions
    from dispatch.letters.service import LetterService
    from dispatch.letters.store import BundleStore
    from dispatch.organisations.store import OrganisationStore
    from dispatch.processes.store import ProcessStore

    settings = settings or get_settings()
    return LetterService(
        settings,
        BundleStore(settings),
        BatchStore(settings),
        CardStore(settings),
        ProcessStore(settings),
        OrganisationStore(settings),
        workflow(settings),
        Executions(settings.letters_state_machine_arn),
        Functions(),
        lambda: link_config(settings),
    )
