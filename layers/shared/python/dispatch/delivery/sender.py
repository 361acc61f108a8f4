"""Sending one chunk of a batch's cards (PRODUCT §5, sending half).

Each card is claimed with a conditional write (``ready`` → ``sending``) before the provider is
called, so two senders, or a retried chunk, never send the same card twice. A provider outage is
retried with back-off; a card the provider refuses fails with the provider's reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from dispatch.batches.models import Batch, Chunk
from dispatch.cards.context import LinkConfig, card_context
from dispatch.cards.models import Card, CardStatus, Distribution
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso
from dispatch.delivery.channels import (
    AccountPaused,
    EmailSender,
    PermanentFailure,
    SmsSender,
    TemporaryFailure,
)
from dispatch.delivery.pacing import Pacer, backoff
from dispatch.processes.models import Process
from dispatch.rendering import RenderError, render_email, render_sms

MAX_ATTEMPTS = 5
SYSTEM_SENDER = "system:auto-distribution"


@dataclass
class ChunkSender:
    cards: CardStore
    email: EmailSender
    sms: SmsSender
    pacers: dict[str, Pacer]
    links: LinkConfig
    sleep: Callable[[float], None] = time.sleep

    def send_chunk(self, batch: Batch, process: Process, organisation: str, chunk: Chunk) -> dict[str, int]:
        counts = {"sent": 0, "failed": 0}
        for card in self.cards.in_rows(batch.id, chunk.first_row, chunk.last_row):
            if card.status is not CardStatus.ready or not self.cards.claim(card, [CardStatus.ready]):
                continue
            outcome = self._deliver(card, batch, process, organisation)
            counts[outcome] += 1
        return counts

    def _deliver(self, card: Card, batch: Batch, process: Process, organisation: str) -> str:
        context = card_context(
            process,
            card.values,
            card_id=card.id,
            expires_at=card.link_expires_at,
            link_config=self.links,
            batch_name=batch.name,
            organisation=organisation,
        )
        delivered: list[Distribution] = []
        reasons: list[str] = []
        for channel in card.channels:
            try:
                message_id, address = self._send_with_retries(channel, card, process, context)
            except (PermanentFailure, RenderError) as exc:
                reasons.append(f"{channel}: {exc}")
                continue
            except (TemporaryFailure, AccountPaused):
                if not delivered:
                    self.cards.release(card)  # nothing reached a provider: the card is still unsent
                    raise
                break
            delivered.append(
                Distribution(
                    at=now_iso(), by=SYSTEM_SENDER, channel=channel, address=address, message_id=message_id
                )
            )
        if delivered:
            self.cards.mark_sent(card, delivered)
            return "sent"
        self.cards.mark_failed(card, "; ".join(reasons) or "no channel")
        return "failed"

    def _send_with_retries(
        self, channel: str, card: Card, process: Process, context: dict[str, object]
    ) -> tuple[str, str]:
        attempt = 1
        while True:
            self.pacers[channel].wait(self.sleep)
            try:
                if channel == "email":
                    assert card.email is not None
                    message = render_email(process.templates, context)
                    tags = {"batch_id": card.batch_id, "card_id": card.id}
                    return self.email.send(
                        card.email, message, str(context["unsubscribe_url"]), tags
                    ), card.email
                assert card.phone is not None
                return self.sms.send(card.phone, render_sms(process.templates, context)), card.phone
            except TemporaryFailure:
                if attempt == MAX_ATTEMPTS:
                    raise
                self.sleep(backoff(attempt))
                attempt += 1
