"""Dropped and uploaded objects that become no batch: moved aside with their reason, counted.

Every object the bucket announces under ``uploads/`` or ``drop/`` ends as a batch or here, never
silently ignored: the exact version the event named is copied to
``rejected/<version id>/<original key>`` with the reason (and who wrote it) in its metadata, that
version is deleted from where it was dropped, and the ``RejectedDrops`` metric (alarmed in the
template) counts it. Deleting the one version, not the key, matters for a second upload to a
batch's key: the batch's own file becomes the key's current version again.

A repeated event for a version already moved finds it gone and does nothing. An object elsewhere
(the bucket does not announce those) is counted but left alone: it is the application's own.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.observability import logger, metrics

REJECTED_PREFIX = "rejected/"
METRIC = "RejectedDrops"
INCOMING = ("uploads/", "drop/", "imports/")  # the prefixes that notify the validation function
_GONE = {"NoSuchKey", "NoSuchVersion", "404"}


@dataclass(frozen=True, slots=True)
class DroppedVersion:
    """One version of a dropped object, as its event announced it."""

    bucket: str
    key: str
    version_id: str
    principal: str | None


class RejectedDrop(Exception):
    """The object becomes no batch; ``reason`` is kept with it for whoever looks for the file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def rejected_key(dropped: DroppedVersion) -> str:
    return f"{REJECTED_PREFIX}{dropped.version_id}/{dropped.key}"


def reject(dropped: DroppedVersion, reason: str) -> None:
    """Move the version aside with ``reason`` and count it (once, however often the event comes)."""
    prefix = dropped.key.split("/", 1)[0]
    if not dropped.key.startswith(INCOMING):
        logger.warning("object outside uploads/ and drop/ left alone", reason=reason, key_prefix=prefix)
        metrics.add_metric(name=METRIC, unit=MetricUnit.Count, value=1)
        return
    s3 = aws.client("s3")
    source = {"Bucket": dropped.bucket, "Key": dropped.key, "VersionId": dropped.version_id}
    metadata = {"reason": _ascii(reason)}
    if dropped.principal:
        metadata["dropped-by"] = _ascii(dropped.principal)
    try:
        # The managed copy: a single CopyObject, or a multipart copy past 5 GB.
        s3.copy(
            source,
            dropped.bucket,
            rejected_key(dropped),
            ExtraArgs={"Metadata": metadata, "MetadataDirective": "REPLACE"},
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _GONE:
            logger.info("rejected drop already moved aside", key_prefix=prefix)
            return
        raise
    s3.delete_object(**source)
    logger.warning("dropped object rejected", reason=reason, key_prefix=prefix)
    metrics.add_metric(name=METRIC, unit=MetricUnit.Count, value=1)


def _ascii(text: str) -> str:
    """S3 metadata travels in HTTP headers: US-ASCII only."""
    return text.encode("ascii", "backslashreplace").decode()
