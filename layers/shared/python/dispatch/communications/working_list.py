"""A communication's working list staged as chunks (PRODUCT §8): the same staged-chunk shape a
validated file has, so generation, approval, sending, exports, clones are the batch engine's own.

The lifecycle state machine stages a working list in parallel, one task per contacts shard
(``stage_segment``): each reads its shard's matches (the filter applied by DynamoDB, a 1 MB page
at a time) and writes them as chunks — one chunk in memory at a time. Rows and chunk numbers are
the segment's own ranges (row ``segment * 10**7 + n``, chunk ``segment * 10**4 + k``), so segments
never collide and a retried segment rewrites the same chunks. ``record`` then puts every
segment's chunks on the batch, in order: the working list's order is shard, then contact id.

A contact's card values are its properties and attributes whose names match the process's fields
(compared as a file's columns are), read by the same converters as a file's cells: a required
field the contact lacks, or a value not of its field's type, makes that card ``error`` with the
reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dispatch.batches.models import Batch, BatchStatus, Chunk
from dispatch.batches.store import BatchStore
from dispatch.config import Settings
from dispatch.contacts.filters import compile_filter, parse
from dispatch.contacts.models import PROPERTIES, Contact
from dispatch.contacts.store import ContactStore
from dispatch.errors import Conflict, PermanentFailure
from dispatch.ingest.channels import InvalidValue
from dispatch.ingest.models import AcceptedRow
from dispatch.ingest.staging import ChunkWriter
from dispatch.ingest.values import cell_text, converter
from dispatch.observability import logger
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.models import ProcessField, column_key
from dispatch.processes.store import ProcessStore

SEGMENT_ROWS = 10_000_000
SEGMENT_CHUNKS = 10_000
NOTHING_MATCHED = "the filter matched no contact when the batch was generated"


def contact_row(
    contact: Contact, row: int, fields: Sequence[ProcessField], region: str, *, letters: bool
) -> AcceptedRow:
    """The staged row of a contact: its values for the process's fields, checked as a file row's."""
    source: dict[str, Any] = {column_key(name): getattr(contact, name) for name in PROPERTIES}
    source.update({column_key(name): value for name, value in contact.attributes.items()})
    values: dict[str, Any] = {}
    problems: list[str] = []
    for field in fields:
        raw = source.get(column_key(field.name))
        values[field.name] = None
        if raw is None or raw == "":
            if field.required:
                problems.append(f"missing_required:{field.name}")
            continue
        try:
            values[field.name] = converter(field.type, region)(raw, cell_text(raw))
        except InvalidValue as exc:
            problems.append(f"invalid_value:{field.name}: {exc}")
    postal = contact.postal() if letters else None
    return AcceptedRow(
        row,
        values,
        contact.email,
        contact.phone,
        contact_id=contact.id,
        postal=postal.model_dump(exclude_none=True) if postal else None,
        error="; ".join(problems) or None,
    )


@dataclass
class WorkingList:
    settings: Settings
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    contacts: ContactStore

    def stage_segment(self, org_id: str, batch_id: str, segment: int) -> dict[str, Any]:
        """One shard's matches staged as chunks; what was staged (rows and chunks)."""
        batch = self.batches.get(org_id, batch_id)
        if batch.status is not BatchStatus.generating or batch.communication is None:
            raise PermanentFailure(
                f"the batch is {batch.status.value}; its working list is staged only while generating"
            )
        process = self.processes.get(org_id, batch.process_id)
        region = self.organisations.get(org_id).default_phone_region
        filter_ = batch.communication.filter
        compiled = (
            None if filter_ is None else compile_filter(parse(filter_, self.contacts.schema(org_id), region))
        )
        letters = "letter" in batch.communication.channels
        writer = ChunkWriter(
            self.settings.bucket, batch.id, self.settings.chunk_rows, segment * SEGMENT_CHUNKS
        )
        row = segment * SEGMENT_ROWS
        for contact in self.contacts.matching(org_id, segment, compiled):
            row += 1
            writer.add(contact_row(contact, row, process.fields, region, letters=letters))
        writer.flush()
        staged = row - segment * SEGMENT_ROWS
        logger.info("working list segment staged", batch_id=batch_id, segment=segment, rows=staged)
        return {"segment": segment, "rows": staged, "chunks": [chunk.model_dump() for chunk in writer.chunks]}

    def record(self, org_id: str, batch_id: str, staged: Sequence[dict[str, Any]]) -> dict[str, Any]:
        """Every segment's chunks on the batch, in order; the chunks for generation. A list that
        came out empty (the matching contacts were deleted meanwhile) returns the batch to ``open``."""
        chunks = sorted(
            (Chunk.model_validate(chunk) for segment in staged for chunk in segment.get("chunks", [])),
            key=lambda chunk: chunk.index,
        )
        rows = sum(chunk.rows for chunk in chunks)
        if not rows:
            try:
                self.batches.transition(
                    org_id,
                    batch_id,
                    BatchStatus.open,
                    sources=[BatchStatus.generating],
                    set_values={"status_reason": NOTHING_MATCHED},
                )
            except Conflict:  # a retried step finds the batch open by its own first attempt
                status = self.batches.get(org_id, batch_id).status
                if status is not BatchStatus.open:
                    raise PermanentFailure(
                        f"the batch is {status.value}; its working list is not recorded"
                    ) from None
            return {"rows": 0, "chunks": []}
        process = self.processes.get(org_id, self.batches.get(org_id, batch_id).process_id)
        self.batches.transition(
            org_id,
            batch_id,
            BatchStatus.generating,
            sources=[BatchStatus.generating],
            set_values={
                "chunks": [chunk.model_dump() for chunk in chunks],
                "columns": [field.name for field in process.fields],
                "count_rows": rows,
                "count_accepted": rows,
                "status_reason": None,
            },
        )
        return {"rows": rows, "chunks": [chunk.model_dump() for chunk in chunks]}

    def stage_one(self, batch: Batch, contact: Contact) -> Batch:
        """A one-off message's working list: its one contact, staged at once."""
        process = self.processes.get(batch.org_id, batch.process_id)
        region = self.organisations.get(batch.org_id).default_phone_region
        writer = ChunkWriter(self.settings.bucket, batch.id, self.settings.chunk_rows)
        writer.add(contact_row(contact, 1, process.fields, region, letters=False))
        writer.flush()
        return self.batches.transition(
            batch.org_id,
            batch.id,
            BatchStatus.generating,
            sources=[BatchStatus.open],
            set_values={
                "chunks": [chunk.model_dump() for chunk in writer.chunks],
                "columns": [field.name for field in process.fields],
                "count_rows": 1,
                "count_accepted": 1,
            },
        )
