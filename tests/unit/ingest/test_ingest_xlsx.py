"""XLSX specifics: Excel's own types, cached formula values, the first visible sheet, row numbers."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
from ingest_files import cell, date_styles, row, sheet, validate, workbook_parts, write_workbook, write_zip

from dispatch.ingest.models import Limits
from dispatch.processes.models import FieldType, ProcessField

FIELDS = [
    ProcessField(name="first_name"),
    ProcessField(name="email"),
    ProcessField(name="phone"),
    ProcessField(name="amount", type=FieldType.number),
    ProcessField(name="due_date", type=FieldType.date),
    ProcessField(name="vip", type=FieldType.boolean),
    ProcessField(name="note"),
]
HEADER = ["first_name", "email", "phone", "amount", "due_date", "vip", "note"]


def test_native_numbers_dates_and_booleans_are_honoured(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet_ = book.active
    sheet_.append(HEADER)
    sheet_.append(["Ann", "ann@example.com", 2015550123, 1234.5, date(2025, 3, 1), True, 0.1])
    sheet_.append(["Bob", "bob@example.com", 12015550124, 7, datetime(2025, 3, 2, 9, 30), False, 3])
    sheet_.append(["Cy", "cy@example.com", 447_911_123_456, "8", "2025-03-03", "yes", datetime(2025, 1, 1)])
    book.save(tmp_path / "typed.xlsx")
    outcome = validate(tmp_path / "typed.xlsx", FIELDS, region="US")
    assert [row.values for row in outcome.accepted] == [
        {
            "first_name": "Ann",
            "email": "ann@example.com",
            "phone": "+12015550123",
            "amount": 1234.5,
            "due_date": "2025-03-01",
            "vip": True,
            "note": "0.1",
        },
        {
            "first_name": "Bob",
            "email": "bob@example.com",
            "phone": "+12015550124",
            "amount": 7,
            "due_date": "2025-03-02T09:30:00",
            "vip": False,
            "note": "3",
        },
        {
            "first_name": "Cy",
            "email": "cy@example.com",
            "phone": "447911123456",
            "amount": 8,
            "due_date": "2025-03-03",
            "vip": True,
            "note": "2025-01-01",
        },
    ]
    assert [issue.code for issue in outcome.warnings] == ["invalid_phone"]  # not a US number: kept as written
    gb = validate(tmp_path / "typed.xlsx", FIELDS, region="GB")
    assert gb.accepted[2].phone == "+447911123456"  # a UK mobile typed as a number, read with the UK's code


def test_a_number_that_is_not_date_formatted_is_not_a_date(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "f.xlsx",
        [
            (
                "S",
                "visible",
                sheet(
                    row(1, cell("A1", "email"), cell("B1", "due_date")),
                    row(2, cell("A2", "a@example.com"), cell("B2", 45717)),
                    row(3, cell("A3", "b@example.com"), cell("B3", 45717, style=1)),
                    row(4, cell("A4", "c@example.com"), cell("B4", 45717.75, style=2)),
                    row(5, cell("A5", "d@example.com"), cell("B5", 0.5, style=3)),
                ),
            )
        ],
        styles_xml=date_styles(0, 14, 164, 20, custom={164: '[Red]dd/mm/yyyy\\ hh:mm;"text"'}),
    )
    outcome = validate(path, FIELDS)
    assert outcome.codes == [(2, "invalid_value:due_date"), (5, "invalid_value:due_date")]
    assert [row.values["due_date"] for row in outcome.accepted] == ["2025-03-01", "2025-03-01T18:00:00"]


def test_the_1904_date_system_is_honoured(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "f.xlsx",
        [
            (
                "S",
                "visible",
                sheet(
                    row(1, cell("A1", "email"), cell("B1", "due_date")),
                    row(2, cell("A2", "a@example.com"), cell("B2", 44255, style=1)),
                ),
            )
        ],
        styles_xml=date_styles(0, 14),
        date1904=True,
    )
    assert validate(path, FIELDS).accepted[0].values["due_date"] == "2025-03-01"


def test_formulas_are_never_evaluated_their_cached_value_is_used(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "f.xlsx",
        [
            (
                "S",
                "visible",
                sheet(
                    row(1, cell("A1", "email"), cell("B1", "amount"), cell("C1", "note")),
                    row(
                        2,
                        cell("A2", "a@example.com"),
                        '<c r="B2"><f>1+1</f><v>41</v></c>',
                        '<c r="C2" t="str"><f>HYPERLINK("http://x","y")&amp;A2</f><v>cached text</v></c>',
                    ),
                    row(
                        3,
                        cell("A3", "b@example.com"),
                        '<c r="B3"><f>1/0</f></c>',
                        '<c r="C3" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
                    ),
                ),
            )
        ],
    )
    outcome = validate(path, FIELDS)
    assert [(row.values["amount"], row.values["note"]) for row in outcome.accepted] == [
        (41, "cached text"),
        (None, "#DIV/0!"),
    ]


def test_the_first_visible_sheet_is_read(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "Lookup"
    hidden.sheet_state = "hidden"
    hidden.append(["unrelated", "columns"])
    very_hidden = book.create_sheet("Secret")
    very_hidden.sheet_state = "veryHidden"
    very_hidden.append(["other"])
    visible = book.create_sheet("Recipients")
    visible.append(["first_name", "email"])
    visible.append(["Ann", "ann@example.com"])
    book.create_sheet("Later").append(["later", "columns"])
    book.save(tmp_path / "f.xlsx")
    outcome = validate(tmp_path / "f.xlsx", FIELDS)
    assert outcome.result.outcome == "accepted"
    assert outcome.accepted[0].email == "ann@example.com"


def test_a_workbook_whose_sheets_are_all_hidden_is_rejected(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "f.xlsx", [("S", "hidden", sheet(row(1, cell("A1", "email"))))])
    assert validate(path, FIELDS).reason == "the workbook has no visible sheet"


def test_row_numbers_are_the_sheet_rows_and_skipped_rows_are_blank(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "f.xlsx",
        [
            (
                "S",
                "visible",
                sheet(
                    row(3, cell("B3", "email"), cell("C3", "first_name")),
                    row(4, cell("B4", "a@example.com")),
                    row(5, cell("B5", None, style=0)),  # formatted but empty
                    row(9, cell("C9", "no address")),
                    row(10, cell("B10", "b@example.com"), cell("D10", "beyond the header")),
                ),
            )
        ],
    )
    outcome = validate(path, FIELDS)
    assert [row.row for row in outcome.accepted] == [4]
    assert outcome.codes == [(9, "no_channel"), (10, "extra_values")]
    assert outcome.result.rows.blank == 4  # row 5, and rows 6-8 that the sheet leaves out


def test_shared_strings_rich_text_and_namespace_prefixes(tmp_path: Path) -> None:
    shared = (
        '<x:sst xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<x:si><x:t>email</x:t></x:si><x:si><x:t>first_name</x:t></x:si>"
        "<x:si><x:r><x:t>An</x:t></x:r><x:r><x:rPr/><x:t>n</x:t></x:r><x:rPh><x:t>アン</x:t></x:rPh></x:si>"
        '<x:si><x:t xml:space="preserve"> ann@example.com </x:t></x:si></x:sst>'
    )
    path = write_workbook(
        tmp_path / "f.xlsx",
        [
            (
                "S",
                "visible",
                sheet(
                    row(1, cell("A1", 0, kind="s"), cell("B1", 1, kind="s")),
                    row(2, cell("A2", 3, kind="s"), cell("B2", 2, kind="s")),
                    prefix="x",
                ),
            )
        ],
        shared_strings_xml=shared,
    )
    outcome = validate(path, FIELDS)
    assert [(row.email, row.values["first_name"]) for row in outcome.accepted] == [("ann@example.com", "Ann")]


def test_cells_without_references_follow_each_other(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "f.xlsx",
        [
            (
                "S",
                "visible",
                sheet(
                    '<row><c t="inlineStr"><is><t>email</t></is></c>'
                    '<c t="inlineStr"><is><t>amount</t></is></c></row>',
                    '<row><c t="inlineStr"><is><t>a@example.com</t></is></c><c><v>5</v></c></row>',
                ),
            )
        ],
    )
    outcome = validate(path, FIELDS)
    assert [(row.row, row.values["amount"]) for row in outcome.accepted] == [(2, 5)]


def test_a_long_cell_is_a_row_error_in_a_workbook_too(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "f.xlsx",
        [
            (
                "S",
                "visible",
                sheet(
                    row(1, cell("A1", "email"), cell("B1", "note")),
                    row(2, cell("A2", "a@example.com"), cell("B2", "y" * 4001)),
                    row(3, cell("A3", "b@example.com"), cell("B3", "y" * 4000)),
                ),
            )
        ],
    )
    outcome = validate(path, FIELDS, limits=Limits())
    assert outcome.codes == [(2, "value_too_long:note")]
    assert outcome.result.rows.accepted == 1


def test_damaged_workbooks_are_rejected_clearly(tmp_path: Path) -> None:
    broken_xml = write_workbook(tmp_path / "a.xlsx", [("S", "visible", "<worksheet><sheetData><row>")])
    bad_reference = write_workbook(
        tmp_path / "b.xlsx", [("S", "visible", sheet(row(1, cell("A1!", "email"))))]
    )
    bad_string = write_workbook(
        tmp_path / "c.xlsx",
        [("S", "visible", sheet(row(1, cell("A1", 7, kind="s"))))],
        shared_strings=["email"],
    )
    truncated = tmp_path / "d.xlsx"
    truncated.write_bytes(broken_xml.read_bytes()[:200])
    parts = workbook_parts([("S", "visible", sheet(row(1, cell("A1", "email"))))])
    del parts["xl/worksheets/sheet1.xml"]
    missing_sheet = write_zip(tmp_path / "e.xlsx", parts)
    for path in (broken_xml, bad_reference, bad_string, truncated, missing_sheet):
        reason = validate(path, FIELDS).reason
        assert reason is not None
        assert reason.startswith("the workbook is damaged or encrypted and cannot be read"), reason


def test_a_stored_number_dynamodb_cannot_hold_is_a_row_error(tmp_path: Path) -> None:
    fields = [ProcessField(name="email"), ProcessField(name="amount", type=FieldType.number)]
    worksheet = sheet(
        row(1, cell("A1", "email"), cell("B1", "amount")),
        row(2, cell("A2", "a@example.com"), cell("B2", "1E+300", kind="n")),
        row(3, cell("A3", "b@example.com"), cell("B3", "2.5E-200", kind="n")),
        row(4, cell("A4", "c@example.com"), cell("B4", "1E+100", kind="n")),
    )
    outcome = validate(write_workbook(tmp_path / "n.xlsx", [("Sheet1", "visible", worksheet)]), fields)
    assert outcome.codes == [(2, "invalid_value:amount"), (3, "invalid_value:amount")]
    assert outcome.errors[0].message == "too large to store (at most 9.99…E+125)"
    assert [row.values["amount"] for row in outcome.accepted] == [1e100]
