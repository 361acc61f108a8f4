"""The ``dispatch`` command: operate the local stack (and validate files) from a terminal."""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import signal
import sys
import threading
import urllib.request
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from local import tokens
from local.clock import parse_duration
from local.stack import STATE_DIR, LocalStack

DEFAULT_PORTS = {"aws_port": 4566, "api_port": 3000, "console_port": 3001}
RUNNING = STATE_DIR / "running.json"  # the ports of the stack `dispatch up` serves, while it runs
# How long `dispatch up` may take to stop (its stack, then interpreter exit) before it prints every
# thread's stack to stderr and exits with status 1: a stop that hangs says where, instead of
# outliving its SIGTERM. Stopping waits at most 120 s for a running asynchronous invocation.
STOP_DEADLINE_SECONDS = 240


def _stack(args: argparse.Namespace, fallback: dict[str, int] | None = None) -> LocalStack:
    """The stack a command works with (not started): the ports given, else ``fallback``'s — by
    default the running stack's (``dispatch up`` records them), else the defaults."""
    known = fallback or _running() or DEFAULT_PORTS
    port: dict[str, int] = {name: getattr(args, name, known[name]) for name in DEFAULT_PORTS}
    return LocalStack(aws_port=port["aws_port"], api_port=port["api_port"], console_port=port["console_port"])


def _running() -> dict[str, int] | None:
    """The ports ``dispatch up`` recorded, if its process is still alive."""
    try:
        recorded = json.loads(RUNNING.read_text())
        os.kill(int(recorded["pid"]), 0)
        return {name: int(recorded[name]) for name in DEFAULT_PORTS}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _up(args: argparse.Namespace) -> int:
    stack = _stack(args, fallback=DEFAULT_PORTS)  # not the ports of a stack already up
    stack.start()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    ports = {name: getattr(stack, name) for name in DEFAULT_PORTS}
    RUNNING.write_text(json.dumps({"pid": os.getpid(), **ports}))
    stopped = threading.Event()
    # Before the line that tells a caller the stack is up: a SIGTERM sent as soon as it is read
    # must stop the stack cleanly, not kill the process with running.json left behind.
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    print(json.dumps(stack.info()), flush=True)
    print("local stack running; Ctrl-C to stop", file=sys.stderr, flush=True)
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        RUNNING.unlink(missing_ok=True)
        # Never cancelled: the interpreter's exit (joining worker threads) is covered too.
        faulthandler.dump_traceback_later(STOP_DEADLINE_SECONDS, exit=True)
        stack.stop()
    return 0


def _info(args: argparse.Namespace) -> int:
    print(json.dumps(_stack(args).info()))
    return 0


def _token(args: argparse.Namespace) -> int:
    print(tokens.issue(STATE_DIR, user=args.user, role=args.role, org=args.org))
    return 0


def _local_route(args: argparse.Namespace, path: str, body: Any = None) -> Any:
    """A local route of the running stack's API (``/_local/…``); None (and a message) without one."""
    port = _stack(args).api_port
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - a local URL
            return json.loads(response.read())
    except OSError as exc:
        print(f"no local stack on port {port} ({exc}); start one with `make up`", file=sys.stderr)
        return None


def _outbox(args: argparse.Namespace) -> int:
    messages = _local_route(args, "/_local/outbox")
    if messages is None:
        return 1
    if args.json:
        print(json.dumps(messages, indent=2))
        return 0
    for message in messages:
        what = message["subject"] if message["channel"] == "email" else message["body"]
        where = f"batch {message['batch_id']} card {message['card_id']}"
        print(f"{message['channel']:5} {message['recipient']:28} {where}")
        print(f"      {what}")
    print(f"{len(messages)} message(s)")
    return 0


def _schedules(args: argparse.Namespace) -> int:
    clock = _local_route(args, "/_local/clock")
    schedules = _local_route(args, "/_local/schedules") if clock is not None else None
    if schedules is None:
        return 1
    if args.json:
        print(json.dumps({"clock": clock, "schedules": schedules}, indent=2))
        return 0
    print(f"local clock {clock['now']} ({_ahead(clock)})")
    print(f"{'NAME':28} {'STATE':8} {'EXPRESSION':28} {'TIMEZONE':20} NEXT FIRE (local clock)")
    for row in schedules:
        expression, upcoming = row["expression"], row["next_fire"] or "-"
        print(f"{row['name']:28} {row['state']:8} {expression:28} {row['timezone']:20} {upcoming}")
    print(f"{len(schedules)} schedule(s)")
    return 0


def _clock(args: argparse.Namespace) -> int:
    if args.clock_command == "advance":
        try:
            delta = parse_duration(args.duration)
        except ValueError as exc:
            print(exc, file=sys.stderr)
            return 2
        clock = _local_route(args, "/_local/clock", {"advance_seconds": delta.total_seconds()})
    else:
        clock = _local_route(args, "/_local/clock")
    if clock is None:
        return 1
    fired = f"; {clock['fired']} scheduled run(s) fired" if args.clock_command == "advance" else ""
    print(f"local clock {clock['now']} ({_ahead(clock)}){fired}")
    return 0


def _ahead(clock: dict[str, Any]) -> str:
    return f"{timedelta(seconds=clock['offset_seconds'])} ahead of real time"


def _future_moment(text: str) -> datetime:
    """A moment the local clock can start at: aware, and later than now (it never goes back)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        example = "2030-01-15T07:00:00Z"
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time such as {example}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs an offset (Z or +hh:mm)")
    if moment <= datetime.now(UTC):
        raise argparse.ArgumentTypeError(f"{text!r} is in the past: the local clock only moves forward")
    return moment


def _demo(args: argparse.Namespace) -> int:
    from local.demo import run

    wait = sys.stdin.isatty() if args.wait is None else args.wait
    ports = {name: getattr(args, name) for name in DEFAULT_PORTS if hasattr(args, name)}
    return run(wait=wait, start_at=args.start_at, ports=ports)


def _validate(args: argparse.Namespace, rest: list[str]) -> int:
    from local.validate_command import run

    return run(rest)


def _openapi(args: argparse.Namespace) -> int:
    from local.openapi import openapi_json

    print(openapi_json())
    return 0


def parser() -> argparse.ArgumentParser:
    """The command line. The ports are accepted before or after the command (`dispatch up
    --api-port 3101`); not given, a command uses the running stack's, else the defaults (SUPPRESS:
    a subcommand's unset option does not overwrite one given before it). Port 0 takes a free port."""
    ports = argparse.ArgumentParser(add_help=False)
    for name, port in DEFAULT_PORTS.items():
        flag = "--" + name.replace("_", "-")
        ports.add_argument(flag, type=int, default=argparse.SUPPRESS, help=f"default: {port}")
    parser = argparse.ArgumentParser(prog="dispatch", description=__doc__, parents=[ports])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", parents=[ports], help="serve the local stack until interrupted")
    commands.add_parser("info", parents=[ports], help="the local endpoints and bucket, as JSON")
    token = commands.add_parser("token", help="a development bearer token for the local API")
    token.add_argument("--user", required=True, help="the user's email")
    token.add_argument("--role", required=True, choices=tokens.ROLES)
    token.add_argument("--org", required=True, help="the organisation id")
    outbox = commands.add_parser(
        "outbox", parents=[ports], help="every email and SMS the running local stack sent"
    )
    outbox.add_argument("--json", action="store_true")
    schedules = commands.add_parser(
        "schedules", parents=[ports], help="the running local stack's EventBridge schedules"
    )
    schedules.add_argument("--json", action="store_true")
    clock = commands.add_parser(
        "clock", parents=[ports], help="the local scheduler's clock; `clock advance 7d` moves it"
    )
    clock_commands = clock.add_subparsers(dest="clock_command")
    advance = clock_commands.add_parser(
        "advance", parents=[ports], help="move the clock forward and fire what is due"
    )
    advance.add_argument("duration", help="e.g. 7d, 1d12h, 90m, 30s")
    demo = commands.add_parser(
        "demo", parents=[ports], help="run a demo batch end to end, then show it in the console"
    )
    demo.add_argument(
        "--wait",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="let the batch wait for approval in the console (default: when stdin is a terminal)",
    )
    demo.add_argument(
        "--start-at",
        type=_future_moment,
        default=None,
        help="start the local clock at this later moment (ISO 8601 with an offset, e.g. "
        "2030-01-15T07:00:00Z: night in California, where the example's SMS wait for quiet hours)",
    )
    commands.add_parser(
        "validate", help="validate a recipients file: dispatch validate FILE --process P.json", add_help=False
    )
    commands.add_parser("openapi", help="print the OpenAPI document of the HTTP API")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    command_line = parser()
    args, rest = command_line.parse_known_args(argv)
    if args.command == "validate":
        return _validate(args, rest)
    if rest:
        command_line.error(f"unrecognised arguments: {' '.join(rest)}")
    handlers = {
        "up": _up,
        "info": _info,
        "token": _token,
        "outbox": _outbox,
        "schedules": _schedules,
        "clock": _clock,
        "demo": _demo,
        "openapi": _openapi,
    }
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
