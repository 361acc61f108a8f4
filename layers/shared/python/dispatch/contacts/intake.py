"""A contacts file arriving at ``imports/<org>/<id>/source``: imported into its import.

Like a batch's upload, the first version of the key to arrive is the import's file; any other
version (the pre-signed POST used again), an import key of no import, or any other key under
``imports/`` is moved aside with its reason (:mod:`dispatch.batches.rejections`). A repeated event
for a version already imported does nothing; one for an import that stopped mid-way (the
function died) imports the file again — every write is a whole contact keyed by its external id,
so a second run only rewrites the same contacts.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from dispatch import aws
from dispatch.batches.intake import UploadedObject
from dispatch.batches.rejections import reject
from dispatch.clock import now_iso
from dispatch.config import Settings
from dispatch.contacts.imports import ContactFileReader
from dispatch.contacts.imports_store import ImportStore, report_key
from dispatch.contacts.models import ContactImport, ImportStatus
from dispatch.contacts.store import ContactStore
from dispatch.errors import NotFound
from dispatch.ingest.models import Limits
from dispatch.ingest.report import ReportWriter
from dispatch.ingest.validator import too_large
from dispatch.observability import logger
from dispatch.organisations.store import OrganisationStore


@dataclass
class ContactImporter:
    settings: Settings
    imports: ImportStore
    contacts: ContactStore
    organisations: OrganisationStore

    def handle(self, obj: UploadedObject) -> ContactImport | None:
        parts = obj.key.split("/")
        if len(parts) != 4 or parts[3] != "source" or not all(parts):
            reject(obj.version, "not an import key: contacts files go to imports/<org>/<import>/source")
            return None
        org_id, import_id = parts[1], parts[2]
        try:
            job = self.imports.get(org_id, import_id)
        except NotFound:
            reject(obj.version, "no contact import awaits a file at this key")
            return None
        if not self.imports.claim(org_id, import_id, obj.version_id):
            job = self.imports.get(org_id, import_id)
            if job.source_version != obj.version_id:
                reject(obj.version, "the import already has its file: create a new import for this one")
                return None
            if job.status is not ImportStatus.importing:
                logger.info("import already done; repeated event ignored", import_id=import_id)
                return None
        try:
            return self._import(obj, org_id, import_id)
        except Exception as exc:
            logger.exception("contact import failed", import_id=import_id)
            return self.imports.finish(
                org_id,
                import_id,
                status=ImportStatus.invalid.value,
                status_reason=f"the import failed ({type(exc).__name__}); upload the file again",
                updated_at=now_iso(),
            )

    def _import(self, obj: UploadedObject, org_id: str, import_id: str) -> ContactImport:
        limits = Limits(max_bytes=self.settings.max_file_bytes)
        if obj.size > limits.max_bytes:
            return self.imports.finish(
                org_id,
                import_id,
                status=ImportStatus.invalid.value,
                status_reason=too_large(limits),
                updated_at=now_iso(),
            )
        region = self.organisations.get(org_id).default_phone_region
        report = ReportWriter()
        try:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "source"
                aws.client("s3").download_file(
                    obj.bucket, obj.key, str(path), ExtraArgs={"VersionId": obj.version_id}
                )
                reader = ContactFileReader(org_id, region, limits, self.contacts, report.add, now_iso())
                outcome = reader.run(path)
            key = None
            if outcome.rejected:
                key = report_key(import_id)
                report.upload(self.settings.bucket, key)
        finally:
            report.close()
        refused = outcome.rejected_reason is not None
        logger.info(
            "contacts imported",
            import_id=import_id,
            contacts_created=outcome.created,
            contacts_updated=outcome.updated,
            rows_rejected=outcome.rejected,
        )
        return self.imports.finish(
            org_id,
            import_id,
            status=(ImportStatus.invalid if refused else ImportStatus.done).value,
            status_reason=outcome.rejected_reason,
            rows=outcome.rows,
            created=outcome.created,
            updated=outcome.updated,
            rejected=outcome.rejected,
            attributes={name: kind.value for name, kind in outcome.attributes.items()},
            report_key=key,
            updated_at=now_iso(),
        )
