"""PRODUCT §7: agents bulk-imported from CSV/XLSX with the ingest's readers and normalisation."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from dispatch.assignment.agent_file import FILTER_SYNTAX, NO_AGENTS, read_agent_file
from dispatch.assignment.models import AgentInput, Filter
from dispatch.ingest.text_sniffing import NOT_TABULAR


def write_csv(path: Path, *lines: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def write_xlsx(path: Path, *rows: list[object]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def codes(path: Path) -> list[tuple[int, str | None, str]]:
    result = read_agent_file(path)
    assert result.rejected_reason is None
    return [(error.row, error.column, error.code) for error in result.errors]


def test_csv_with_every_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "agents.csv",
        "Email,Name,User ID,work-phone,WORK_EMAIL,available,groups,filter:region,Filter: amount",
        "Ann@Example.COM,Ann Lee,u-1,(201) 555-0123,ann.work@Example.com,no,sales; support,=north,100..500",
        "bob@example.com,Bob,,,,,,,",
    )
    result = read_agent_file(path)
    assert result.rejected_reason is None
    assert result.errors == []
    assert result.rows == 2
    assert result.agents == [
        (
            2,
            AgentInput(
                email="Ann@example.com",
                name="Ann Lee",
                user_id="u-1",
                work_phone="+12015550123",
                work_email="ann.work@example.com",
                available=False,
                groups=["sales", "support"],
                filters={"region": Filter(equals="north"), "amount": Filter(min=100, max=500)},
            ),
        ),
        (3, AgentInput(email="bob@example.com", name="Bob")),
    ]


def test_xlsx_numbers_are_read_as_their_text(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "agents.xlsx",
        ["email", "name", "user_id", "work_phone", "available", "filter:amount", "filter:due"],
        ["ann@example.com", "Ann", 123, 2015550123, True, 5, None],
        ["bob@example.com", "Bob", 456.0, 2015550124.0, False, 2.5, date(2025, 3, 1)],
    )
    result = read_agent_file(path)
    assert result.errors == []
    (_, ann), (_, bob) = result.agents
    assert (ann.user_id, ann.work_phone, ann.available) == ("123", "+12015550123", True)
    assert (bob.user_id, bob.work_phone, bob.available) == ("456", "+12015550124", False)
    # A number in a workbook's filter column is what Excel keeps of a typed =5: an equals.
    assert ann.filters == {"amount": Filter(equals=5)}
    assert bob.filters == {"amount": Filter(equals=2.5), "due": Filter(equals="2025-03-01")}


def test_workbook_named_csv_is_read_as_workbook(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "agents.csv", ["email", "name"], ["ann@example.com", "Ann"])
    assert [agent.email for _, agent in read_agent_file(path).agents] == ["ann@example.com"]


def test_workbook_formula_error_in_a_filter_says_how_to_type_it(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "agents.xlsx", ["email", "name", "filter:region"], ["a@example.com", "A", "#NAME?"]
    )
    result = read_agent_file(path)
    assert [(error.code, error.message) for error in result.errors] == [("invalid_filter", FILTER_SYNTAX)]


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        (codecs.BOM_UTF8 + "email,name\nzoe@example.com,Zoë Brontë\n".encode(), "utf-8-sig"),
        ("email,name\nzoe@example.com,Zoë Brontë\n".encode("cp1252"), "cp1252"),
    ],
    ids=["utf-8-bom", "cp1252"],
)
def test_encodings(tmp_path: Path, content: bytes, encoding: str) -> None:
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes(content)
    assert [agent.name for _, agent in read_agent_file(path).agents] == ["Zoë Brontë"]


def test_semicolon_delimiter_leaves_commas_to_groups(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "agents.csv", "email;name;groups", "ann@example.com;Ann;g1,g2,g1")
    assert [agent.groups for _, agent in read_agent_file(path).agents] == [["g1", "g2"]]


def test_blank_rows_are_skipped(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "agents.csv", "", "email,name", ",", "ann@example.com,Ann", "", " , ")
    result = read_agent_file(path)
    assert result.rows == 1
    assert [row for row, _ in result.agents] == [4]


def test_every_row_error_code(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "agents.csv",
        "email,name,user_id,work_phone,work_email,available,filter:region,",
        "ann@example.com,Ann,,,,,,",  # 2 accepted
        ",Nameless,,,,,,",  # 3
        "cy@example.com,,,,,,,",  # 4
        "not-an-email,Dee,,,,,,",  # 5
        "eve@example.com,Eve,,12,,,,",  # 6
        "fay@example.com,Fay,,,fay@,,,",  # 7
        "gus@example.com,Gus,,,,maybe,,",  # 8
        "hal@example.com,Hal,,,,,north,",  # 9
        f"ivy@example.com,{'x' * 201},,,,,,",  # 10: longer than AgentInput allows
        f"jay@example.com,Jay,{'u' * 129},,,,,",  # 11
        "kim@example.com,Kim,,,,,,stray",  # 12
        "ANN@example.com,Ann again,,,,,,",  # 13
    )
    assert codes(path) == [
        (3, "email", "missing_required"),
        (4, "name", "missing_required"),
        (5, "email", "invalid_email"),
        (6, "work_phone", "invalid_phone"),
        (7, "work_email", "invalid_email"),
        (8, "available", "invalid_value"),
        (9, "filter:region", "invalid_filter"),
        (10, "name", "invalid_value"),
        (11, "user_id", "invalid_value"),
        (12, None, "extra_values"),
        (13, "email", "duplicate_agent"),
    ]
    errors = read_agent_file(path).errors
    assert errors[7].message == "String should have at most 200 characters"
    assert all("Traceback" not in error.message for error in errors)


def test_row_with_several_errors_reports_each_and_is_not_kept(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "agents.csv", "email,name,work_phone", "bad,,12")
    result = read_agent_file(path)
    assert result.agents == []
    assert [(error.column, error.code) for error in result.errors] == [
        ("name", "missing_required"),
        ("email", "invalid_email"),
        ("work_phone", "invalid_phone"),
    ]


def test_duplicate_is_the_later_row_and_only_of_accepted_rows(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "agents.csv",
        "email,name,work_phone",
        "ann@example.com,Ann,12",  # 2 rejected: not an agent, so not a duplicate source
        "ann@example.com,Ann,",  # 3 accepted
        "Ann@Example.com,Ann,",  # 4 duplicate of 3
    )
    result = read_agent_file(path)
    assert [row for row, _ in result.agents] == [3]
    assert [(error.row, error.code) for error in result.errors] == [
        (2, "invalid_phone"),
        (4, "duplicate_agent"),
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=north", Filter(equals="north")),
        ("= 42", Filter(equals=42)),
        ("=TRUE", Filter(equals=True)),
        ("=02134", Filter(equals="02134")),
        ("in:CA|NY| 7 |", Filter.model_validate({"in": ["CA", "NY", 7]})),
        ("IN:a", Filter.model_validate({"in": ["a"]})),
        ("10..20.5", Filter(min=10, max=20.5)),
        ("-5..", Filter(min=-5)),
        ("..2025-12-31", Filter(max="2025-12-31")),
        ("2025-01-01..2025-12-31", Filter(min="2025-01-01", max="2025-12-31")),
    ],
)
def test_filters_of_each_kind(tmp_path: Path, cell: str, expected: Filter) -> None:
    path = write_csv(tmp_path / "agents.csv", "email\tname\tfilter:Region", f"a@example.com\tA\t{cell}")
    result = read_agent_file(path)
    assert result.errors == []
    assert result.agents[0][1].filters == {"Region": expected}


@pytest.mark.parametrize("cell", ["north", "=", "in:", "in:|", "..", "1..z", "#NAME?"])
def test_bad_filter_syntax(tmp_path: Path, cell: str) -> None:
    path = write_csv(tmp_path / "agents.csv", "email\tname\tfilter:region", f"a@example.com\tA\t{cell}")
    assert codes(path) == [(2, "filter:region", "invalid_filter")]


@pytest.mark.parametrize("cell", ["=1e200", "in:1|123456789012345678901234567890123456789", "1e-200..5"])
def test_a_filter_number_that_cannot_be_stored_is_a_row_error_with_the_reason(
    tmp_path: Path, cell: str
) -> None:
    path = write_csv(tmp_path / "agents.csv", "email\tname\tfilter:amount", f"a@example.com\tA\t{cell}")
    result = read_agent_file(path)
    assert [(error.column, error.code) for error in result.errors] == [("filter:amount", "invalid_filter")]
    assert "store" in result.errors[0].message
    assert result.agents == []


def test_a_workbook_filter_number_that_cannot_be_stored_is_a_row_error(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "agents.xlsx", ["email", "name", "filter:amount"], ["a@example.com", "A", 1e200]
    )
    result = read_agent_file(path)
    assert [(error.column, error.code, error.message) for error in result.errors] == [
        ("filter:amount", "invalid_filter", "too large to store (at most 9.99…E+125)")
    ]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (
            "email,name,team,Shift",
            "unknown columns: team, Shift (an agents file has the columns email, name, user_id, "
            "work_phone, work_email, available, groups and filter:<field>)",
        ),
        ("email,name,filter:", "unknown columns: filter:"),
        ("name,groups", "missing required column: email"),
        ("user_id", "missing required columns: email, name"),
        ("email,name,EMAIL", "duplicate columns: EMAIL"),
        ("email,name,filter:region,Filter: Region", "duplicate columns: Filter: Region"),
    ],
)
def test_header_that_is_not_an_agents_file_is_rejected(tmp_path: Path, header: str, reason: str) -> None:
    path = write_csv(tmp_path / "agents.csv", header, "a@example.com,A,x,y")
    result = read_agent_file(path)
    assert result.rejected_reason is not None
    assert result.rejected_reason.startswith(reason)
    assert (result.agents, result.errors, result.rows) == ([], [], 0)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", NO_AGENTS),
        (b"email,name\n\n", NO_AGENTS),
        (b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", NOT_TABULAR),
    ],
    ids=["empty", "header-only", "pdf"],
)
def test_files_without_agents_are_rejected(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "agents.csv"
    path.write_bytes(content)
    assert read_agent_file(path).rejected_reason == reason


def test_too_many_rows(tmp_path: Path) -> None:
    rows = [f"agent{index}@example.com,Agent {index}" for index in range(4)]
    path = write_csv(tmp_path / "agents.csv", "email,name", *rows)
    assert read_agent_file(path, max_rows=4).rejected_reason is None
    result = read_agent_file(path, max_rows=3)
    assert result.rejected_reason == "the file has more than 3 data rows"
    assert result.agents == []


def test_too_large(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "agents.csv", "email,name", *[f"a{i}@example.com,{'A' * 300}" for i in range(4000)]
    )
    assert read_agent_file(path, max_bytes=1024 * 1024).rejected_reason == "the file is larger than 1 MB"


def test_default_phone_region(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "agents.csv", "email,name,work_phone", "a@example.com,A,020 7946 0958")
    assert read_agent_file(path, default_phone_region="gb").agents[0][1].work_phone == "+442079460958"
    with pytest.raises(ValueError, match="unknown phone region"):
        read_agent_file(path, default_phone_region="XX")
