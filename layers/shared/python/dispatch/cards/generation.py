"""Generation of one staged chunk into cards (PRODUCT §3).

Card ids derive from the batch and the row, so a retried chunk rewrites the same cards; its
counts are added once, guarded by a marker item written in the same transaction — the chunk's last
write, so a task that stopped before it is generated again whole (nothing written twice: the same
items are overwritten), and one that stopped after it is skipped.
"""

from __future__ import annotations

from collections.abc import Sequence

from dispatch.batches.models import Batch, Chunk
from dispatch.batches.store import BatchStore
from dispatch.cards.context import LinkConfig, card_context
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore, storable
from dispatch.clock import now_iso, utcnow
from dispatch.ids import card_id
from dispatch.ingest.models import AcceptedRow
from dispatch.processes.models import Process
from dispatch.rendering import RenderError, render_email, render_letter, render_sms


def build_card(
    row: AcceptedRow, batch: Batch, process: Process, organisation: str, link_config: LinkConfig
) -> Card:
    """A card for one accepted row; ``error`` status (with the reason) when it cannot be delivered."""
    identifier = card_id(batch.id, row.row)
    expires_at = int(utcnow().timestamp()) + link_config.ttl_days * 86400
    wanted = batch.communication.channels if batch.communication else None
    channels = usable_channels(process, row.email, row.phone, wanted)
    letter = bool(wanted and "letter" in wanted and row.postal and process.templates.letter)
    card = Card(
        id=identifier,
        batch_id=batch.id,
        org_id=batch.org_id,
        row=row.row,
        values=row.values,
        email=row.email,
        phone=row.phone,
        channels=channels,
        status=CardStatus.ready,
        link_expires_at=expires_at,
        created_at=now_iso(),
        contact_id=row.contact_id,
        letter=letter,
        postal=row.postal,
    )
    if row.error:  # a contact whose values do not fit the process (missing, wrong type)
        return card.model_copy(update={"status": CardStatus.error, "error": row.error})
    if not channels and not letter:
        return card.model_copy(update={"status": CardStatus.error, "error": "no_channel"})
    context = card_context(
        process,
        row.values,
        card_id=identifier,
        expires_at=expires_at,
        link_config=link_config,
        batch_name=batch.name,
        organisation=organisation,
        due_date=batch.due_date,
    )
    try:
        for channel in channels:
            if channel == "email":
                render_email(process.templates, context)
            else:
                render_sms(process.templates, context)
        if letter:
            render_letter(process.templates, context)
    except RenderError as exc:
        return card.model_copy(update={"status": CardStatus.error, "error": str(exc)})
    return card


def usable_channels(
    process: Process, email: str | None, phone: str | None, wanted: Sequence[str] | None = None
) -> list[str]:
    """The channels a card is delivered by: the process's order, limited to the row's addresses
    (and to the ``wanted`` channels of a communication).

    With ``email_first``/``sms_first`` only the first usable channel is used; with ``both``, all.
    """
    have = {"email": email is not None, "sms": phone is not None}
    usable = [
        channel for channel in process.channels() if have[channel] and (wanted is None or channel in wanted)
    ]
    return usable if process.channel_order == "both" else usable[:1]


def generate_chunk(
    rows: list[AcceptedRow],
    *,
    batch: Batch,
    chunk: Chunk,
    process: Process,
    organisation: str,
    link_config: LinkConfig,
    cards: CardStore,
    batches: BatchStore,
) -> dict[str, int]:
    # A card DynamoDB cannot hold becomes an error card with the reason; the rest go on.
    built = [storable(build_card(row, batch, process, organisation, link_config)) for row in rows]
    cards.put_many(built)
    errors = sum(1 for card in built if card.status is CardStatus.error)
    deliveries: dict[str, int] = {}
    for card in built:
        if card.status is CardStatus.ready:
            for channel in card.channels:
                deliveries[channel] = deliveries.get(channel, 0) + 1
            if card.letter:
                deliveries["letter"] = deliveries.get("letter", 0) + 1
    batches.record_deliveries(batch.id, chunk.index, deliveries)
    # Last: the marker tells a retried task the chunk is done, so everything else is written first.
    counts = {"ready": len(built) - errors, "error": errors}
    batches.settle_chunk(batch.org_id, batch.id, chunk.index, lambda: counts)
    return {"cards": len(built), "errors": errors}
