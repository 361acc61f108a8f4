"""``dispatch validate FILE --process PROCESS.json [--region US]``: the validation Lambda's checks, offline.

For operators checking a file before they upload it, and for tests. It runs the same
``validate_file`` as the S3-triggered function and prints one JSON object (issue 3):
outcome, reason, format, encoding, delimiter, rows, auto_distribution_available, row_errors,
row_warnings. Exit status: 0 accepted, 1 rejected, 2 bad usage.

Row issues are spooled to temporary files while the file is validated and copied out at the
end, so a million-row file with an error on every row does not sit in memory.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError

from dispatch.ingest.models import Limits, RowIssue, Severity
from dispatch.ingest.phones import is_supported_region
from dispatch.ingest.validator import validate_file
from dispatch.processes.models import ProcessField, ProcessInput

EXIT_ACCEPTED = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
# Keys a stored process has beyond the POST /processes body; a PROCESS.json exported from the
# API may carry them, and they say nothing about the file.
_STORED_KEYS = frozenset({"id", "org_id", "state", "created_at", "created_by", "created_by_email"})


class UsageError(Exception):
    """The command was called wrongly; the message says how."""


def run(argv: list[str]) -> int:
    """Validate the file named in ``argv`` and print the outcome as JSON; return the exit status."""
    parser = _parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse has printed the usage and the error
        return EXIT_USAGE if exit_.code else EXIT_ACCEPTED
    try:
        fields = _process_fields(Path(arguments.process))
        region = arguments.region.upper()
        if not is_supported_region(region):
            raise UsageError(f"unknown phone region {arguments.region!r}: use an ISO 3166 code such as US")
        path = Path(arguments.file)
        if not path.is_file():
            raise UsageError(f"{arguments.file}: no such file")
    except UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"dispatch validate: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with _IssueSpool() as spool:
        result = validate_file(
            path,
            fields,
            region=region,
            limits=Limits(),
            on_accepted=lambda _row: None,
            on_issue=spool.add,
        )
        spool.write(result.as_dict(), sys.stdout)
    return EXIT_ACCEPTED if result.outcome == "accepted" else EXIT_REJECTED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispatch validate",
        description="Validate a recipients file (CSV or XLSX) against a process, as an upload would be.",
    )
    parser.add_argument("file", metavar="FILE", help="the recipients file")
    parser.add_argument(
        "--process", required=True, metavar="PROCESS.json", help="the process, as the body of POST /processes"
    )
    parser.add_argument(
        "--region", default="US", help="default phone region for numbers without a country code (default: US)"
    )
    return parser


def _process_fields(path: Path) -> list[ProcessField]:
    try:
        body: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise UsageError(f"{path} must hold a JSON object, the body of POST /processes")
    try:
        process = ProcessInput.model_validate({k: v for k, v in body.items() if k not in _STORED_KEYS})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors())
        raise UsageError(f"{path} is not a valid process: {problems}") from exc
    return process.fields


class _IssueSpool:
    """Row errors and row warnings, each written as JSON lines to its own temporary file."""

    def __init__(self) -> None:
        self._errors: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        self._warnings: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def __enter__(self) -> _IssueSpool:
        return self

    def __exit__(self, *_: object) -> None:
        self._errors.close()
        self._warnings.close()

    def add(self, issue: RowIssue) -> None:
        spool = self._errors if issue.severity is Severity.error else self._warnings
        spool.write(json.dumps(issue.as_dict(), ensure_ascii=False) + "\n")

    def write(self, head: dict[str, object], out: IO[str]) -> None:
        """Print ``head`` with ``row_errors`` and ``row_warnings`` appended, as one JSON object."""
        out.write(json.dumps(head, ensure_ascii=False)[:-1])
        for key, spool in (("row_errors", self._errors), ("row_warnings", self._warnings)):
            out.write(f', "{key}": [')
            spool.seek(0)
            for index, line in enumerate(spool):
                out.write((", " if index else "") + line.rstrip("\n"))
            out.write("]")
        out.write("}\n")
