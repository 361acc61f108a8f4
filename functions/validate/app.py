"""S3 ObjectCreated on uploads/ and drop/: validate the file and start the batch lifecycle; on
imports/: import the contacts file."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from dispatch import services
from dispatch.batches.intake import UploadedObject
from dispatch.clock import parse_iso
from dispatch.contacts.imports_store import IMPORTS
from dispatch.observability import logger, metrics, tracer


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_source(data_class=S3Event)
def lambda_handler(event: S3Event, context: LambdaContext) -> dict[str, Any]:
    intake = services.intake()
    handled = []
    imported = []
    for record in event.records:
        s3_object = record.s3.get_object
        if not s3_object.version_id:
            # Without it the announced file cannot be told from a later write of the same key.
            raise ValueError("the S3 event names no object version: the bucket must have versioning on")
        obj = UploadedObject(
            bucket=record.s3.bucket.name,
            key=unquote_plus(s3_object.key),  # S3 sends keys URL-encoded
            version_id=s3_object.version_id,
            size=s3_object.size or 0,
            event_time=parse_iso(record.event_time),
            principal=(record.get("userIdentity") or {}).get("principalId"),
        )
        if obj.key.startswith(IMPORTS):
            job = services.contact_importer().handle(obj)
            if job is not None:
                imported.append({"import_id": job.id, "status": job.status.value})
            continue
        batch = intake.handle(obj)
        if batch is not None:
            handled.append({"batch_id": batch.id, "status": batch.status.value})
    return {"batches": handled, "imports": imported}
