"""From an uploaded object to a batch whose lifecycle has started (PRODUCT §2 outcome, §4 start).

S3 may deliver an event more than once and Lambda retries failed invocations, so every step is
idempotent: a dropped file's batch id derives from the key and the version the event announces,
status moves are conditional, staged chunks have deterministic names, and the execution is named
after the batch. The bucket is versioned and every read names the event's version: two quick
writes of one key are two files, each validated as written.

Where files go (anything else is moved aside with its reason, see :mod:`dispatch.batches.rejections`):

- ``uploads/<org>/<batch>/source``: the pre-signed upload of a batch created over the API (or a
  scheduled run's copy). The first version to arrive is the batch's file; a later one (the
  pre-signed POST used twice) is refused, so a batch's source never changes under it.
- ``drop/<process_id>/<file>``: a drop by a system; the batch's creator is ``s3-drop``.
- ``drop/<process_id>/users/<user id>/<file>``: a person's drop; that user (the Cognito ``sub``)
  is the batch's creator, so four-eyes keeps them from approving it. IAM decides who may write
  under which user's prefix.

Either way the S3 principal that wrote the file is recorded as ``dropped_by``.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from dispatch import aws
from dispatch.batches.execution import Executions
from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.rejections import DroppedVersion, RejectedDrop, reject
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

DROP_SENDER = "s3-drop"  # the creator of a drop that names no user
USERS = "users"  # drop/<process_id>/users/<user id>/<file>
USER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=-]{0,127}")
DROP_KEYS = "files are dropped at drop/<process_id>/<file> or drop/<process_id>/users/<user id>/<file>"


@dataclass(frozen=True, slots=True)
class UploadedObject:
    bucket: str
    key: str
    version_id: str  # the version the event announces: the only one read
    size: int
    event_time: datetime
    principal: str | None = None  # who wrote it: the event's userIdentity.principalId

    @property
    def version(self) -> DroppedVersion:
        return DroppedVersion(self.bucket, self.key, self.version_id, self.principal)


@dataclass
class Intake:
    settings: Settings
    batches: BatchStore
    processes: ProcessStore
    organisations: OrganisationStore
    executions: Executions

    def handle(self, obj: UploadedObject) -> Batch | None:
        """Validate the object's batch and start its lifecycle; None when there is nothing to do
        (a repeated event, a folder placeholder, or an object moved aside with its reason)."""
        if obj.key.endswith("/") and obj.size == 0:
            logger.info("folder placeholder: not a file")  # what the S3 console's "create folder" writes
            return None
        try:
            batch = self._claim(obj)
        except RejectedDrop as rejection:
            reject(obj.version, rejection.reason)
            return None
        if batch is None or batch.status is not BatchStatus.validating:
            return batch
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
                    "status_reason": f"validation failed ({type(exc).__name__}); upload the file again "
                    "(as a new batch)"
                },
            )

    def _claim(self, obj: UploadedObject) -> Batch | None:
        """The object's batch, moved to ``validating`` for this version; the batch as it is when an
        earlier attempt stopped between recording and starting (``generating``, started again
        here); None for a repeated event. RejectedDrop when the object makes no batch, or when its
        batch was claimed by another version (a pre-signed upload used twice)."""
        batch = self._batch_for(obj)
        if batch.status is BatchStatus.uploading:
            try:
                return self.batches.transition(
                    batch.org_id,
                    batch.id,
                    BatchStatus.validating,
                    sources=[BatchStatus.uploading],
                    set_values={"source_version": obj.version_id},
                )
            except Conflict:
                batch = self.batches.get(batch.org_id, batch.id)  # another event claimed it first
        if batch.source_version != obj.version_id:
            raise RejectedDrop(_SECOND_FILE)
        if batch.status is BatchStatus.generating:
            self._start(batch)
            return batch
        logger.info("batch already past validation; repeated event ignored", batch_id=batch.id)
        return None

    def _batch_for(self, obj: UploadedObject) -> Batch:
        parts = obj.key.split("/")
        if not all(parts):
            raise RejectedDrop(f"not where files are dropped (an empty folder name): {DROP_KEYS}")
        if parts[:1] == ["uploads"]:
            if len(parts) != 4 or parts[3] != "source":
                raise RejectedDrop("not an upload key: uploads go to uploads/<org>/<batch>/source")
            try:
                return self.batches.get(parts[1], parts[2])
            except NotFound:
                raise RejectedDrop("no batch awaits an upload at this key") from None
        if parts[:1] == ["drop"]:
            if len(parts) == 3:
                return self._dropped(obj, parts[1], parts[2], None)
            if len(parts) == 5 and parts[2] == USERS and USER_ID.fullmatch(parts[3]):
                return self._dropped(obj, parts[1], parts[4], parts[3])
            raise RejectedDrop(f"not where files are dropped: {DROP_KEYS}")
        raise RejectedDrop("outside uploads/ and drop/")

    def _dropped(self, obj: UploadedObject, process_id: str, file_name: str, user_id: str | None) -> Batch:
        try:
            process = self.processes.find(process_id)
        except NotFound:
            raise RejectedDrop("no process with the id this key names") from None
        entropy = digest_entropy(obj.bucket, obj.key, obj.version_id)
        now = now_iso()
        batch = Batch(
            id=time_sortable_id(obj.event_time, entropy),
            org_id=process.org_id,
            process_id=process.id,
            process_name=process.name,
            name=PurePosixPath(file_name).stem or file_name,
            file_name=file_name,
            source_key=obj.key,
            source_version=obj.version_id,
            created_by=user_id or DROP_SENDER,
            dropped_by=obj.principal,
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
                aws.client("s3").download_file(
                    obj.bucket, obj.key, str(path), ExtraArgs={"VersionId": obj.version_id}
                )
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


_SECOND_FILE = (
    "the batch already has its file (a pre-signed upload is used once): create a new batch for this one"
)


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
