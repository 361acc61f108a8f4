"""A write-only binary sink that uploads to S3 while it is written: an export never sits whole in
memory or on the function's small disk.

Bytes are collected into parts of ``part_size`` (S3 takes parts of at least 5 MiB, bar the last)
and each full part is uploaded at once, so at most one part is held. A file smaller than one part
(an empty one included) is a single ``put_object``: a multipart upload cannot be empty, and one
request is cheaper. Used as a context manager, the sink completes the upload when the block ends
and aborts it when the block raises, so a failed export leaves neither an object nor a dangling
upload (whose parts S3 would bill until a lifecycle rule removed them).
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any
from urllib.parse import quote

MIN_PART_SIZE = 5 * 1024 * 1024
DEFAULT_PART_SIZE = 8 * 1024 * 1024


class MultipartSink:
    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        content_type: str,
        filename: str,
        *,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        """``client`` is a boto3 S3 client; ``filename`` is what a browser saves the download as."""
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"S3 parts are at least {MIN_PART_SIZE} bytes, not {part_size}")
        self._client = client
        self._object = {"Bucket": bucket, "Key": key}
        self._headers = {"ContentType": content_type, "ContentDisposition": _attachment(filename)}
        self._part_size = part_size
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._done = False

    @property
    def buffered(self) -> int:
        """Bytes held, not yet uploaded: always less than one part."""
        return len(self._buffer)

    def write(self, data: bytes, /) -> int:
        if self._done:
            raise ValueError("write to a closed MultipartSink")
        view = memoryview(data)
        while len(self._buffer) + len(view) >= self._part_size:
            take = self._part_size - len(self._buffer)
            self._buffer += view[:take]
            view = view[take:]
            self._upload_part()
        self._buffer += view
        return len(data)

    def flush(self) -> None:
        """Nothing to force: a part is uploaded when it is full, the rest by ``close``."""

    def close(self) -> None:
        """Upload what is left and complete the object (once; later calls do nothing)."""
        if self._done:
            return
        if self._upload_id is None:
            self._client.put_object(**self._object, **self._headers, Body=bytes(self._buffer))
        else:
            try:
                if self._buffer:
                    self._upload_part()
                self._client.complete_multipart_upload(
                    **self._object, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
                )
            except BaseException:
                self.abort()
                raise
        self._finish()

    def abort(self) -> None:
        """Drop the upload and its parts; nothing is created."""
        if self._done:
            return
        if self._upload_id is not None:
            self._client.abort_multipart_upload(**self._object, UploadId=self._upload_id)
        self._finish()

    def __enter__(self) -> MultipartSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def _upload_part(self) -> None:
        if self._upload_id is None:
            created = self._client.create_multipart_upload(**self._object, **self._headers)
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        answer = self._client.upload_part(
            **self._object, UploadId=self._upload_id, PartNumber=number, Body=self._buffer
        )
        # The SDK may add a checksum to each part; completing must then repeat it.
        checksums = {name: value for name, value in answer.items() if name.startswith("Checksum")}
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"], **checksums})
        self._buffer = bytearray()

    def _finish(self) -> None:
        self._done = True
        self._buffer = bytearray()


def _attachment(filename: str) -> str:
    """A Content-Disposition for ``filename`` (RFC 6266). S3 keeps header values in ASCII, so a
    name that is not plain ASCII gets an ASCII fallback and its exact form encoded (RFC 8187)."""
    fallback = re.sub(r'[^\x20-\x7e]|["\\]', "_", filename)
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
