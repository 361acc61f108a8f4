"""``dispatch validate FILE --process PROCESS.json [--region US]`` (issue 3)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ingest_files import HEADER, write_csv

from local.validate_command import run

PROCESS = {
    "id": "proc-1",
    "name": "Renewals",
    "link_base_url": "https://forms.example.com/renew",
    "fields": [
        {"name": "first_name", "type": "string", "required": True},
        {"name": "last_name", "type": "string"},
        {"name": "email", "type": "email"},
        {"name": "phone", "type": "phone"},
        {"name": "amount", "type": "number"},
        {"name": "due_date", "type": "date"},
        {"name": "vip", "type": "boolean"},
    ],
}


@pytest.fixture
def process_file(tmp_path: Path) -> Path:
    path = tmp_path / "process.json"
    path.write_text(json.dumps(PROCESS))
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    status = run(list(argv))
    return status, json.loads(capsys.readouterr().out)


def test_accepted_file_prints_the_outcome_and_exits_0(
    tmp_path: Path, process_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(
        tmp_path / "list.csv",
        HEADER.replace(",", ";"),
        "Ann;Lee;ann@example.com;020 7946 0958;1;2025-01-01;no",
        "Bob;;bob@;;abc;;",
        "Cy;;cy@example.com;;;;",
    )
    status, printed = _run(capsys, str(path), "--process", str(process_file), "--region", "gb")
    assert status == 0
    assert list(printed) == [
        "outcome",
        "reason",
        "format",
        "encoding",
        "delimiter",
        "rows",
        "auto_distribution_available",
        "row_errors",
        "row_warnings",
    ]
    assert printed["outcome"] == "accepted"
    assert printed["reason"] is None
    assert (printed["format"], printed["encoding"], printed["delimiter"]) == ("csv", "utf-8", ";")
    assert printed["rows"] == {"data": 3, "blank": 0, "accepted": 2, "rejected": 1}
    assert printed["auto_distribution_available"] is True
    assert printed["row_errors"] == [
        {
            "row": 3,
            "column": "amount",
            "code": "invalid_value:amount",
            "message": "not a number (write digits, with a point for decimals: 1234.56)",
            "value": "abc",
        },
        {
            "row": 3,
            "column": None,
            "code": "no_channel",
            "message": "the row has no usable email or phone",
            "value": None,
        },
    ]
    assert [(w["row"], w["code"], w["value"]) for w in printed["row_warnings"]] == [
        (3, "invalid_email", "bob@")
    ]


def test_a_file_with_no_accepted_row_is_rejected_with_its_row_errors(
    tmp_path: Path, process_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "list.csv", HEADER, "Ann,,,,,,", ",,b@example.com,,,,")
    status, printed = _run(capsys, str(path), "--process", str(process_file))
    assert status == 1
    assert printed["outcome"] == "rejected"
    assert printed["reason"] == "no row was accepted: every data row has an error"
    assert [(e["row"], e["code"]) for e in printed["row_errors"]] == [
        (2, "no_channel"),
        (3, "missing_required:first_name"),
    ]


def test_a_rejected_file_exits_1_with_the_reason(
    tmp_path: Path, process_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_csv(tmp_path / "list.xlsx", "first_name,email,policy", "Ann,a@example.com,1")
    status, printed = _run(capsys, str(path), "--process", str(process_file))
    assert status == 1
    assert printed["reason"] == "the file belongs to a different process: unknown columns policy"
    assert printed["row_errors"] == printed["row_warnings"] == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["list.csv"], "the following arguments are required: --process"),
        (["missing.csv", "--process", "process.json"], "missing.csv: no such file"),
        (["list.csv", "--process", "nowhere.json"], "No such file or directory"),
        (["list.csv", "--process", "not-json.json"], "is not JSON"),
        (["list.csv", "--process", "no-fields.json"], "is not a valid process: fields: Field required"),
        (["list.csv", "--process", "process.json", "--region", "XX"], "unknown phone region 'XX'"),
    ],
)
def test_bad_usage_exits_2(
    tmp_path: Path,
    process_file: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    arguments: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    write_csv(tmp_path / "list.csv", HEADER, "Ann,,a@example.com,,,,")
    (tmp_path / "not-json.json").write_text("{nope")
    (tmp_path / "no-fields.json").write_text(json.dumps({"name": "x", "link_base_url": "https://x.example"}))
    assert run(arguments) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
