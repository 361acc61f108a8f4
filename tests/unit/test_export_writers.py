"""PRODUCT §4 Download: the streaming CSV/XLSX writers and the formula-injection rule they apply."""

from __future__ import annotations

import csv
import gc
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from dispatch.exports import writers
from dispatch.exports.writers import FORMATS, ExportFormat, open_writer
from dispatch.spreadsheet import neutralise, safe_cell

FULL_WIDTH = ("\uff1d", "\uff0b", "\uff0d", "\uff20")
ILLEGAL_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
SURROGATE = re.compile("[\ud800-\udfff]")


class ForwardOnlySink:
    """A sink that can only be written, like an upload or a socket: no seek, no tell."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)


def export(fmt: ExportFormat, rows: Sequence[Sequence[object]]) -> bytes:
    sink = ForwardOnlySink()
    writer = open_writer(fmt, sink)
    for row in rows:
        writer.write_row(row)
    writer.close()
    return sink.data


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def read_xlsx(data: bytes) -> list[list[list[Any]]]:
    """Every sheet's rows as values, read by openpyxl (empty cells as None)."""
    book = load_workbook(io.BytesIO(data))
    return [[[cell.value for cell in row] for row in sheet.iter_rows()] for sheet in book.worksheets]


def readable_as_formula(text: str) -> bool:
    """Excel's and LibreOffice's reading: a formula start first, or after leading whitespace."""
    stripped = text.lstrip()
    return text.startswith(("=", "+", "-", "@", "\t", "\r", "\n")) or stripped.startswith(
        ("=", "+", "-", "@", *FULL_WIDTH)
    )


ROWS: list[list[object]] = [
    ["name", "=HYPERLINK(x)", "amount", "count", "vip", "note", "status"],
    ["Ann", "+44 20 7946 0018", 12.5, -5, True, "a&b <c> \"d\" 'e'", "sent"],
    ["  @SUM(A1)", "-5", -0.25, 0, False, None, "\uff1d1+1"],
    ["Chloé", "\tcmd", 1e-7, 10**15 - 1, None, "line\r\nbreak", ""],
]


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "\t=1",
        "\tplain",
        "\rx",
        "\nx",
        "\x00x",
        "  =1+1",
        " \t @x",
        "\u3000=1",
        "\u200b=1",
        "\x01=1",
        *FULL_WIDTH,
        " \uff1d1",
    ],
)
def test_formula_starts_are_quoted(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["", " ", "Ann", "a=1", "1-2", "'=1", "ann@example.com", "\u00a0x"])
def test_other_text_is_left_alone(text: str) -> None:
    assert neutralise(text) == text


def test_any_invisible_character_before_a_formula_start_is_looked_through() -> None:
    """Whatever a reader trims (whitespace, controls, format characters), the rule sees past it."""
    invisible = [
        ch for ch in map(chr, range(0x110000)) if ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")
    ]
    assert [ch for ch in invisible if neutralise(ch + "=1") != "'" + ch + "=1"] == []
    assert neutralise("\u200f\u00ad @x") == "'\u200f\u00ad @x"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (-5, "-5"),
        (-2.5, "-2.5"),
        ("-5", "'-5"),
        (float("-inf"), "'-inf"),
        (float("nan"), "nan"),
    ],
)
def test_safe_cell_quotes_text_only(value: object, text: str) -> None:
    assert safe_cell(value) == text


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_round_trip_gives_the_neutralised_values() -> None:
    data = export("csv", ROWS)

    assert read_csv(data) == [[safe_cell(value) for value in row] for row in ROWS]
    assert data.count(b"\r\n") >= len(ROWS)
    assert read_csv(data)[1][:4] == ["Ann", "'+44 20 7946 0018", "12.5", "-5"]


def test_csv_reaches_the_sink_while_rows_are_written() -> None:
    """Flat memory: the writer hands bytes on in chunks instead of keeping the file."""
    sink = ForwardOnlySink()
    writer = open_writer("csv", sink)
    for number in range(20_000):
        writer.write_row([f"name {number}", number, "x" * 20])
    written_before_close = len(sink.data)
    writer.close()

    assert written_before_close > len(sink.data) - writers.CHUNK_CHARS * 4
    assert len(read_csv(sink.data)) == 20_000


def test_csv_lone_surrogate_is_written_as_a_question_mark() -> None:
    assert read_csv(export("csv", [["a\ud800b"]])) == [["a?b"]]


# --- XLSX ---------------------------------------------------------------------------------------


def test_xlsx_round_trip_keeps_values_and_types() -> None:
    data = export("xlsx", ROWS)

    book = load_workbook(io.BytesIO(data))
    [sheet] = book.worksheets
    rows = [list(row) for row in sheet.iter_rows()]
    assert [[cell.value for cell in row] for row in rows] == [
        ["name", "'=HYPERLINK(x)", "amount", "count", "vip", "note", "status"],
        ["Ann", "'+44 20 7946 0018", 12.5, -5, True, "a&b <c> \"d\" 'e'", "sent"],
        ["'  @SUM(A1)", "'-5", -0.25, 0, False, None, "'\uff1d1+1"],
        ["Chloé", "'\tcmd", 1e-7, 10**15 - 1, None, "line\r\nbreak", ""],
    ]
    assert [cell.data_type for cell in rows[1]] == ["s", "s", "n", "n", "b", "s", "s"]
    assert all(cell.font.b for cell in rows[0])
    assert not rows[1][0].font.b


def test_xlsx_streams_into_a_sink_that_cannot_seek() -> None:
    data = export("xlsx", ROWS)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert set(archive.namelist()) == {
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        }
        for info in archive.infolist():
            assert info.flag_bits & 0x08, "streamed: sizes in a data descriptor"
            assert info.compress_type == zipfile.ZIP_DEFLATED
    assert data[4:6] == b"\x14\x00", "version 2.0 local headers: no ZIP64 (see the writers' doc)"
    assert read_xlsx(data)[0][0][0] == "name"


def test_xlsx_has_no_formula_anywhere() -> None:
    data = export("xlsx", ROWS)

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r"<f[ >/]", sheet) is None
    book = load_workbook(io.BytesIO(data))
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)


def test_xlsx_numbers_excel_cannot_hold_exactly_are_text() -> None:
    [[_, row]] = read_xlsx(export("xlsx", [["a", "b", "c"], [10**15, -(10**16), float("inf")]]))
    assert row == ["1000000000000000", "'-10000000000000000", "inf"]


def test_xlsx_removes_characters_xml_forbids_before_neutralising() -> None:
    texts = ["a\x00b\x08c\x0bd\x1fe\ufffef\ud800g\tTAB\nLF\rCR", "\ud800=1", "\uffff @x"]
    [[_, row]] = read_xlsx(export("xlsx", [["a", "b", "c"], texts]))
    assert row == ["abcdefg\tTAB\nLF\rCR", "'=1", "' @x"]


def test_xlsx_cuts_strings_to_excels_cell_limit() -> None:
    long_text, emoji = "x" * 40_000, "\U0001f600" * 20_000  # 40,000 UTF-16 code units each
    [[_, row]] = read_xlsx(export("xlsx", [["a", "b", "c"], [long_text, emoji, "=" + "y" * 40_000]]))
    assert row[0] == "x" * 32_767
    assert row[1] == "\U0001f600" * 16_383, "whole characters only"
    assert row[2] == "'=" + "y" * 32_765


def test_xlsx_continues_on_new_sheets_past_the_row_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writers, "MAX_SHEET_ROWS", 4)  # the header and three rows a sheet
    header = ["n", "name"]
    rows = [[number, f"row {number}"] for number in range(10)]

    sheets = read_xlsx(export("xlsx", [header, *rows]))

    assert [len(sheet) for sheet in sheets] == [4, 4, 4, 2]
    assert all(sheet[0] == header for sheet in sheets)
    assert [row for sheet in sheets for row in sheet[1:]] == rows
    assert load_workbook(io.BytesIO(export("xlsx", [header, *rows]))).sheetnames == [
        "Sheet1",
        "Sheet2",
        "Sheet3",
        "Sheet4",
    ]


def test_xlsx_continues_on_new_sheets_before_a_part_needs_zip64(monkeypatch: pytest.MonkeyPatch) -> None:
    budget = 40_000
    monkeypatch.setattr(writers, "MAX_SHEET_BYTES", budget)
    rows = [[number, "é" * 100] for number in range(400)]

    data = export("xlsx", [["n", "text"], *rows])

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sizes = [info.file_size for info in archive.infolist() if info.filename.startswith("xl/worksheets/")]
    assert len(sizes) > 1
    assert max(sizes) <= budget
    sheets = read_xlsx(data)
    assert [row for sheet in sheets for row in sheet[1:]] == rows


def test_an_xlsx_writer_dropped_unfinished_writes_nothing_more() -> None:
    """A failed export drops its writer: zipfile's clean-up must not finish a zip in the sink."""
    sink = ForwardOnlySink()
    writer = open_writer("xlsx", sink)
    for number in range(10):
        writer.write_row(["n", number])
    written = len(sink.data)

    del writer
    gc.collect()

    assert len(sink.data) == written


def test_xlsx_of_no_rows_is_an_empty_workbook() -> None:
    assert read_xlsx(export("xlsx", [])) == [[]]
    assert read_xlsx(export("xlsx", [["only", "a", "header"]])) == [[["only", "a", "header"]]]


def test_xlsx_refuses_more_columns_than_excel_has() -> None:
    writer = open_writer("xlsx", ForwardOnlySink())
    with pytest.raises(ValueError, match="16384 columns"):
        writer.write_row(["x"] * 16_385)


def test_formats_name_content_type_and_extension() -> None:
    assert FORMATS["csv"].content_type == "text/csv; charset=utf-8"
    assert FORMATS["xlsx"].extension == "xlsx"
    assert FORMATS["xlsx"].content_type.endswith("spreadsheetml.sheet")


# --- the property -------------------------------------------------------------------------------

# What may stand before a formula start: blanks a reader trims, characters XML cannot carry.
ATTACKS = st.sampled_from(
    ["", " ", "  ", "\t", "\r", "\n", "\u3000", "\xa0", " \t", "\u200b", "\x01", "\ud800", "\ufffe"]
)
STARTS = st.sampled_from(["", "=", "+", "-", "@", "'", *FULL_WIDTH])
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())  # controls and lone surrogates too
TEXTS = st.one_of(
    st.text(ANY_CHARACTER, max_size=12),
    st.tuples(ATTACKS, STARTS, st.text(ANY_CHARACTER, max_size=8)).map("".join),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(TEXTS, min_size=1, max_size=4), min_size=1, max_size=4))
def test_no_exported_text_can_be_read_as_a_formula(rows: list[list[str]]) -> None:
    """Whatever the text, no cell reads as a formula in either format, and removing the added quote
    gives the original back (minus what XML cannot carry, or a surrogate CSV cannot encode)."""
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    data = export("xlsx", rows)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert re.search(r"<f[ >/]", archive.read("xl/worksheets/sheet1.xml").decode()) is None
    book = load_workbook(io.BytesIO(data))
    assert all(cell.data_type != "f" for row in book.active.iter_rows() for cell in row)

    exported = {
        "csv": (read_csv(export("csv", rows)), lambda text: SURROGATE.sub("?", text)),
        "xlsx": (read_xlsx(data)[0], lambda text: ILLEGAL_IN_XML.sub("", text)),
    }
    for fmt, (cells, expected) in exported.items():
        assert len(cells) == len(rows), fmt
        for got_row, row in zip(cells, rows, strict=True):
            for got, original in zip(got_row, row, strict=True):
                cell, seen = got or "", expected(original)
                assert not readable_as_formula(cell), (fmt, original, cell)
                assert cell in (seen, "'" + seen), (fmt, original, cell)
