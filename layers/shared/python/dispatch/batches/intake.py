"""From an uploaded object to a batch whose lifecycle has started (PRODUCT §2 outcome, §4 start).

S3 may deliver an event more than once and Lambda retries failed invocations, so every step is
idempotent: a dropped file's batch id derives from the event, status moves are conditional, staged
chunks have deterministic names, and the execution is named after the batch.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from dispatch import aws
from dispatch.batches.execution import Executions
from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.clock import now_iso
from dispatch.config import Settings
from dispatch.errors import Conflict, NotFound
from dispatch.ids import digest_entropy, time_sortable_id
from dispatch.ingest.models import Limits, ValidationResult
from dispatch.ingest.report import ReportWriter, report_key
from dispatch.ingest.staging import ChunkWriter, delete_staged
from dispatch.ingest.validator import too_large, validate_file
from dispatch.observability import logger
from dispatch.organisations.store import OrganisationStore
from dispatch.processes.models import ProcessState
from dispatch.processes.store import ProcessStore

DROP_SENDER = "s3-drop"


@dataclass(frozen=True, slots=True)
class UploadedObject:
    bucket: str
    key: str
    size: int
    sequencer: str
    event_time: datetime


@dataclass
class Intake:
    settings: Settings
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    executions: Executions

    def handle(self, obj: UploadedObject) -> Batch | None:
        """Validate the object's batch and start its lifecycle; None when there is nothing to do."""
        batch = self._batch_for(obj)
        if batch is None:
            return None
        if batch.status is BatchStatus.generating:
            self._start(batch)  # an earlier attempt stopped between recording and starting
            return batch
        try:
            batch = self.batches.transition(batch.org_id, batch.id, BatchStatus.validating)
        except Conflict:
            logger.info("batch already past validation; repeated event ignored", batch_id=batch.id)
            return None
        try:
            return self._validate(batch, obj)
        except Exception as exc:
            # boto3 has already retried transient AWS errors; what remains is a fault. Leave nothing
            # half-done and say so on the batch, instead of a batch stuck in "validating".
            logger.exception("validation failed", batch_id=batch.id)
            delete_staged(self.settings.bucket, batch.id)
            return self.batches.transition(
                batch.org_id,
                batch.id,
                BatchStatus.failed,
                sources=[BatchStatus.validating],
                set_values={
                    "status_reason": f"validation failed ({type(exc).__name__}); upload the file again"
                },
            )

    def _batch_for(self, obj: UploadedObject) -> Batch | None:
        parts = PurePosixPath(obj.key).parts
        if len(parts) == 4 and parts[0] == "uploads":
            try:
                return self.batches.get(parts[1], parts[2])
            except NotFound:
                logger.warning("upload for an unknown batch ignored", key_prefix="uploads")
                return None
        if len(parts) == 3 and parts[0] == "drop":
            return self._dropped(obj, parts[1], parts[2])
        logger.warning("object outside uploads/ and drop/ ignored")
        return None

    def _dropped(self, obj: UploadedObject, process_id: str, file_name: str) -> Batch | None:
        try:
            process = self.processes.find(process_id)
        except NotFound:
            logger.warning("file dropped for an unknown process ignored", process_id=process_id)
            return None
        batch_id = time_sortable_id(obj.event_time, digest_entropy(obj.bucket, obj.key, obj.sequencer))
        now = now_iso()
        batch = Batch(
            id=batch_id,
            org_id=process.org_id,
            process_id=process.id,
            process_name=process.name,
            name=PurePosixPath(file_name).stem or file_name,
            file_name=file_name,
            source_key=obj.key,
            created_by=DROP_SENDER,
            created_at=now,
            updated_at=now,
            status=BatchStatus.uploading,
        )
        if not self.batches.create(batch):
            return self.batches.get(batch.org_id, batch.id)
        if process.state is not ProcessState.live:
            return self.batches.transition(
                batch.org_id,
                batch.id,
                BatchStatus.failed,
                set_values={"status_reason": "the process is not live"},
            )
        return batch

    def _validate(self, batch: Batch, obj: UploadedObject) -> Batch:
        limits = Limits(max_bytes=self.settings.max_file_bytes)
        if obj.size > limits.max_bytes:
            return self._invalid(batch, ValidationResult("rejected", too_large(limits), None), None)
        process = self.processes.get(batch.org_id, batch.process_id)
        organisation = self.organisations.get(batch.org_id)
        chunks = ChunkWriter(self.settings.bucket, batch.id, self.settings.chunk_rows)
        report = ReportWriter()
        try:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "source"
                aws.client("s3").download_file(obj.bucket, obj.key, str(path))
                result = validate_file(
                    path,
                    process.fields,
                    region=organisation.default_phone_region,
                    limits=limits,
                    on_accepted=chunks.add,
                    on_issue=report.add,
                )
            chunks.flush()
            report.upload(self.settings.bucket, report_key(batch.id))
        finally:
            report.close()
        if result.outcome == "rejected":
            delete_staged(self.settings.bucket, batch.id)
            return self._invalid(batch, result, report_key(batch.id))
        auto = batch.auto_distribute and result.auto_distribution_available
        batch = self.batches.transition(
            batch.org_id,
            batch.id,
            BatchStatus.generating,
            sources=[BatchStatus.validating],
            set_values={
                **_outcome(result, report_key(batch.id)),
                "chunks": [chunk.model_dump() for chunk in chunks.chunks],
                "auto_distribute": auto,
                "auto_distribute_reason": None
                if auto or not batch.auto_distribute
                else result.auto_distribution_reason,
            },
        )
        logger.info(
            "batch validated", batch_id=batch.id, accepted=result.rows.accepted, rejected=result.rows.rejected
        )
        self._start(batch)
        return batch

    def _invalid(self, batch: Batch, result: ValidationResult, report: str | None) -> Batch:
        logger.info("batch invalid", batch_id=batch.id)
        return self.batches.transition(
            batch.org_id,
            batch.id,
            BatchStatus.invalid,
            sources=[BatchStatus.validating],
            set_values={**_outcome(result, report), "status_reason": result.reason},
        )

    def _start(self, batch: Batch) -> None:
        self.executions.start_lifecycle(batch, self.settings.approval_timeout_seconds)


def _outcome(result: ValidationResult, report: str | None) -> dict[str, object]:
    """What validation records on the batch, whatever the outcome."""
    return {
        "format": result.format,
        "columns": result.columns,
        "report_key": report,
        "count_rows": result.rows.data,
        "count_accepted": result.rows.accepted,
        "count_rejected": result.rows.rejected,
    }
