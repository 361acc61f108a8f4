"""The local stack: moto in server mode, provisioned from template.yaml, plus the local API, the
SQS pollers of the functions' queue events, the SES event simulator and the scheduler that fires
the EventBridge schedules by the stack's clock (``stack.clock``, which tests move forward). The
functions run on that clock too (each invocation reads it as ``dispatch.clock``'s now), and so do
SQS message delays and the SES events' times: the whole product moves when it is moved.

The operator console (the local build in console/dist/local-stack) is served beside the API, as
CloudFront serves it in AWS (local.console).

One stack per process (moto's backends and ``os.environ`` are process-wide). Ports default to
4566 (AWS endpoint), 3000 (HTTP API) and 3001 (console); pass 0 to take free ones (tests do).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request

from local import retry_waits
from local.api_routes import routes_from_template
from local.apigw import LocalApiGateway, cors_from_template
from local.clock import LocalClock
from local.console import LocalConsole
from local.event_sources import EventSources
from local.lambdas import InProcessRuntime
from local.moto_clock import sqs_delays_follow
from local.moto_guard import (
    fast_dispatch,
    fast_items,
    fast_queues,
    item_level_transactions,
    partition_queries,
    serialise_dynamodb,
    serialise_router_creation,
)
from local.outbox import Outbox
from local.provision import Provisioner
from local.scheduler import (
    LocalScheduler,
    SchedulerApi,
    schedule_groups,
    template_schedules,
    watch_schedule_writes,
)
from local.ses_events import SesEventSimulator
from local.template import REGION, Resolver, load

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".local"
CONSOLE_DIST = ROOT / "console" / "dist" / "local-stack"
HOST = "127.0.0.1"
LOCAL_PARAMETERS = {"Stage": "local", "SenderEmail": "no-reply@dispatch.local"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


@dataclass
class LocalStack:
    aws_port: int = 4566
    api_port: int = 3000
    console_port: int = 3001
    root: Path = ROOT
    parameters: dict[str, str] = field(default_factory=dict)
    runtime: InProcessRuntime = field(default_factory=InProcessRuntime)
    clock: LocalClock = field(default_factory=LocalClock)
    retry_wait_scale: float = 1.0  # Step Functions' retry waits are this share (local.retry_waits)
    batching_window_scale: float = 1.0  # SQS event sources' batching windows are this share

    def __post_init__(self) -> None:
        self.aws_port = self.aws_port or free_port()
        self.api_port = self.api_port or free_port()
        self.console_port = self.console_port or free_port()
        self.resolver = Resolver(
            load(self.root / "template.yaml"),
            {**LOCAL_PARAMETERS, **self.parameters},
            attributes={"ConsoleDistribution.DomainName": f"{HOST}:{self.console_port}"},
        )
        self.runtime.now = self.clock.now  # every handler's "now" is the local clock
        self._server: Any = None
        self._api: LocalApiGateway | None = None
        self._console: LocalConsole | None = None
        self.event_sources: EventSources | None = None  # these exist once the stack has started
        self.ses_events: SesEventSimulator | None = None
        self.scheduler: LocalScheduler | None = None
        self._unwatch: Callable[[], None] = lambda: None

    @property
    def aws_endpoint(self) -> str:
        return f"http://{HOST}:{self.aws_port}"

    @property
    def api_url(self) -> str:
        return f"http://{HOST}:{self.api_port}"

    @property
    def console_url(self) -> str:
        return f"http://{HOST}:{self.console_port}"

    def sign_in_link(self, user: str, role: str, org: str, path: str = "/batches") -> str:
        """A console address that signs in as this user directly (the development sign-in)."""
        from urllib.parse import urlencode

        return f"{self.console_url}{path}?{urlencode({'dev_user': user, 'dev_role': role, 'dev_org': org})}"

    @property
    def bucket(self) -> str:
        return self.resolver.physical_name("UploadBucket")

    def function_name(self, logical_id: str) -> str:
        return self.resolver.physical_name(logical_id)

    def info(self) -> dict[str, str]:
        return {
            "api": self.api_url,
            "aws": self.aws_endpoint,
            "bucket": self.bucket,
            "console": self.console_url,
        }

    def start(self) -> None:
        from moto.core.config import default_user_config
        from moto.server import ThreadedMotoServer

        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.aws_endpoint,
                "MOTO_PORT": str(self.aws_port),
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_DEV": "false",
            }
        )
        os.environ.pop("AWS_PROFILE", None)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no per-request lines from the servers
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
        retry_waits.scale(self.retry_wait_scale)
        self.runtime.install_into_moto()
        serialise_dynamodb()
        item_level_transactions()
        partition_queries()
        fast_items()
        fast_queues()
        fast_dispatch()
        serialise_router_creation()
        sqs_delays_follow(self.clock.now)  # ring_all timeouts arrive by the local clock
        self._server = ThreadedMotoServer(ip_address=HOST, port=self.aws_port, verbose=False)
        self._server.start()
        base_environment = {
            "DISPATCH_API_BASE_URL": self.api_url,
            # The template's is https://<distribution>; the local console is plain HTTP.
            "DISPATCH_CONSOLE_ORIGIN": self.console_url,
            "POWERTOOLS_LOG_LEVEL": os.environ.get("DISPATCH_LOCAL_LOG_LEVEL", "WARNING"),
        }
        Provisioner(self.root, self.resolver, self.aws_endpoint, self.runtime, base_environment).provision()
        # Powertools' variables, the same for every function: set once, before any invocation, and
        # never removed (a variable removed while another thread iterates os.environ fails it).
        os.environ.update(self.runtime.process_environment)
        self.event_sources = EventSources(
            self.resolver, self.runtime, self.aws_endpoint, window_scale=self.batching_window_scale
        )
        self.event_sources.start()
        self.ses_events = SesEventSimulator(self.resolver, self.aws_endpoint, clock=self.clock)
        self.ses_events.start()
        periodic = template_schedules(self.resolver, datetime.now(UTC))
        schedules = SchedulerApi(schedule_groups(self.resolver), self.aws_endpoint, periodic)
        self.scheduler = LocalScheduler(schedules, self.runtime, self.clock)
        self._unwatch = watch_schedule_writes(self.scheduler.wake)
        self.scheduler.start()
        self._api = LocalApiGateway(
            routes_from_template(self.resolver),
            self.runtime.invoke,
            STATE_DIR,
            self.resolver.parameters["Stage"],
            extra_routes={
                "/_local/outbox": lambda: self.outbox().messages(),
                "/_local/schedules": self.scheduler.overview,
            },
            request_routes={"/_local/clock": self._clock_route},
            cors=cors_from_template(self.resolver, self.console_url),
        )
        self._api.start(HOST, self.api_port)
        self._console = LocalConsole(CONSOLE_DIST, self.resolver, STATE_DIR, self.api_url, self.aws_endpoint)
        self._console.start(HOST, self.console_port)

    def _clock_route(self, request: Request) -> dict[str, Any]:
        """``GET``: the local clock; ``POST {"advance_seconds": N}``: move it forward and fire what
        is due, waiting for those invocations (what ``dispatch clock advance`` calls)."""
        fired = 0
        if request.method == "POST":
            body = request.get_json(silent=True) or {}
            seconds = body.get("advance_seconds") if isinstance(body, dict) else None
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                raise ValueError('expected {"advance_seconds": N} with N >= 0')
            fired = self.advance_clock(timedelta(seconds=seconds))
        return {
            "now": self.clock.now().isoformat(),
            "offset_seconds": self.clock.offset.total_seconds(),
            "fired": fired,
        }

    def advance_clock(self, delta: timedelta) -> int:
        """Moves the local clock forward, fires every schedule due by then and waits for those runs;
        how many fired. (``stack.clock.advance(…)`` then ``stack.settle()`` does the same: the
        background pass or ``settle`` fires them.)"""
        if self.scheduler is None:
            raise RuntimeError("the local stack is not started")
        return self.scheduler.advance(delta)

    def outbox(self) -> Outbox:
        return Outbox(self.resolver.physical_name("CardsTable"), self.aws_endpoint)

    def settle(self, timeout: float = 60.0) -> None:
        """Waits until nothing is in flight: the schedules due by the local clock have fired,
        queued asynchronous invocations have run, every sent email's SES events are published, and
        every event queue is empty (each message handled, or moved to its dead-letter queue; one
        that failed waits out its visibility timeout first). Running state machine executions are
        not waited for."""
        if self.event_sources is None or self.ses_events is None or self.scheduler is None:
            raise RuntimeError("the local stack is not started")
        deadline = time.monotonic() + timeout
        while True:
            self.scheduler.fire_due(wait=False)
            self.runtime.drain(timeout=max(deadline - time.monotonic(), 0.1))
            if not self.ses_events.pending() and self.event_sources.idle():
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the local stack did not settle in time")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._console is not None:
            self._console.stop()
        if self._api is not None:
            self._api.stop()
        if self.ses_events is not None:
            self.ses_events.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
            self._unwatch()
        if self.event_sources is not None:  # before the server: a poller may be in a long poll
            self.event_sources.stop()
        self.runtime.shutdown()
        if self._server is not None:
            self._server.stop()


@contextmanager
def running(
    aws_port: int = 4566, api_port: int = 3000, console_port: int = 3001, **kwargs: Any
) -> Iterator[LocalStack]:
    stack = LocalStack(aws_port=aws_port, api_port=api_port, console_port=console_port, **kwargs)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()
