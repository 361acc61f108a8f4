"""PRODUCT §2.1-2.3: type by content, CSV dialect and encoding, empty files."""

from __future__ import annotations

import codecs
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest
from ingest_files import HEADER, validate, write_csv

from dispatch.ingest.readers import XLS_UNSUPPORTED
from dispatch.ingest.text_sniffing import NOT_TABULAR
from dispatch.ingest.validator import NO_RECIPIENTS
from dispatch.ingest.xlsx_reader import ODS_UNSUPPORTED

ROWS = [
    "Ann,Lee,ann@example.com,(201) 555-0123,12.50,2025-03-01,yes",
    "Émile,Zoë,emile@example.com,,7,2025-03-02,no",
]


def test_csv_named_xlsx_is_read_as_csv(tmp_path: Path) -> None:
    outcome = validate(write_csv(tmp_path / "list.xlsx", HEADER, *ROWS))
    assert outcome.result.format == "csv"
    assert outcome.result.rows.accepted == 2


def test_workbook_named_csv_is_read_as_workbook(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["first_name", "email"])
    book.active.append(["Ann", "ann@example.com"])
    book.save(tmp_path / "list.csv")
    outcome = validate(tmp_path / "list.csv")
    assert outcome.result.format == "xlsx"
    assert [row.email for row in outcome.accepted] == ["ann@example.com"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n", NOT_TABULAR),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", NOT_TABULAR),
        (b"GIF89a\x01\x00\x01\x00", NOT_TABULAR),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", NOT_TABULAR),
        (b"\x1f\x8b\x08\x00" + bytes(20), NOT_TABULAR),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), XLS_UNSUPPORTED),
        (random.Random(7).randbytes(4096), NOT_TABULAR),
        (b"first_name,email\n" + bytes(range(1, 32)) * 40, NOT_TABULAR),
    ],
    ids=["pdf", "png", "gif", "jpeg", "gzip", "xls", "random-bytes", "control-characters"],
)
def test_non_tabular_content_is_rejected(tmp_path: Path, content: bytes, reason: str) -> None:
    outcome = validate(_write(tmp_path / "recipients.csv", content))
    assert outcome.result.outcome == "rejected"
    assert outcome.reason == reason
    assert outcome.result.rows.data == 0


def test_zip_archive_that_is_not_a_workbook_is_rejected(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "files.xlsx", "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert validate(tmp_path / "files.xlsx").reason == NOT_TABULAR


def test_opendocument_spreadsheet_is_rejected_with_advice(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "list.ods", "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<office:document-content/>")
    assert validate(tmp_path / "list.ods").reason == ODS_UNSUPPORTED


def test_binary_junk_after_a_text_start_is_rejected(tmp_path: Path) -> None:
    text = (HEADER + "\n" + "\n".join(ROWS * 2000) + "\n").encode()
    assert len(text) > 64 * 1024  # beyond the sample that is sniffed
    outcome = validate(_write(tmp_path / "mixed.csv", text + bytes(range(256)) * 8))
    assert outcome.reason == NOT_TABULAR


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-be", "utf-16"),
        ("cp1252", "windows-1252"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, reported: str) -> None:
    content = (HEADER + "\r\n" + "\r\n".join(ROWS) + "\r\n").encode(encoding)
    if encoding == "utf-16-be":
        content = codecs.BOM_UTF16_BE + content
    outcome = validate(_write(tmp_path / "list.csv", content))
    assert outcome.result.encoding == reported
    assert [(row.values["first_name"], row.values["last_name"]) for row in outcome.accepted] == [
        ("Ann", "Lee"),
        ("Émile", "Zoë"),
    ]


def test_cp1252_is_detected_even_when_the_first_64_kib_are_ascii(tmp_path: Path) -> None:
    plain = "\n".join(f"Name{i},Last,user{i}@example.com,,1,2025-01-01,no" for i in range(3000))
    content = f"{HEADER}\n{plain}\nCafé,Zoë,late@example.com,,1,2025-01-01,no\n".encode("cp1252")
    outcome = validate(_write(tmp_path / "list.csv", content))
    assert outcome.result.encoding == "windows-1252"
    assert outcome.accepted[-1].values["first_name"] == "Café"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_detected(tmp_path: Path, delimiter: str) -> None:
    lines = [line.replace(",", delimiter) for line in [HEADER, *ROWS]]
    lines.append(delimiter.join(["Cy", '"Smith, Jr; | \tthe third"', "cy@example.com", "", "", "", ""]))
    outcome = validate(write_csv(tmp_path / "list.txt", *lines))
    assert outcome.result.delimiter == delimiter
    assert outcome.result.rows.accepted == 3
    assert outcome.accepted[-1].values["last_name"] == "Smith, Jr; | \tthe third"


def test_quoted_fields_with_newlines_keep_the_starting_line_number(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "list.csv",
        "first_name,last_name,email",
        'Ann,"Lee\nof the\nhill",ann@example.com',
        'Bob,"He said ""hi""",not-an-email',
        "Cy,Dee,cy@example.com",
    )
    outcome = validate(path)
    assert [row.row for row in outcome.accepted] == [2, 6]
    assert outcome.accepted[0].values["last_name"] == "Lee\nof the\nhill"
    assert outcome.codes == [(5, "no_channel")]
    assert outcome.warnings[0].row == 5


def test_old_mac_line_endings_are_lines(tmp_path: Path) -> None:
    content = b"first_name,email\rAnn,ann@example.com\rBob,bob@example.com\r"
    outcome = validate(_write(tmp_path / "list.csv", content))
    assert [row.row for row in outcome.accepted] == [2, 3]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\n\n\r\n",
        b" , ,\n,,\n",
        codecs.BOM_UTF8,
        (HEADER + "\n").encode(),
        (HEADER + "\n,,,\n\n").encode(),
    ],
    ids=["zero-bytes", "blank-lines", "blank-cells", "bom-only", "header-only", "header-and-blank-rows"],
)
def test_files_without_recipients_are_rejected(tmp_path: Path, content: bytes) -> None:
    outcome = validate(_write(tmp_path / "list.csv", content))
    assert outcome.result.outcome == "rejected"
    assert outcome.reason == NO_RECIPIENTS
    assert outcome.result.rows.data == 0


def test_workbook_without_data_rows_is_rejected(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["first_name", "email"])
    book.save(tmp_path / "list.xlsx")
    assert validate(tmp_path / "list.xlsx").reason == NO_RECIPIENTS


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path
