"""One PDF from the parts :class:`dispatch.letters.layout.LetterPdf` wrote, streamed to a sink.

A bundle is rendered a chunk at a time (one part per chunk, in parallel), then merged here in
chunk order. The merge never holds more than one part: each part's objects are renumbered and
written through as they are read, and only the byte offsets (for the cross-reference table) and
the page references (for the page tree) are kept. The parts are fpdf2's own output, whose shape is
known — a classic cross-reference table, a catalog naming one page tree, dictionaries that hold
references but no text (titles and bodies are in the compressed content streams) — so a
reference is rewritten by pattern in an object's dictionary and its stream is copied untouched. A
part of any other shape is refused, not guessed at.
"""

from __future__ import annotations

import re
from typing import Protocol

_REFERENCE = re.compile(rb"(\d+) 0 R")
_ROOT = re.compile(rb"/Root (\d+) 0 R")
_INFO = re.compile(rb"/Info (\d+) 0 R")
_PAGES = re.compile(rb"/Pages (\d+) 0 R")
_KIDS = re.compile(rb"/Kids \[([^\]]*)\]")
_MEDIA_BOX = re.compile(rb"/MediaBox \[[^\]]*\]")
HEADER = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
PAGES, CATALOG = 1, 2  # the merged file's page tree and catalog: written last, numbered first


class Sink(Protocol):
    def write(self, data: bytes, /) -> int: ...


class PartError(ValueError):
    """A part that is not an fpdf2 PDF of the expected shape."""


class PdfMerger:
    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self._offset = 0
        self._offsets: dict[int, int] = {}
        self._next = CATALOG + 1
        self._kids: list[int] = []
        self._media_box: bytes | None = None
        self._write(HEADER)

    @property
    def pages(self) -> int:
        return len(self._kids)

    def add(self, part: bytes) -> int:
        """Append a part's pages; how many."""
        objects = _objects(part)
        trailer = part[part.rfind(b"trailer") :]
        root, info = _number(_ROOT, trailer), _INFO.search(trailer)
        pages = _number(_PAGES, objects[root])
        tree = objects[pages]
        kids = [int(kid) for kid in _REFERENCE.findall(_match(_KIDS, tree).group(1))]
        self._media_box = self._media_box or _match(_MEDIA_BOX, tree).group(0)
        dropped = {root, pages} | ({int(info.group(1))} if info else set())
        renumbered = {
            number: self._next + index for index, number in enumerate(n for n in objects if n not in dropped)
        }
        renumbered[pages] = PAGES
        self._next += len(objects) - len(dropped)

        def reference(match: re.Match[bytes]) -> bytes:
            old = int(match.group(1))
            if old not in renumbered:
                raise PartError(f"a reference to object {old}, which the part does not have")
            return b"%d 0 R" % renumbered[old]

        for number, body in objects.items():
            if number in dropped:
                continue
            head, marker, stream = body.partition(b"stream\n")
            self._object(renumbered[number], _REFERENCE.sub(reference, head) + marker + stream)
        self._kids.extend(renumbered[kid] for kid in kids)
        return len(kids)

    def close(self) -> None:
        """The page tree, the catalog, the cross-reference table and the trailer."""
        kids = b" ".join(b"%d 0 R" % kid for kid in self._kids)
        media_box = self._media_box or b"/MediaBox [0 0 595.28 841.89]"
        self._object(
            PAGES,
            b"<<\n/Type /Pages\n/Kids [" + kids + b"]\n/Count %d\n" % len(self._kids) + media_box + b"\n>>",
        )
        self._object(CATALOG, b"<<\n/Type /Catalog\n/Pages %d 0 R\n>>" % PAGES)
        start = self._offset
        size = self._next
        table = [b"xref\n0 %d\n0000000000 65535 f \n" % size]
        table.extend(b"%010d 00000 n \n" % self._offsets[number] for number in range(1, size))
        self._write(b"".join(table))
        self._write(
            b"trailer\n<<\n/Size %d\n/Root %d 0 R\n>>\nstartxref\n%d\n%%%%EOF\n" % (size, CATALOG, start)
        )

    def _object(self, number: int, body: bytes) -> None:
        self._offsets[number] = self._offset
        self._write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    def _write(self, data: bytes) -> None:
        self._sink.write(data)
        self._offset += len(data)


def _objects(part: bytes) -> dict[int, bytes]:
    """Each object's body (between ``n 0 obj`` and its ``endobj``), by number, found by the
    part's cross-reference table (never by searching, which binary streams could fool)."""
    if not part.startswith(b"%PDF-"):
        raise PartError("not a PDF")
    try:
        table = int(part[part.rfind(b"startxref") + len(b"startxref") :].split()[0])
        lines = part[table:].split(b"\n")
        count = int(lines[1].split()[1])
        offsets = sorted(
            (int(lines[2 + number][:10]), number)
            for number in range(1, count)
            if lines[2 + number][17:18] == b"n"
        )
    except (ValueError, IndexError) as exc:
        raise PartError("no cross-reference table") from exc
    objects = {}
    for index, (offset, number) in enumerate(offsets):
        end = offsets[index + 1][0] if index + 1 < len(offsets) else table
        header = b"%d 0 obj\n" % number
        body = part[offset:end].rstrip()
        if not body.startswith(header) or not body.endswith(b"endobj"):
            raise PartError(f"object {number} is not where the cross-reference table says")
        objects[number] = body[len(header) : -len(b"endobj")].rstrip(b"\n")
    return objects


def _match(pattern: re.Pattern[bytes], data: bytes) -> re.Match[bytes]:
    found = pattern.search(data)
    if found is None:
        raise PartError(f"no {pattern.pattern!r} where the part should have one")
    return found


def _number(pattern: re.Pattern[bytes], data: bytes) -> int:
    return int(_match(pattern, data).group(1))
