"""A zip archive opened so that a zip bomb cannot get past it (PRODUCT §2.10).

A workbook is a zip of XML parts, and a zip's own size says little about what it holds. So:
- the number of entries is read from the end-of-central-directory record before ``zipfile``
  builds its table (a crafted directory of millions of entries would fill memory first);
- parts are inflated as a stream, counting what comes out, never trusting the sizes the
  archive declares: a part may not expand past ``max_inflate_ratio`` times its compressed size
  (Apache POI's rule, after a small allowance), and all parts together not past
  ``max_expanded_bytes``;
- the errors a damaged, encrypted or exotic archive raises become one clear FileRejected.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from dispatch.ingest.models import FileRejected, Limits

MAX_ENTRIES = 10_000
_CHUNK = 64 * 1024
_RATIO_ALLOWANCE = 8 * 1024 * 1024  # small parts compress extremely well and are harmless
_END_RECORD = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
DAMAGED = "the workbook is damaged or encrypted and cannot be read"
# What zipfile and zlib raise on a damaged, encrypted or unsupported archive (OSError: a seek to an
# offset the directory made up; UnicodeDecodeError: an entry name flagged UTF-8 that is not).
ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    NotImplementedError,
    RuntimeError,
    struct.error,
    OSError,
    UnicodeDecodeError,
)


class GuardedArchive:
    """Read-only access to the parts of a zip, inflated under the limits."""

    def __init__(self, path: Path, limits: Limits) -> None:
        _check_entry_count(path)
        try:
            self._zip = zipfile.ZipFile(path)
        except ARCHIVE_ERRORS as exc:
            raise FileRejected(DAMAGED) from exc
        self._entries = {info.filename: info for info in self._zip.infolist()}
        self._expanded = 0
        self._max_expanded = limits.max_expanded_bytes
        self._ratio = limits.max_inflate_ratio

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def close(self) -> None:
        self._zip.close()

    def stream(self, name: str) -> Iterator[bytes]:
        """The inflated bytes of part ``name``, in chunks; FileRejected past a limit or on damage."""
        info = self._entries.get(name)
        if info is None:
            raise FileRejected(f"{DAMAGED} ({name} is missing)")
        allowed = max(_RATIO_ALLOWANCE, self._ratio * info.compress_size)
        produced = 0
        try:
            with self._zip.open(info) as member:
                while chunk := member.read(_CHUNK):
                    produced += len(chunk)
                    self._expanded += len(chunk)
                    if produced > allowed:
                        raise FileRejected(
                            f"the workbook part {name} expands more than {self._ratio} times: "
                            "it looks like a zip bomb"
                        )
                    if self._expanded > self._max_expanded:
                        raise FileRejected(
                            f"the workbook expands to more than {self._max_expanded // 1024**2:,} MB of data"
                        )
                    yield chunk
        except ARCHIVE_ERRORS as exc:
            raise FileRejected(DAMAGED) from exc


def _check_entry_count(path: Path) -> None:
    """Refuse archives whose central directory lists more than MAX_ENTRIES entries."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        tail_size = min(size, _END_RECORD.size + 0xFFFF)  # the record, then a comment of up to 64 KiB
        handle.seek(size - tail_size)
        tail = handle.read(tail_size)
    position = tail.rfind(_END_SIGNATURE)
    if position < 0 or len(tail) - position < _END_RECORD.size:
        raise FileRejected(DAMAGED)
    entries = _END_RECORD.unpack_from(tail, position)[4]
    if entries > MAX_ENTRIES:  # 0xFFFF (a zip64 directory) lands here too: no workbook has that many parts
        raise FileRejected(f"the workbook has more than {MAX_ENTRIES:,} parts: it cannot be read safely")
