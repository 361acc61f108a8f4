"""PRODUCT §2.4-2.5: the header row, channel columns and auto distribution."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_files import validate, write_csv

from dispatch.ingest.header import NO_CHANNEL_COLUMN, NO_EMAIL_COLUMN
from dispatch.ingest.models import Limits
from dispatch.processes.models import FieldType, ProcessField

FIELDS = [
    ProcessField(name="first_name", required=True),
    ProcessField(name="Last Name"),
    ProcessField(name="email"),
    ProcessField(name="emails"),
    ProcessField(name="phone"),
    ProcessField(name="phone_number"),
    ProcessField(name="mobile", type=FieldType.phone),
]


def test_header_is_the_first_non_blank_row_and_names_are_trimmed_and_case_folded(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv", "", ",,", "  FIRST_NAME , last-name ,Email", "Ann,Lee,ann@example.com"
    )
    outcome = validate(path, FIELDS)
    assert outcome.result.columns == ["first_name", "Last Name", "email"]
    assert outcome.accepted[0].row == 4
    assert outcome.accepted[0].values["Last Name"] == "Lee"
    assert outcome.result.rows.blank == 0  # blank rows before the header are not data


def test_trailing_empty_header_cells_are_not_columns(tmp_path: Path) -> None:
    outcome = validate(write_csv(tmp_path / "f.csv", "first_name,email,,", "Ann,ann@example.com,,"), FIELDS)
    assert outcome.result.outcome == "accepted"


def test_unknown_columns_reject_the_file_naming_them(tmp_path: Path) -> None:
    outcome = validate(
        write_csv(tmp_path / "f.csv", "first_name,email,Policy No,Agent", "Ann,a@b.co,1,2"), FIELDS
    )
    assert outcome.reason == "the file belongs to a different process: unknown columns Policy No, Agent"


def test_duplicate_columns_reject_the_file_naming_them(tmp_path: Path) -> None:
    outcome = validate(write_csv(tmp_path / "f.csv", "first_name,Email,email ", "Ann,a@b.co,c@d.co"), FIELDS)
    assert outcome.reason == "duplicate columns: Email, email"


def test_columns_that_differ_only_by_separator_are_duplicates(tmp_path: Path) -> None:
    outcome = validate(
        write_csv(tmp_path / "f.csv", "first_name,phone number,Phone_Number,email", "A,1,2,a@b.co"), FIELDS
    )
    assert outcome.reason == "duplicate columns: phone number, Phone_Number"


def test_missing_required_column_names_the_field(tmp_path: Path) -> None:
    fields = [*FIELDS, ProcessField(name="policy", required=True)]
    outcome = validate(write_csv(tmp_path / "f.csv", "email,Last Name", "a@b.co,Lee"), fields)
    assert outcome.reason == "missing required columns: first_name, policy"


def test_header_without_email_or_phone_column_is_rejected(tmp_path: Path) -> None:
    outcome = validate(write_csv(tmp_path / "f.csv", "first_name,last name", "Ann,Lee"), FIELDS)
    assert outcome.reason == NO_CHANNEL_COLUMN


def test_a_column_without_a_name_may_stay_empty_but_holds_no_values(tmp_path: Path) -> None:
    outcome = validate(
        write_csv(tmp_path / "f.csv", ",first_name,,email", ",Ann,,a@b.co", ",Bob,x,b@b.co"), FIELDS
    )
    assert [row.row for row in outcome.accepted] == [2]
    assert outcome.codes == [(3, "extra_values")]
    assert outcome.errors[0].message.startswith("column 3 has a value but no name in the header")


def test_more_columns_than_the_limit_reject_the_file(tmp_path: Path) -> None:
    header = ",".join(f"c{index}" for index in range(201))
    outcome = validate(write_csv(tmp_path / "f.csv", header, "x"), FIELDS)
    assert outcome.reason == "the file has 201 columns; at most 200 are allowed"
    narrow = validate(
        write_csv(tmp_path / "g.csv", "first_name,email", "A,a@b.co"), FIELDS, limits=Limits(max_columns=1)
    )
    assert narrow.reason == "the file has 2 columns; at most 1 are allowed"


@pytest.mark.parametrize("name", ["email", "Emails", " EMAIL "])
def test_email_column_names_enable_auto_distribution(tmp_path: Path, name: str) -> None:
    outcome = validate(write_csv(tmp_path / "f.csv", f"first_name,{name}", "Ann,Ann@Example.COM"), FIELDS)
    assert outcome.result.auto_distribution_available is True
    assert outcome.result.auto_distribution_reason is None
    assert outcome.accepted[0].email == "ann@example.com"  # canonical (dispatch.emails)


@pytest.mark.parametrize("name", ["phone", "Phone Number", "phone-number", "PHONE_NUMBER", "Mobile"])
def test_phone_column_names_without_email_turn_auto_distribution_off(tmp_path: Path, name: str) -> None:
    outcome = validate(write_csv(tmp_path / "f.csv", f"first_name,{name}", "Ann,(201) 555-0123"), FIELDS)
    assert outcome.accepted[0].phone == "+12015550123"
    assert outcome.result.auto_distribution_available is False
    assert outcome.result.auto_distribution_reason == NO_EMAIL_COLUMN


def test_a_later_channel_column_is_used_when_the_first_is_unusable(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", "first_name,phone,mobile", "Ann,12,(201) 555-0199")
    outcome = validate(path, FIELDS)
    assert outcome.accepted[0].phone == "+12015550199"
    assert [issue.code for issue in outcome.warnings] == ["invalid_phone"]


def test_process_fields_absent_from_the_file_are_present_as_none(tmp_path: Path) -> None:
    outcome = validate(write_csv(tmp_path / "f.csv", "first_name,email", "Ann,a@b.co"), FIELDS)
    assert outcome.accepted[0].values == {
        "first_name": "Ann",
        "Last Name": None,
        "email": "a@b.co",
        "emails": None,
        "phone": None,
        "phone_number": None,
        "mobile": None,
    }
