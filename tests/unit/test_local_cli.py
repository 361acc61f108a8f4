"""The ``dispatch`` command line: port options wherever they are given, ``make up`` passing them,
and the commands finding the running stack's ports."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from local import cli

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "argv",
    [
        ["up", "--api-port", "3101", "--aws-port", "4601", "--console-port", "3102"],
        ["--api-port", "3101", "--aws-port", "4601", "--console-port", "3102", "up"],
        ["--api-port", "3101", "up", "--aws-port", "4601", "--console-port", "3102"],
        ["--console-port", "3102", "--api-port", "3101", "up", "--aws-port", "4601"],
    ],
)
def test_the_port_options_are_accepted_before_or_after_the_command(argv: list[str]) -> None:
    args = cli.parser().parse_args(argv)
    assert (args.command, args.api_port, args.aws_port, args.console_port) == ("up", 3101, 4601, 3102)


def test_make_up_passes_its_ports_to_the_command() -> None:
    printed = subprocess.run(
        ["make", "-n", "up", "API_PORT=3101", "AWS_PORT=4601", "CONSOLE_PORT=3102"],
        capture_output=True,
        check=True,
        text=True,
        cwd=ROOT,
    ).stdout.splitlines()
    [command] = [shlex.split(line) for line in printed if "dispatch up" in line]
    args = cli.parser().parse_args(command[command.index("up") :])
    assert (args.api_port, args.aws_port, args.console_port) == (3101, 4601, 3102)


class _Outbox(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps([{"served_by": self.server.server_address[1]}]).encode()  # type: ignore[index]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def running_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """A stand-in for a stack `dispatch up` started on other ports than the defaults: its record
    names this (live) process and the port of a server answering the local routes."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Outbox)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    record = tmp_path / "running.json"
    record.write_text(
        json.dumps({"pid": os.getpid(), "aws_port": 4999, "api_port": port, "console_port": 3998})
    )
    monkeypatch.setattr(cli, "RUNNING", record)
    yield port
    server.shutdown()
    server.server_close()


def test_info_and_outbox_use_the_running_stacks_ports(
    running_api: int, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["api"], info["aws"]) == (f"http://127.0.0.1:{running_api}", "http://127.0.0.1:4999")
    assert info["console"] == "http://127.0.0.1:3998"
    assert cli.main(["outbox", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"served_by": running_api}]
    assert cli.main(["info", "--api-port", "3333"]) == 0  # a port given wins
    assert json.loads(capsys.readouterr().out)["api"] == "http://127.0.0.1:3333"


def test_a_record_left_by_a_stack_that_is_gone_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "running.json"
    record.write_text(
        json.dumps({"pid": _exited_pid(), "aws_port": 4999, "api_port": 3999, "console_port": 3998})
    )
    monkeypatch.setattr(cli, "RUNNING", record)
    assert cli.main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["api"], info["aws"], info["console"]) == (
        "http://127.0.0.1:3000",
        "http://127.0.0.1:4566",
        "http://127.0.0.1:3001",
    )


def _exited_pid() -> int:
    """The pid of a process that has exited (and been reaped): no process has it now."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid
