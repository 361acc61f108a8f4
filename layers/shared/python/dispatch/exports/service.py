"""Batch exports: request one over the API, write it in the export function (PRODUCT §4).

A request answers at once: the export of an unchanged batch that was already written is a fresh
pre-signed link to the same file; otherwise a job is started (the export function streams the
cards into the file) and the caller asks again with the job's id. The file holds the original
columns, then ``status``, ``channel``, ``sent_at``, ``error``, ``accessed_at``; every cell is
neutralised against formula injection by the writers.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.auth import Caller, Role
from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, now_iso, utcnow
from dispatch.config import Settings
from dispatch.downloads import download_link
from dispatch.errors import Conflict, NotFound
from dispatch.exports.models import EXTRA_COLUMNS, ExportJob, ExportRequest, ExportStatus, ExportView
from dispatch.exports.store import ExportStore
from dispatch.exports.upload import MultipartSink
from dispatch.exports.writers import FORMATS, open_writer
from dispatch.functions import Functions
from dispatch.ingest.header import EMAIL_COLUMNS, PHONE_COLUMNS
from dispatch.observability import logger
from dispatch.processes.models import column_key
from dispatch.processes.store import ProcessStore

NOT_YET = frozenset({BatchStatus.open, BatchStatus.uploading, BatchStatus.validating, BatchStatus.generating})
FILE_DAYS = 2  # the bucket's lifecycle rule for exports/ deletes files after two days
STALE_RUN = timedelta(minutes=20)  # longer than the export function's 15-minute limit


@dataclass
class ExportService:
    settings: Settings
    exports: ExportStore
    batches: BatchStore
    cards: CardStore
    processes: ProcessStore
    functions: Functions

    def request(self, caller: Caller, batch_id: str, body: ExportRequest) -> tuple[ExportView, int]:
        """(view, 200) when the file is ready, (view, 202) while it is being written."""
        caller.require(Role.sender)
        batch = self.batches.get(caller.org_id, batch_id)
        if batch.status in NOT_YET:
            raise Conflict("the batch's cards are not ready yet", {"status": batch.status.value})
        export_id = _export_id(batch, body.format)
        existing = self.exports.get(batch.id, export_id)
        if existing is not None and existing.status is ExportStatus.ready:
            if self._file_exists(existing.key):
                return self._view(existing, batch), 200
            logger.info("export file expired; writing it again", batch_id=batch.id, export_id=export_id)
        job = ExportJob(
            id=export_id,
            batch_id=batch.id,
            org_id=batch.org_id,
            format=body.format,
            status=ExportStatus.running,
            key=f"exports/{batch.id}/{export_id}.{FORMATS[body.format].extension}",
            revision=batch.revision,
            requested_by=caller.user_id,
            requested_by_email=caller.email,
            requested_at=now_iso(),
            expires_at=int((utcnow() + timedelta(days=FILE_DAYS)).timestamp()),
        )
        replace_ready = existing is not None and existing.status is ExportStatus.ready
        if self.exports.start(job, isoformat(utcnow() - STALE_RUN), replace_ready=replace_ready):
            self.functions.invoke_async(
                self.settings.export_function, {"batch_id": batch.id, "export_id": export_id}
            )
            logger.info("export started", batch_id=batch.id, export_id=export_id)
        current = self.exports.get(batch.id, export_id) or job
        return self._view(current, batch), 200 if current.status is ExportStatus.ready else 202

    def get(self, caller: Caller, batch_id: str, export_id: str) -> ExportView:
        batch = self.batches.get(caller.org_id, batch_id)
        job = self.exports.get(batch.id, export_id)
        if job is None:
            raise NotFound("no such export", {"export_id": export_id})
        return self._view(job, batch)

    def run(self, batch_id: str, export_id: str) -> ExportJob:
        """Write the file (the export function); the job records the outcome."""
        batch = self.batches.find(batch_id)
        job = self.exports.get(batch_id, export_id)
        if job is None:
            raise NotFound("no such export", {"export_id": export_id})
        if job.status is not ExportStatus.running:
            return job  # a repeated invocation of a finished job
        spec = FORMATS[job.format]
        try:
            rows = 0
            with MultipartSink(
                aws.client("s3"), self.settings.bucket, job.key, spec.content_type, _filename(batch, job)
            ) as sink:
                writer = open_writer(job.format, sink)
                for row in self._rows(batch):
                    writer.write_row(row)
                    rows += 1
                writer.close()
        except Exception as exc:
            logger.exception("export failed", batch_id=batch_id, export_id=export_id)
            self.exports.finish(job, status=ExportStatus.failed.value, error=type(exc).__name__)
            return job.model_copy(update={"status": ExportStatus.failed})
        rows -= 1  # the header
        self.exports.finish(job, status=ExportStatus.ready.value, rows=rows, finished_at=now_iso())
        logger.info("export written", batch_id=batch_id, export_id=export_id, rows=rows)
        return job.model_copy(update={"status": ExportStatus.ready, "rows": rows})

    def _rows(self, batch: Batch) -> Iterator[list[object]]:
        columns = batch.columns or [
            field.name for field in self.processes.get(batch.org_id, batch.process_id).fields
        ]
        kinds = [_column_kind(name) for name in columns]
        yield [*columns, *EXTRA_COLUMNS]
        for card in self.cards.all_in_batch(batch.id):
            yield [
                *(_value(card, name, kind) for name, kind in zip(columns, kinds, strict=True)),
                *_extra(card),
            ]

    def _view(self, job: ExportJob, batch: Batch) -> ExportView:
        view = ExportView(
            id=job.id,
            batch_id=job.batch_id,
            format=job.format,
            status=job.status,
            rows=job.rows,
            requested_at=job.requested_at,
            current=job.revision == batch.revision,
        )
        if job.status is ExportStatus.ready:
            link = download_link(
                self.settings, job.key, FORMATS[job.format].content_type, _filename(batch, job)
            )
            view.url, view.expires_at = link.url, link.expires_at
        if job.status is ExportStatus.failed:
            view.error = "the export could not be written; request it again"
        return view

    def _file_exists(self, key: str) -> bool:
        try:
            aws.client("s3").head_object(Bucket=self.settings.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True


def _export_id(batch: Batch, fmt: str) -> str:
    """Same format and same batch state → same export."""
    state = f"{batch.id}|{fmt}|{batch.revision}|{batch.updated_at}"
    return f"{fmt}-{batch.revision}-{hashlib.sha256(state.encode()).hexdigest()[:12]}"


def _column_kind(name: str) -> str:
    key = column_key(name)
    return "email" if key in EMAIL_COLUMNS else "phone" if key in PHONE_COLUMNS else "value"


def _value(card: Card, name: str, kind: str) -> object:
    """Channel columns hold the card's normalised address (the one it was sent to)."""
    if kind == "email":
        return card.email
    if kind == "phone":
        return card.phone
    return card.values.get(name)


def _extra(card: Card) -> list[object]:
    used = list(dict.fromkeys(d.channel for d in card.distributions if d.refused is None))
    return [card.status.value, ", ".join(used), card.sent_at, card.error, card.accessed_at]


def _filename(batch: Batch, job: ExportJob) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", batch.name).strip("-.")[:80] or batch.id
    return f"{stem}.{FORMATS[job.format].extension}"
