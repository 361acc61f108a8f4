"""PRODUCT §2.6-2.9: row rules and codes, counting, row numbers and the row limit."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest_files import HEADER, validate, write_csv

from dispatch.ingest.models import Limits, Severity
from dispatch.ingest.validator import NO_ROW_ACCEPTED
from dispatch.processes.models import FieldType, ProcessField


def test_every_row_error_code(tmp_path: Path) -> None:
    long_name = "x" * 4001
    path = write_csv(
        tmp_path / "f.csv",
        HEADER,
        "Ann,Lee,ann@example.com,(201) 555-0123,12.50,2025-03-01,yes",  # 2 accepted
        ",Lee,bob@example.com,,,,",  # 3 missing_required:first_name
        "Cy,,cy@example.com,,twelve,,",  # 4 invalid_value:amount
        "Dee,,dee@example.com,,,03/04/2025,",  # 5 invalid_value:due_date
        "Eve,,eve@example.com,,,,maybe",  # 6 invalid_value:vip
        f"{long_name},,fay@example.com,,,,",  # 7 value_too_long:first_name
        "Gus,,,,,,",  # 8 no_channel
        "Hal,,ANN@example.com,,,,",  # 9 duplicate_recipient
        "Ivy,,ivy@example.com,,,,,extra",  # 10 extra_values
    )
    outcome = validate(path)
    assert outcome.codes == [
        (3, "missing_required:first_name"),
        (4, "invalid_value:amount"),
        (5, "invalid_value:due_date"),
        (6, "invalid_value:vip"),
        (7, "value_too_long:first_name"),
        (8, "no_channel"),
        (9, "duplicate_recipient"),
        (10, "extra_values"),
    ]
    assert outcome.result.rows.accepted == 1
    assert outcome.result.rows.rejected == 8
    issue = outcome.errors[1]
    assert (issue.column, issue.value) == ("amount", "twelve")
    assert outcome.errors[4].value == "x" * 100 + "…"


def test_invalid_email_or_phone_is_a_warning_and_the_other_channel_is_used(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        HEADER,
        "Ann,,ann@@example,(201) 555-0123,,,",
        "Bob,,bob@example.com,555,,,",
        "Cy,,cy@,12,,,",
    )
    outcome = validate(path)
    assert [(row.row, row.email, row.phone) for row in outcome.accepted] == [
        (2, None, "+12015550123"),
        (3, "bob@example.com", None),
    ]
    assert [(issue.row, issue.code, issue.severity) for issue in outcome.warnings] == [
        (2, "invalid_email", Severity.warning),
        (3, "invalid_phone", Severity.warning),
        (4, "invalid_email", Severity.warning),
        (4, "invalid_phone", Severity.warning),
    ]
    assert outcome.codes == [(4, "no_channel")]
    assert outcome.accepted[0].values["email"] == "ann@@example"  # kept as written, unusable


def test_invalid_address_in_a_required_channel_column_rejects_the_row(tmp_path: Path) -> None:
    fields = [ProcessField(name="email", required=True), ProcessField(name="phone")]
    outcome = validate(write_csv(tmp_path / "f.csv", "email,phone", "nope,(201) 555-0123"), fields)
    assert outcome.codes == [(2, "invalid_value:email")]
    assert outcome.warnings == []


def test_duplicates_use_email_and_phone_only_without_email(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv",
        HEADER,
        "A,,a@example.com,(201) 555-0123,,,",
        "B,,,(201) 555-0123,,,",  # phone seen only as part of an email row: not a duplicate
        "C,,,+1 201 555 0123,,,",  # same phone as row 3, no email: duplicate
        "D,,A@EXAMPLE.COM,,,,",  # same email, case aside: duplicate
        "E,,bad-email,2015550123,,,",  # email unusable, so the phone is the key: duplicate of row 3
    )
    outcome = validate(path)
    assert outcome.codes == [
        (4, "duplicate_recipient"),
        (5, "duplicate_recipient"),
        (6, "duplicate_recipient"),
    ]
    assert outcome.errors[0].value == "+12015550123"
    assert outcome.errors[1].column == "email"


def test_a_rejected_row_does_not_make_a_later_one_a_duplicate(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", HEADER, "A,,a@example.com,,oops,,", "A,,a@example.com,,1,,")
    outcome = validate(path)
    assert outcome.codes == [(2, "invalid_value:amount")]
    assert [row.row for row in outcome.accepted] == [3]


def test_typed_values_are_json_ready(tmp_path: Path) -> None:
    fields = [
        ProcessField(name="email"),
        ProcessField(name="n", type=FieldType.number),
        ProcessField(name="d", type=FieldType.date),
        ProcessField(name="b", type=FieldType.boolean),
        ProcessField(name="manager", type=FieldType.email),
        ProcessField(name="office", type=FieldType.phone),
    ]
    path = write_csv(
        tmp_path / "f.csv",
        "email,n,d,b,manager,office",
        "a@example.com,42,2025-03-01,Yes,Boss@Example.com,+44 20 7946 0958",
        'b@example.com,"1,234.5",2025-03-01T09:30:00,0,,',
        "c@example.com,-.5e3,2025-03-01 00:00:00,FALSE,,",
    )
    outcome = validate(path, fields)
    assert [row.values for row in outcome.accepted] == [
        {
            "email": "a@example.com",
            "n": 42,
            "d": "2025-03-01",
            "b": True,
            "manager": "boss@example.com",  # canonical, as every email is stored
            "office": "+442079460958",
        },
        {
            "email": "b@example.com",
            "n": 1234.5,
            "d": "2025-03-01T09:30:00",
            "b": False,
            "manager": None,
            "office": None,
        },
        {
            "email": "c@example.com",
            "n": -500.0,
            "d": "2025-03-01",
            "b": False,
            "manager": None,
            "office": None,
        },
    ]
    json.dumps([row.values for row in outcome.accepted])


def test_invalid_values_of_email_and_phone_typed_fields_are_row_errors(tmp_path: Path) -> None:
    fields = [
        ProcessField(name="email"),
        ProcessField(name="manager", type=FieldType.email),
        ProcessField(name="n", type=FieldType.number),
    ]
    path = write_csv(
        tmp_path / "f.csv", "email,manager,n", "a@example.com,boss,1e999", "b@example.com,,1_000"
    )
    outcome = validate(path, fields)
    assert outcome.codes == [(2, "invalid_value:manager"), (2, "invalid_value:n"), (3, "invalid_value:n")]


def test_numbers_dynamodb_cannot_store_are_row_errors_with_the_reason(tmp_path: Path) -> None:
    """More than 38 significant digits, or a magnitude beyond 1E-130..9.99E+125, would fail the
    card's write in generation: the row is rejected here, saying why."""
    fields = [ProcessField(name="email"), ProcessField(name="n", type=FieldType.number)]
    path = write_csv(
        tmp_path / "f.csv",
        "email,n",
        "a@example.com,123456789012345678901234567890123456789",  # 39 digits
        "b@example.com,1e200",
        "c@example.com,-1E-131",
        "d@example.com,0.123456789012345678901234567890123456789",
        'e@example.com,"123,456,789,012,345,678,901,234,567,890,123,456,789"',
        "f@example.com,1" + "0" * 50,  # one significant digit: storable
        "g@example.com,12345678901234567890123456789012345678",  # 38 digits
        "h@example.com,9.99E+125",
        "i@example.com,0.0",
    )
    outcome = validate(path, fields)
    assert outcome.codes == [(row, "invalid_value:n") for row in (2, 3, 4, 5, 6)]
    assert [issue.message for issue in outcome.errors] == [
        "has 39 significant digits; at most 38 can be stored exactly",
        "too large to store (at most 9.99…E+125)",
        "too close to zero to store (at least 1E-130, or 0)",
        "has 39 significant digits; at most 38 can be stored exactly",
        "has 39 significant digits; at most 38 can be stored exactly",
    ]
    assert [row.values["n"] for row in outcome.accepted] == [
        10**50,
        12345678901234567890123456789012345678,
        9.99e125,
        0.0,
    ]


def test_cells_are_trimmed(tmp_path: Path) -> None:
    outcome = validate(write_csv(tmp_path / "f.csv", HEADER, "  Ann  ,\tLee ,  ann@example.com ,,  7 ,,"))
    assert outcome.accepted[0].values["first_name"] == "Ann"
    assert outcome.accepted[0].values["last_name"] == "Lee"
    assert outcome.accepted[0].values["amount"] == 7


def test_blank_rows_between_rows_are_skipped_and_counted(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv", HEADER, "", "A,,a@example.com,,,,", " , ,,,,,", "", "B,,b@example.com,,,,", ""
    )
    outcome = validate(path)
    assert outcome.result.rows.blank == 4
    assert [row.row for row in outcome.accepted] == [3, 6]


def test_zero_accepted_rows_reject_the_file_with_its_row_errors(tmp_path: Path) -> None:
    outcome = validate(write_csv(tmp_path / "f.csv", HEADER, "A,,,,,,", ",,a@example.com,,,,"))
    assert outcome.result.outcome == "rejected"
    assert outcome.reason == NO_ROW_ACCEPTED
    assert outcome.codes == [(2, "no_channel"), (3, "missing_required:first_name")]


def test_more_data_rows_than_the_limit_reject_the_file(tmp_path: Path) -> None:
    rows = [f"N{i},,n{i}@example.com,,,," for i in range(6)]
    path = write_csv(tmp_path / "f.csv", HEADER, *rows[:3], "", *rows[3:5])
    assert validate(path, limits=Limits(max_rows=5)).result.outcome == "accepted"  # blank rows do not count
    path = write_csv(tmp_path / "g.csv", HEADER, *rows)
    outcome = validate(path, limits=Limits(max_rows=5))
    assert outcome.result.outcome == "rejected"
    assert outcome.reason == "the file has more than 5 data rows"


def test_files_over_the_size_limit_are_rejected_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(100 * 1024 * 1024 + 1)  # sparse: no disk, and never read
    outcome = validate(path)
    assert outcome.reason == "the file is larger than 100 MB"


CELL = st.text(alphabet=st.sampled_from(list('ab ,;"\n@.x1')), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=25))
def test_every_non_blank_row_ends_accepted_or_rejected_exactly_once(
    tmp_path: Path, rows: list[list[str]]
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER.split(","))
    starts = []
    line = 2
    for cells in rows:
        starts.append(line)
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerow(cells)
        buffer.write(text.getvalue())
        line += text.getvalue().count("\n")
    path = tmp_path / "f.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    outcome = validate(path)
    counts = outcome.result.rows
    non_blank = [
        start for start, cells in zip(starts, rows, strict=True) if any(cell.strip() for cell in cells)
    ]
    assert counts.data == len(non_blank) == counts.accepted + counts.rejected
    assert counts.blank == len(rows) - len(non_blank)
    rejected_rows = {issue.row for issue in outcome.errors}
    assert len(rejected_rows) == counts.rejected
    assert sorted([row.row for row in outcome.accepted] + sorted(rejected_rows)) == non_blank
