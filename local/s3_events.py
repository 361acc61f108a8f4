"""S3 event notifications as AWS sends them, where moto's leave fields out.

moto's ``ObjectCreated`` records carry no ``versionId``, no ``sequencer`` and no ``userIdentity``.
AWS sends them, and the validation function needs two: the exact version an event announces (it
reads that version, never the key's newest) and who wrote the object. ``install`` completes
moto's records:

- ``versionId``: the written version, when the bucket is versioned (AWS omits it otherwise);
- ``sequencer``: a hexadecimal value that grows with every write (AWS's orders writes of one key);
- ``userIdentity.principalId``: who wrote the object. AWS names the IAM principal
  (``AWS:AIDA…`` for a user, ``AWS:AROA…:<session>`` for a role); moto has no principals, so
  locally it is ``AWS:`` and the access key id that signed the request (``anonymous`` unsigned).
"""

from __future__ import annotations

import itertools
import re
import threading
from typing import Any

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_writer = threading.local()  # the principal of the S3 request this thread is serving
_sequence = itertools.count(1)
_installed = False


def install() -> None:
    """Idempotent, process-wide: moto's S3 notification records get the fields AWS sends."""
    global _installed  # noqa: PLW0603 - a process-wide patch, applied once
    if _installed:
        return
    from moto.s3 import notifications
    from moto.s3.responses import S3Response

    setup_class = S3Response.setup_class
    build = notifications._get_s3_event

    def remember_writer(self: Any, request: Any, full_url: str | None = None, headers: Any = None) -> None:
        setup_class(self, request, full_url, headers)
        _writer.principal = principal_of(dict(self.headers), self.querystring)

    def complete(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = build(event_name, bucket, key, notification_id)
        for record in event["Records"]:
            record["userIdentity"] = {"principalId": getattr(_writer, "principal", "anonymous")}
            obj = record["s3"]["object"]
            obj["sequencer"] = f"{next(_sequence):018X}"
            if bucket.is_versioned:
                obj["versionId"] = key.version_id
        return event

    setattr(S3Response, "setup_class", remember_writer)  # noqa: B010 - a patch
    setattr(notifications, "_get_s3_event", complete)  # noqa: B010
    _installed = True


def principal_of(headers: dict[str, str], query: dict[str, list[str]]) -> str:
    """``AWS:<access key id>`` of a signed request (header, pre-signed URL or POST form), else
    ``anonymous``."""
    found = _CREDENTIAL.search(headers.get("Authorization", "") or headers.get("authorization", ""))
    if found:
        return f"AWS:{found[1]}"
    for name in ("X-Amz-Credential", "x-amz-credential", "AWSAccessKeyId"):
        if query.get(name):
            return f"AWS:{query[name][0].split('/')[0]}"
    return "anonymous"
