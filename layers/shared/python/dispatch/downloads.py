"""Pre-signed, expiring download links to objects in the bucket (reports, exports).

A link is signed with the API function's own credentials and expires after
``download_url_ttl_seconds``; asking again gives a fresh one.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from dispatch import aws
from dispatch.clock import isoformat, utcnow
from dispatch.config import Settings
from dispatch.models import Model


class DownloadLink(Model):
    url: str = Field(description="a pre-signed GET; ask again for a fresh one once it expires")
    expires_at: str


def download_link(settings: Settings, key: str, content_type: str, filename: str) -> DownloadLink:
    """A link to ``key``, downloaded as ``filename``."""
    ttl = settings.download_url_ttl_seconds
    url = aws.client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": settings.bucket,
            "Key": key,
            "ResponseContentType": content_type,
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
        },
        ExpiresIn=ttl,
    )
    return DownloadLink(url=url, expires_at=isoformat(utcnow() + timedelta(seconds=ttl)))
