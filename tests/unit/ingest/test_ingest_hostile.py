"""PRODUCT §2.10: hostile files end in a clear outcome, in bounded time and memory.

Each named attack runs in a child interpreter so its peak RSS can be read (ru_maxrss) and held under 512 MB.
Gigabyte-sized content is streamed to disk, or compressed once and repeated, never built in memory.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_files import (
    MAIN,
    Isolated,
    Repeated,
    cell,
    date_styles,
    row,
    sheet,
    validate,
    validate_isolated,
    workbook_parts,
    write_zip,
)

from dispatch.ingest.zip_guard import MAX_ENTRIES

MAX_RSS_MB = 512
GB_1_5 = 1536  # MiB


def _bounded(outcome: Isolated, seconds: float = 20) -> None:
    assert outcome.peak_rss_mb < MAX_RSS_MB, outcome
    assert outcome.seconds < seconds, outcome


def _workbook_with_sheet(path: Path, sheet_part: str | Repeated, **options: object) -> Path:
    parts = workbook_parts([("S", "visible", "")], **options)  # type: ignore[arg-type]
    parts["xl/worksheets/sheet1.xml"] = sheet_part
    return write_zip(path, parts)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]>"
)


def _unescaped_sheet(text: str) -> str:
    """A sheet, without its XML declaration, whose one cell holds ``text`` as raw XML."""
    body = sheet(row(1, '<c r="A1" t="inlineStr"><is><t>' + text + "</t></is></c>"))
    return body.removeprefix('<?xml version="1.0"?>')


@pytest.mark.parametrize("where", ["sheet", "shared-strings"])
def test_xml_entity_bomb_is_refused(tmp_path: Path, where: str) -> None:
    bomb = BILLION_LAUGHS + _unescaped_sheet("&lol9;")
    if where == "sheet":
        path = _workbook_with_sheet(tmp_path / "bomb.xlsx", bomb)
    else:
        shared = f'{BILLION_LAUGHS}<sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>'
        path = _workbook_with_sheet(
            tmp_path / "bomb.xlsx", sheet(row(1, cell("A1", 0, kind="s"))), shared_strings_xml=shared
        )
    outcome = validate_isolated(path)
    assert outcome.outcome == "rejected"
    assert outcome.reason == "the workbook contains a document type declaration, which workbooks never need"
    _bounded(outcome, seconds=5)


def test_external_entities_are_refused(tmp_path: Path) -> None:
    doctype = '<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    xxe = doctype + _unescaped_sheet("&x;")
    outcome = validate_isolated(_workbook_with_sheet(tmp_path / "xxe.xlsx", xxe))
    assert outcome.reason == "the workbook contains a document type declaration, which workbooks never need"


def test_zip_bomb_in_a_workbook_is_refused(tmp_path: Path) -> None:
    header = sheet(row(1, cell("A1", "email"))).encode()
    start, end = header.split(b"</sheetData>")
    bomb = Repeated(start, b" " * 2**20, 3072, b"</sheetData>" + end)  # 3 GiB of whitespace in ~3 MB
    path = _workbook_with_sheet(tmp_path / "bomb.xlsx", bomb)
    assert path.stat().st_size < 10 * 2**20
    outcome = validate_isolated(path)
    assert (
        outcome.reason
        == "the workbook part xl/worksheets/sheet1.xml expands more than 100 times: it looks like a zip bomb"
    )
    _bounded(outcome, seconds=10)


def test_expansion_is_capped_across_all_parts_whatever_the_ratio(tmp_path: Path) -> None:
    header = sheet(row(1, cell("A1", "email"))).encode()
    start, end = header.split(b"</sheetData>")
    path = _workbook_with_sheet(
        tmp_path / "big.xlsx", Repeated(start, b" " * 2**20, 64, b"</sheetData>" + end)
    )
    outcome = validate_isolated(path, max_inflate_ratio=10**9, max_expanded_bytes=32 * 2**20)
    assert outcome.reason == "the workbook expands to more than 32 MB of data"


def test_a_workbook_of_too_many_parts_is_refused(tmp_path: Path) -> None:
    parts = workbook_parts([("S", "visible", sheet(row(1, cell("A1", "email"))))])
    parts.update({f"xl/media/pad{index}.bin": "" for index in range(MAX_ENTRIES)})
    outcome = validate_isolated(write_zip(tmp_path / "many.xlsx", parts))
    assert outcome.reason == f"the workbook has more than {MAX_ENTRIES:,} parts: it cannot be read safely"


def _giant_cell_sheet() -> Repeated:
    start = (
        f'<?xml version="1.0"?><worksheet xmlns="{MAIN}"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>note</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>a@example.com</t></is></c><c r="B2" t="inlineStr"><is><t>'
    ).encode()
    return Repeated(start, b"x" * 2**20, GB_1_5, b"</t></is></c></row></sheetData></worksheet>")


def test_a_1_5_gb_cell_in_a_workbook_is_refused_without_holding_it(tmp_path: Path) -> None:
    path = _workbook_with_sheet(tmp_path / "cell.xlsx", _giant_cell_sheet())
    assert path.stat().st_size < 20 * 2**20
    outcome = validate_isolated(path)  # the cell's length stops it long before the inflate ratio would
    assert outcome.reason == "the workbook has a cell longer than 131,072 characters"
    _bounded(outcome, seconds=10)


def test_a_1_5_gb_cell_in_a_csv_is_refused_without_holding_it(tmp_path: Path) -> None:
    path = tmp_path / "cell.csv"
    block = b"x" * 2**20
    with path.open("wb") as out:
        out.write(b"email,note\na@example.com,")
        for _ in range(GB_1_5):
            out.write(block)
        out.write(b"\n")
    outcome = validate_isolated(path, max_bytes=2 * 2**30)  # past the size limit, to reach the reader
    assert outcome.reason == "line 2 is longer than 1,048,576 characters: it cannot be a row"
    _bounded(outcome, seconds=30)
    path.unlink()


def test_a_50_mb_csv_field_on_one_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "field.csv"
    path.write_bytes(b'email,note\na@example.com,"' + b"y" * (50 * 2**20) + b'"\n')
    outcome = validate_isolated(path)
    assert outcome.reason == "line 2 is longer than 1,048,576 characters: it cannot be a row"
    _bounded(outcome, seconds=10)


def test_a_50_mb_quoted_csv_field_over_many_lines_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "field.csv"
    path.write_bytes(b'email,note\na@example.com,"' + (b"z" * 99 + b"\n") * (512 * 1024) + b'"\n')
    outcome = validate_isolated(path)
    assert outcome.reason == "line 2: a value is longer than 131,072 characters (is a quote left open?)"
    _bounded(outcome, seconds=10)


def test_an_unclosed_quote_is_reported_where_it_starts(tmp_path: Path) -> None:
    path = tmp_path / "quote.csv"
    path.write_text('email,note\na@example.com,fine\nb@example.com,"never closed\nc@example.com,x\n')
    outcome = validate_isolated(path)
    assert outcome.reason == 'line 3: a quoted value is never closed (a " is missing)'


def test_deeply_malformed_quoting_ends_in_a_clear_outcome(tmp_path: Path) -> None:
    generator = random.Random(3)
    pieces = ['"', '""', ",", "\n", "a", "@", "x.com", " ", '"\n"', ",,"]
    path = tmp_path / "mess.csv"
    with path.open("w") as out:
        out.write("email,note\n")
        for _ in range(40):
            out.write("".join(generator.choice(pieces) for _ in range(50_000)))
    outcome = validate_isolated(path)
    assert outcome.outcome == "rejected"
    assert outcome.reason is not None
    _bounded(outcome, seconds=15)


def _small_workbook(path: Path) -> bytes:
    rows = [row(1, cell("A1", "email"), cell("B1", "first_name"), cell("C1", "note"))]
    rows += [
        row(n, cell(f"A{n}", f"p{n}@example.com"), cell(f"B{n}", n), cell(f"C{n}", 1.5, style=1))
        for n in range(2, 30)
    ]
    parts = workbook_parts(
        [("S", "visible", sheet(*rows))], shared_strings=["email", "x"], styles_xml=date_styles(0, 14)
    )
    return write_zip(path, parts).read_bytes()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=12))
def test_a_corrupted_workbook_never_escapes_as_an_exception(
    tmp_path: Path, flips: list[tuple[int, int]]
) -> None:
    data = bytearray(_small_workbook(tmp_path / "base.xlsx"))
    for position, value in flips:
        data[position % len(data)] = value
    path = tmp_path / "corrupt.xlsx"
    path.write_bytes(bytes(data))
    outcome = validate(path)
    assert outcome.result.outcome in {"accepted", "rejected"}
    assert outcome.result.outcome == "accepted" or outcome.reason
