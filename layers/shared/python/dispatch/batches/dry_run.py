"""The dry run shown before approval: row errors, a few rendered cards, and when sending would end.

Everything is read, nothing is sent or changed. The estimate uses the configured channel rates at
the limiter's usable share (``1 / (1 + tolerance)``); channels send in parallel.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

from pydantic import BaseModel, Field

from dispatch import aws
from dispatch.batches.models import Batch, Counters
from dispatch.batches.store import BatchStore
from dispatch.cards.context import LinkConfig, stored_card_context
from dispatch.cards.models import CardStatus
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, utcnow
from dispatch.config import Settings
from dispatch.deliverability.policy import DeferredCards
from dispatch.delivery.ratelimit import DEFAULT_TOLERANCE
from dispatch.processes.models import Process
from dispatch.rendering import RenderError, render_email, render_sms
from dispatch.views import View

ROW_ERRORS_SHOWN = 20
SAMPLES = 3


class RowErrors(BaseModel):
    total: int
    shown: list[dict[str, str]] = Field(description=f"the first {ROW_ERRORS_SHOWN} rows of the error report")


class EmailSample(BaseModel):
    to: str | None
    subject: str
    text: str
    html: str | None


class SmsSample(BaseModel):
    to: str | None
    text: str


class Sample(View):
    """One ready card rendered as it would be sent (``error``: a template failed on its data)."""

    card_id: str
    row: int
    email: EmailSample | None = None
    sms: SmsSample | None = None
    error: str | None = None


class Estimate(BaseModel):
    messages: dict[str, int] = Field(description="messages per channel")
    rates_per_second: dict[str, float]
    seconds: float
    finish_at_if_approved_now: str


class DryRunView(View):
    id: str
    status: str
    counters: Counters
    row_errors: RowErrors
    samples: list[Sample]
    estimate: Estimate
    deferred: DeferredCards = Field(
        default_factory=DeferredCards,
        description="ready cards that would wait for their recipients' quiet hours if sending started now",
    )


@dataclass
class DryRun:
    settings: Settings
    batches: BatchStore
    cards: CardStore
    links: LinkConfig

    def describe(self, batch: Batch, process: Process, organisation: str) -> DryRunView:
        return DryRunView(
            id=batch.id,
            status=batch.status.value,
            counters=batch.counters,
            row_errors=self._row_errors(batch),
            samples=self._samples(batch, process, organisation),
            estimate=self._estimate(batch),
        )

    def _row_errors(self, batch: Batch) -> RowErrors:
        shown: list[dict[str, str]] = []
        if batch.report_key:
            body = aws.client("s3").get_object(Bucket=self.settings.bucket, Key=batch.report_key)["Body"]
            lines = (line.decode("utf-8") for line in body.iter_lines())
            shown = list(islice(csv.DictReader(lines), ROW_ERRORS_SHOWN))
        return RowErrors(total=batch.counters.rejected, shown=shown)

    def _samples(self, batch: Batch, process: Process, organisation: str) -> list[Sample]:
        samples: list[Sample] = []
        for chunk in batch.chunks:
            for card in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row):
                if card.status is not CardStatus.ready:
                    continue
                context = stored_card_context(
                    card,
                    process,
                    link_config=self.links,
                    batch_name=batch.name,
                    organisation=organisation,
                    due_date=batch.due_date,
                )
                sample = Sample(card_id=card.id, row=card.row)
                try:
                    if "email" in card.channels:
                        message = render_email(process.templates, context)
                        sample.email = EmailSample(
                            to=card.email, subject=message.subject, text=message.text, html=message.html
                        )
                    if "sms" in card.channels:
                        sample.sms = SmsSample(to=card.phone, text=render_sms(process.templates, context))
                except RenderError as exc:
                    sample.error = str(exc)
                samples.append(sample)
                if len(samples) == SAMPLES:
                    return samples
        return samples

    def _estimate(self, batch: Batch) -> Estimate:
        deliveries = self.batches.deliveries(batch.id)
        rates = {"email": self.settings.email_rate_per_second, "sms": self.settings.sms_rate_per_second}
        seconds = {
            channel: count * (1 + DEFAULT_TOLERANCE) / rates[channel]
            for channel, count in deliveries.items()
            if channel in rates  # letters are printed, not sent at a rate
        }
        longest = max(seconds.values(), default=0.0)
        return Estimate(
            messages=dict(deliveries),
            rates_per_second=rates,
            seconds=round(longest, 1),
            finish_at_if_approved_now=isoformat(utcnow() + timedelta(seconds=longest)),
        )
