"""Pre-signed, expiring upload forms for files the API is about to receive (recipients, contacts).

The file goes straight to the bucket, never through the API: a pre-signed POST to one key that
accepts a file of 1 byte up to ``max_file_bytes`` until ``upload_url_ttl_seconds`` have passed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from dispatch import aws
from dispatch.clock import isoformat
from dispatch.config import Settings
from dispatch.models import Model


class Upload(Model):
    """A pre-signed POST: the form ``fields``, then the file as ``file``."""

    method: Literal["POST"]
    url: str
    fields: dict[str, str]
    expires_at: str
    max_bytes: int


def upload_form(settings: Settings, key: str, moment: datetime) -> Upload:
    """A form that uploads one file to ``key``, valid from ``moment`` for the upload TTL."""
    ttl = settings.upload_url_ttl_seconds
    post = aws.client("s3").generate_presigned_post(
        Bucket=settings.bucket,
        Key=key,
        Conditions=[["content-length-range", 1, settings.max_file_bytes]],
        ExpiresIn=ttl,
    )
    return Upload(
        method="POST",
        url=post["url"],
        fields=post["fields"],
        expires_at=isoformat(moment + timedelta(seconds=ttl)),
        max_bytes=settings.max_file_bytes,
    )
