"""Letters of a communication (PRODUCT §8): one PDF bundle per batch, built in chunks and merged.

- ``request`` (``POST /batches/{id}/letters``): 200 with a fresh link when the bundle of the batch
  as it is now exists; else the bundle is started — the letters state machine renders one part
  per chunk of cards (in parallel), then merges them in order into ``letters/<batch>/<bundle>.pdf``
  — and 202. ``GET`` shows the current bundle; asking again after a link expired signs a new link
  to the same file: nothing is rendered again unless the batch changed (another bundle id).
- Every card with a letter, not closed (``error``, ``removed``, ``rejected``), gets one, in the
  batch's row order: the organisation's return address, the contact's postal address, the date,
  title and body (the template set's letter template), the card's link as text and as a QR code.
- ``printed`` (``POST /batches/{id}/letters/printed``): the letters count as sent (channel
  ``letter``). Only what was approved is sent: the batch must be approved (or sending, sent) and
  the bundle must be of the content that was approved. Each card records its letter once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.auth import Caller, Role
from dispatch.batches.content import content_digest
from dispatch.batches.execution import Executions
from dispatch.batches.models import Batch, BatchStatus, Chunk
from dispatch.batches.store import BatchStore
from dispatch.batches.workflow import Workflow
from dispatch.cards.context import LinkConfig, stored_card_context
from dispatch.cards.models import CardStatus, Distribution
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, now_iso, utcnow
from dispatch.config import Settings
from dispatch.downloads import download_link
from dispatch.errors import Conflict, NotFound
from dispatch.exports.upload import MultipartSink
from dispatch.functions import Functions
from dispatch.ids import derived_id
from dispatch.letters.layout import Letter, LetterPdf
from dispatch.letters.merge import PdfMerger
from dispatch.letters.models import BundleStatus, LetterBundle, LettersView
from dispatch.letters.store import BundleStore
from dispatch.observability import logger
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.store import ProcessStore
from dispatch.rendering import render_letter

LETTERABLE = frozenset(
    {
        BatchStatus.generated,
        BatchStatus.pending_approval,
        BatchStatus.approved,
        BatchStatus.sending,
        BatchStatus.sent,
        BatchStatus.partially_sent,
        BatchStatus.complete,
        BatchStatus.archived,
    }
)
PRINTABLE = frozenset(
    {BatchStatus.approved, BatchStatus.sending, BatchStatus.sent, BatchStatus.partially_sent}
)
CLOSED_CARDS = frozenset({CardStatus.error, CardStatus.removed, CardStatus.rejected})
FILE_DAYS = 7  # the bucket's lifecycle rule for letters/
STALE_BUILD = timedelta(minutes=30)
PDF = "application/pdf"


def part_key(batch_id: str, bundle_id: str, chunk: int) -> str:
    return f"letters/{batch_id}/{bundle_id}/part-{chunk:05d}.pdf"


@dataclass
class LetterService:
    settings: Settings
    bundles: BundleStore
    batches: BatchStore
    cards: CardStore
    processes: ProcessStore
    organisations: OrganisationStore
    workflow: Workflow
    builds: Executions
    functions: Functions
    links: Callable[[], LinkConfig]  # the signing key is fetched when letters are rendered

    def request(self, caller: Caller, batch_id: str) -> tuple[LettersView, int]:
        caller.require(Role.sender)
        batch = self._letter_batch(caller, batch_id)
        content = self._content(batch)
        bundle_id = _bundle_id(batch, content)
        existing = self.bundles.get(batch.id, bundle_id)
        if existing is not None and existing.status is BundleStatus.ready and self._file_exists(existing.key):
            return self._view(existing), 200
        if existing is not None and existing.status is BundleStatus.building:
            return self._view(existing), 202
        moment = utcnow()
        zone = ZoneInfo(self.organisations.get(batch.org_id).timezone)
        bundle = LetterBundle(
            id=bundle_id,
            batch_id=batch.id,
            org_id=batch.org_id,
            status=BundleStatus.building,
            key=f"letters/{batch.id}/{bundle_id}.pdf",
            content=content,
            dated=moment.astimezone(zone).strftime("%-d %B %Y"),
            requested_by=caller.user_id,
            requested_by_email=caller.email,
            requested_at=isoformat(moment),
            expires_at=int((moment + timedelta(days=FILE_DAYS)).timestamp()),
        )
        if self.bundles.start(bundle, isoformat(moment - STALE_BUILD)):
            self.builds.start(
                f"{batch.id}-letters-{bundle_id}-{re.sub(r'[^0-9]', '', bundle.requested_at)}",
                {
                    "batch_id": batch.id,
                    "org_id": batch.org_id,
                    "bundle_id": bundle_id,
                    "chunks": [chunk.model_dump() for chunk in batch.chunks],
                },
            )
        current = self.bundles.get(batch.id, bundle_id) or bundle
        return self._view(current), 202 if current.status is BundleStatus.building else 200

    def current(self, caller: Caller, batch_id: str) -> tuple[LettersView, int]:
        caller.require(Role.sender)
        batch = self._letter_batch(caller, batch_id)
        bundle = self.bundles.get(batch.id, _bundle_id(batch, self._content(batch)))
        if bundle is None:
            raise NotFound("no letters of the batch as it is now: POST to build them", {"batch_id": batch.id})
        return self._view(bundle), 202 if bundle.status is BundleStatus.building else 200

    def printed(self, caller: Caller, batch_id: str) -> LettersView:
        """The current bundle was printed: its letters count as sent (recorded asynchronously)."""
        caller.require(Role.sender)
        batch = self._letter_batch(caller, batch_id)
        if batch.status not in PRINTABLE:
            raise Conflict(
                "letters are sent (printed) only from an approved batch", {"status": batch.status.value}
            )
        content = self._content(batch)
        bundle = self.bundles.get(batch.id, _bundle_id(batch, content))
        if bundle is None or bundle.status is not BundleStatus.ready:
            raise Conflict("the batch's letters are not built yet: POST /batches/{id}/letters first")
        if bundle.content != batch.approval.content:
            raise Conflict("these letters are not what was approved; the batch needs a new approval")
        if not self.bundles.mark_printed(batch.id, bundle.id, now_iso(), caller.user_id, caller.email):
            raise Conflict("this bundle was marked printed already", {"printed_at": bundle.printed_at})
        self.functions.invoke_async(  # a lifecycle step: the letters count as sent, the batch may be sent
            self.settings.lifecycle_function,
            {
                "action": "letters_printed",
                "batch_id": batch.id,
                "org_id": batch.org_id,
                "bundle_id": bundle.id,
            },
        )
        return self._view(self.bundles.get(batch.id, bundle.id) or bundle)

    # The letters function's steps (statemachines/batch_letters.asl.json), and the printed record.

    def render_part(self, org_id: str, batch_id: str, bundle_id: str, chunk: Chunk) -> dict[str, int]:
        batch = self.batches.get(org_id, batch_id)
        bundle = self._bundle(batch_id, bundle_id)
        process = self.processes.get(org_id, batch.process_id).with_template_set(batch.template)
        organisation = self.organisations.get(org_id)
        links: LinkConfig = self.links()
        pdf = LetterPdf(organisation.return_address or [organisation.name or org_id], bundle.dated)
        for card in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row):
            if not card.letter or card.postal is None or card.status in CLOSED_CARDS:
                continue
            context = stored_card_context(
                card,
                process,
                link_config=links,
                batch_name=batch.name,
                organisation=organisation.name or org_id,
                due_date=batch.due_date,
            )
            text = render_letter(process.templates, context)
            pdf.add(Letter(card.postal.lines(), text.title, text.body_html, str(context["link"])))
        if pdf.letters:
            aws.client("s3").put_object(
                Bucket=self.settings.bucket,
                Key=part_key(batch.id, bundle.id, chunk.index),
                Body=pdf.output(),
                ContentType=PDF,
            )
        return {"chunk": chunk.index, "letters": pdf.letters, "pages": pdf.pages if pdf.letters else 0}

    def merge(
        self, org_id: str, batch_id: str, bundle_id: str, parts: list[dict[str, int]]
    ) -> dict[str, int]:
        """The parts merged in chunk order into the bundle, then deleted. Safe to run again: a retry
        after the bundle was recorded ready only deletes what parts are left."""
        bundle = self._bundle(batch_id, bundle_id)
        s3 = aws.client("s3")
        ordered = sorted((part for part in parts if part.get("letters")), key=lambda part: part["chunk"])
        if bundle.status is BundleStatus.ready:
            self._delete_parts(batch_id, bundle_id, ordered)
            return {"letters": bundle.letters or 0, "pages": bundle.pages or 0}
        with MultipartSink(s3, self.settings.bucket, bundle.key, PDF, f"{batch_id}-letters.pdf") as sink:
            merger = PdfMerger(sink)
            for part in ordered:
                key = part_key(batch_id, bundle_id, part["chunk"])
                merger.add(s3.get_object(Bucket=self.settings.bucket, Key=key)["Body"].read())
            merger.close()
        letters = sum(part["letters"] for part in ordered)
        self.bundles.finish(
            batch_id,
            bundle_id,
            status=BundleStatus.ready.value,
            letters=letters,
            pages=merger.pages,
            finished_at=now_iso(),
        )
        self._delete_parts(batch_id, bundle_id, ordered)
        logger.info("letters bundled", batch_id=batch_id, letters=letters, pages=merger.pages)
        return {"letters": letters, "pages": merger.pages}

    def _delete_parts(self, batch_id: str, bundle_id: str, parts: list[dict[str, int]]) -> None:
        s3 = aws.client("s3")
        for part in parts:
            s3.delete_object(Bucket=self.settings.bucket, Key=part_key(batch_id, bundle_id, part["chunk"]))

    def fail(self, batch_id: str, bundle_id: str, error: dict[str, Any] | None) -> None:
        name = str((error or {}).get("Error") or "unknown")
        self.bundles.finish(
            batch_id,
            bundle_id,
            status=BundleStatus.failed.value,
            error=f"building the letters failed ({name})",
        )

    def record_printed(self, org_id: str, batch_id: str, bundle_id: str) -> dict[str, int]:
        """Each card of the bundle records its letter (once), chunk by chunk, and the counters follow;
        a batch whose last unsent cards were letters is then sent."""
        batch = self.batches.get(org_id, batch_id)
        bundle = self._bundle(batch_id, bundle_id)
        entry = Distribution(
            at=bundle.printed_at or now_iso(),
            by=bundle.printed_by or "system",
            by_email=bundle.printed_by_email,
            channel="letter",
            address="",
        )
        recorded = 0
        for chunk in batch.chunks:
            for card in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row):
                if card.letter and card.postal is not None:
                    printed = entry.model_copy(update={"address": ", ".join(card.postal.lines()[1:])})
                    recorded += self.cards.mark_letter_printed(card, printed)
            self.workflow.settle(batch, chunk)
        batch = self.batches.get(org_id, batch_id)
        if batch.status is BatchStatus.partially_sent and batch.counters.sent == batch.counters.cards:
            try:
                self.batches.transition(
                    org_id, batch_id, BatchStatus.sent, sources=[BatchStatus.partially_sent]
                )
            except Conflict:
                logger.info("the batch moved on while its letters were recorded", batch_id=batch_id)
        return {"letters": recorded}

    def _letter_batch(self, caller: Caller, batch_id: str) -> Batch:
        batch = self.batches.get(caller.org_id, batch_id)
        if batch.communication is None or "letter" not in batch.communication.channels:
            raise Conflict("this batch sends no letters", {"kind": batch.kind.value})
        if batch.status not in LETTERABLE:
            raise Conflict("the batch's cards are not generated yet", {"status": batch.status.value})
        return batch

    def _content(self, batch: Batch) -> str:
        process = self.processes.get(batch.org_id, batch.process_id)
        return content_digest(batch, process, self.organisations.get(batch.org_id))

    def _bundle(self, batch_id: str, bundle_id: str) -> LetterBundle:
        bundle = self.bundles.get(batch_id, bundle_id)
        if bundle is None:
            raise NotFound("no such letters bundle", {"bundle_id": bundle_id})
        return bundle

    def _file_exists(self, key: str) -> bool:
        try:
            aws.client("s3").head_object(Bucket=self.settings.bucket, Key=key)
        except ClientError:
            return False
        return True

    def _view(self, bundle: LetterBundle) -> LettersView:
        view = LettersView(
            id=bundle.id,
            batch_id=bundle.batch_id,
            status=bundle.status,
            letters=bundle.letters,
            pages=bundle.pages,
            requested_at=bundle.requested_at,
            printed_at=bundle.printed_at,
            error=bundle.error,
        )
        if bundle.status is BundleStatus.ready:
            link = download_link(self.settings, bundle.key, PDF, f"{bundle.batch_id}-letters.pdf")
            view.url, view.expires_at = link.url, link.expires_at
        return view


def _bundle_id(batch: Batch, content: str) -> str:
    """The bundle of the batch as it is: what its letters say, and which cards still get one
    (closing a batch removes its unsent cards)."""
    closed = sum(batch.counters.by_status.get(status.value, 0) for status in CLOSED_CARDS)
    return derived_id("letters", content, str(closed), length=20)
