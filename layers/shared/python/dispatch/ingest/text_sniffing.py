"""How a text file is written: its encoding and its delimiter (PRODUCT §2.2).

Encodings, in order: a UTF-8 or UTF-16 byte-order mark decides; otherwise the whole file is read
once as UTF-8 (a cp1252 file is almost never valid UTF-8 by accident) and Windows-1252 is the
fallback. That pass is cheap next to validation, and it is the only way to know: a file can be
plain ASCII for 60,000 lines and then hold one "é" written by Excel in cp1252. The same pass
refuses NUL bytes, which no CSV contains and every binary format does.

The delimiter is read from the header line, which can hold none of the candidate characters
inside a column name (process field names are letters, digits, space, ``_`` and ``-``).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from dispatch.ingest.models import FileRejected

NOT_TABULAR = "not a CSV or Excel file"
DELIMITERS = (",", ";", "\t", "|")
_SCAN_CHUNK = 1024 * 1024
_FOLLOWING_LINES = 20
_CONTROL = {code: None for code in range(32) if chr(code) not in "\t\n\r"} | {0x7F: None}


@dataclass(frozen=True, slots=True)
class TextLayout:
    """The encoding (a Python codec name, also what reports show) and the delimiter of a text file."""

    encoding: str
    delimiter: str


def sniff_text(path: Path, head: bytes, *, complete: bool) -> TextLayout:
    """Encoding and delimiter of the text file at ``path``; ``head`` is its first bytes.

    ``complete`` tells whether ``head`` is the whole file (then its last line is not cut short).
    Raises FileRejected when the bytes are not text.
    """
    encoding = _encoding(path, head)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(head, final=complete)
    if "\x00" in text or _control_share(text) > 0.01:
        raise FileRejected(NOT_TABULAR)
    return TextLayout(encoding, _delimiter(text, complete=complete))


def _encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        _refuse_nul_bytes(path)
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8" if _whole_file_is_utf8(path) else "windows-1252"


def _whole_file_is_utf8(path: Path) -> bool:
    """Read the file once: False at the first byte sequence that is not UTF-8; NUL bytes refuse it."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    valid = True
    with path.open("rb") as handle:
        while chunk := handle.read(_SCAN_CHUNK):
            if b"\x00" in chunk:
                raise FileRejected(NOT_TABULAR)
            if valid:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    valid = False
    if valid:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            valid = False
    return valid


def _refuse_nul_bytes(path: Path) -> None:
    with path.open("rb") as handle:
        while chunk := handle.read(_SCAN_CHUNK):
            if b"\x00" in chunk:
                raise FileRejected(NOT_TABULAR)


def _control_share(text: str) -> float:
    if not text:
        return 0.0
    return (len(text) - len(text.translate(_CONTROL))) / len(text)


def _delimiter(text: str, *, complete: bool) -> str:
    """The candidate found most often in the header line; ties go to the one the next lines agree with."""
    lines = text.splitlines()
    if not complete and len(lines) > 1:
        lines.pop()  # cut short by the sample
    header = next((index for index, line in enumerate(lines) if any(ch.isalnum() for ch in line)), None)
    if header is None:
        return ","
    counts = {candidate: _count_unquoted(lines[header], candidate) for candidate in DELIMITERS}
    best = max(counts.values())
    if best == 0:
        return ","
    tied = [candidate for candidate in DELIMITERS if counts[candidate] == best]
    following = lines[header + 1 : header + 1 + _FOLLOWING_LINES]
    return max(
        tied, key=lambda candidate: sum(_count_unquoted(line, candidate) == best for line in following)
    )


def _count_unquoted(line: str, delimiter: str) -> int:
    """How often ``delimiter`` occurs outside double quotes in ``line``."""
    return sum(part.count(delimiter) for part in line.split('"')[::2])
