"""Helpers for the ingest tests: a standard process, a validation run that keeps what it saw, and
workbooks written part by part (openpyxl cannot write cached formula values, foreign namespace
prefixes or hostile XML)."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from dispatch.ingest.models import AcceptedRow, Limits, RowIssue, Severity, ValidationResult
from dispatch.ingest.validator import validate_file
from dispatch.processes.models import FieldType, ProcessField

FIELDS = [
    ProcessField(name="first_name", required=True),
    ProcessField(name="last_name"),
    ProcessField(name="email", type=FieldType.email),
    ProcessField(name="phone", type=FieldType.phone),
    ProcessField(name="amount", type=FieldType.number),
    ProcessField(name="due_date", type=FieldType.date),
    ProcessField(name="vip", type=FieldType.boolean),
]
HEADER = "first_name,last_name,email,phone,amount,due_date,vip"


@dataclass
class Outcome:
    result: ValidationResult
    accepted: list[AcceptedRow] = field(default_factory=list)
    issues: list[RowIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[RowIssue]:
        return [issue for issue in self.issues if issue.severity is Severity.error]

    @property
    def warnings(self) -> list[RowIssue]:
        return [issue for issue in self.issues if issue.severity is Severity.warning]

    @property
    def codes(self) -> list[tuple[int, str]]:
        return [(issue.row, issue.code) for issue in self.errors]

    @property
    def reason(self) -> str | None:
        return self.result.reason


def validate(
    path: Path,
    fields: Sequence[ProcessField] = FIELDS,
    *,
    region: str = "US",
    limits: Limits | None = None,
) -> Outcome:
    accepted: list[AcceptedRow] = []
    issues: list[RowIssue] = []
    result = validate_file(
        path,
        fields,
        region=region,
        limits=limits or Limits(),
        on_accepted=accepted.append,
        on_issue=issues.append,
    )
    return Outcome(result, accepted, issues)


def write_csv(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


# --- workbooks, part by part --------------------------------------------------------------------

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"


def cell(reference: str, value: object = None, *, kind: str | None = None, style: int | None = None) -> str:
    """One ``<c>``: str values become inline strings unless ``kind`` says otherwise."""
    attributes = f' r="{reference}"'
    if style is not None:
        attributes += f' s="{style}"'
    if isinstance(value, str) and kind is None:
        return f'<c{attributes} t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    if kind is not None:
        attributes += f' t="{kind}"'
    if value is None:
        return f"<c{attributes}/>"
    return f"<c{attributes}><v>{escape(str(value))}</v></c>"


def row(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def sheet(*rows: str, prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    xmlns = f"xmlns:{prefix}" if prefix else "xmlns"
    body = "".join(rows)
    if prefix:
        body = body.replace("<row", f"<{p}row").replace("</row", f"</{p}row")
        body = body.replace("<c ", f"<{p}c ").replace("</c>", f"</{p}c>").replace("<v>", f"<{p}v>")
        body = body.replace("</v>", f"</{p}v>").replace("<is>", f"<{p}is>").replace("</is>", f"</{p}is>")
        body = body.replace("<t>", f"<{p}t>").replace("</t>", f"</{p}t>")
    data = f"<{p}sheetData>{body}</{p}sheetData>"
    return f'<?xml version="1.0"?><{p}worksheet {xmlns}="{MAIN}">{data}</{p}worksheet>'


def workbook_parts(
    sheets: Sequence[tuple[str, str, str]],
    *,
    shared_strings: Sequence[str] | None = None,
    shared_strings_xml: str | None = None,
    styles_xml: str | None = None,
    date1904: bool = False,
) -> dict[str, str | Repeated]:
    """The parts of a workbook of ``sheets`` (name, state, worksheet XML), by part name."""
    rels = [
        (f"rId{index + 1}", "worksheet", f"worksheets/sheet{index + 1}.xml") for index in range(len(sheets))
    ]
    if shared_strings is not None and shared_strings_xml is None:
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in shared_strings)
        shared_strings_xml = f'<sst xmlns="{MAIN}">{items}</sst>'
    parts: dict[str, str | Repeated] = {}
    if shared_strings_xml is not None:
        rels.append(("rIdS", "sharedStrings", "sharedStrings.xml"))
        parts["xl/sharedStrings.xml"] = shared_strings_xml
    if styles_xml is not None:
        rels.append(("rIdT", "styles", "styles.xml"))
        parts["xl/styles.xml"] = styles_xml
    entries = "".join(
        f'<sheet name="{name}" sheetId="{index + 1}" state="{state}" r:id="rId{index + 1}"/>'
        for index, (name, state, _) in enumerate(sheets)
    )
    properties = '<workbookPr date1904="1"/>' if date1904 else "<workbookPr/>"
    parts["[Content_Types].xml"] = '<?xml version="1.0"?><Types/>'
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="r1" '
        f'Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELS}">{properties}<sheets>{entries}</sheets></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PACKAGE_RELS}">'
        + "".join(f'<Relationship Id="{i}" Type="{RELS}/{t}" Target="{target}"/>' for i, t, target in rels)
        + "</Relationships>"
    )
    for index, (_, _, xml) in enumerate(sheets):
        parts[f"xl/worksheets/sheet{index + 1}.xml"] = xml
    return parts


def write_workbook(path: Path, sheets: Sequence[tuple[str, str, str]], **options: object) -> Path:
    """A workbook of ``sheets`` (name, state, worksheet XML); ``options`` as for workbook_parts."""
    return write_zip(path, workbook_parts(sheets, **options))  # type: ignore[arg-type]


def date_styles(*number_formats: int, custom: dict[int, str] | None = None) -> str:
    """styles.xml whose cellXfs hold ``number_formats`` in order (a cell's ``s`` indexes them)."""
    codes = "".join(
        f'<numFmt numFmtId="{i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
        for i, code in (custom or {}).items()
    )
    xfs = "".join(f'<xf numFmtId="{number}"/>' for number in number_formats)
    return (
        f'<styleSheet xmlns="{MAIN}"><numFmts>{codes}</numFmts>'
        f'<cellStyleXfs><xf numFmtId="14"/></cellStyleXfs><cellXfs>{xfs}</cellXfs></styleSheet>'
    )


@dataclass(frozen=True)
class Repeated:
    """A part made of ``prefix + filler * repeats + suffix``: gigabytes, never held in memory."""

    prefix: bytes
    filler: bytes
    repeats: int
    suffix: bytes


def write_zip(path: Path, parts: dict[str, str | Repeated]) -> Path:
    """A deflated zip of ``parts``, written record by record.

    A Repeated part's filler is compressed once and its output written ``repeats`` times (a full
    flush makes each copy byte-identical), so a 1.5 GB part costs a second and a few MB of disk.
    """
    directory = b""
    with path.open("wb") as out:
        for name, content in parts.items():
            part = content if isinstance(content, Repeated) else Repeated(content.encode(), b"", 0, b"")
            compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
            head = compressor.compress(part.prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
            block = (
                compressor.compress(part.filler) + compressor.flush(zlib.Z_FULL_FLUSH)
                if part.repeats
                else b""
            )
            tail = compressor.compress(part.suffix) + compressor.flush(zlib.Z_FINISH)
            crc = zlib.crc32(part.prefix)
            for _ in range(part.repeats):
                crc = zlib.crc32(part.filler, crc)
            crc = zlib.crc32(part.suffix, crc)
            size = len(part.prefix) + len(part.filler) * part.repeats + len(part.suffix)
            compressed = len(head) + len(block) * part.repeats + len(tail)
            encoded = name.encode()
            offset = out.tell()
            out.write(
                _LOCAL.pack(b"PK\x03\x04", 20, 0, 8, 0, 0, crc, compressed, size, len(encoded), 0) + encoded
            )
            out.write(head)
            for _ in range(part.repeats):
                out.write(block)
            out.write(tail)
            directory += (
                _CENTRAL.pack(
                    b"PK\x01\x02",
                    20,
                    20,
                    0,
                    8,
                    0,
                    0,
                    crc,
                    compressed,
                    size,
                    len(encoded),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + encoded
            )
        directory_at = out.tell()
        out.write(directory)
        out.write(_END.pack(b"PK\x05\x06", 0, 0, len(parts), len(parts), len(directory), directory_at, 0))
    return path


_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")


# --- validation in a child process, to measure its peak memory ----------------------------------

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from dispatch.ingest.models import Limits
from dispatch.ingest.validator import validate_file
from dispatch.processes.models import ProcessField

fields = [ProcessField(name="email"), ProcessField(name="first_name"), ProcessField(name="note")]
started = time.process_time()  # the work done: CPU time, which a busy machine does not stretch
result = validate_file(
    Path(sys.argv[1]), fields, region="US", limits=Limits(**json.loads(sys.argv[2])),
    on_accepted=lambda row: None, on_issue=lambda issue: None,
)
print(json.dumps({
    "outcome": result.outcome, "reason": result.reason, "rows": result.as_dict()["rows"],
    "seconds": time.process_time() - started,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


@dataclass(frozen=True)
class Isolated:
    outcome: str
    reason: str | None
    rows: dict[str, int]
    seconds: float
    peak_rss_mb: float


def validate_isolated(path: Path, **limits: int) -> Isolated:
    """Validate ``path`` (fields email, first_name, note) in a fresh interpreter; report its peak RSS."""
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), json.dumps(limits)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return Isolated(**json.loads(completed.stdout))
