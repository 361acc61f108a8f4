"""Runs the real Lambda handlers in-process, in place of moto's Docker-based invocation.

moto executes function code only inside Docker. Here each function of template.yaml is registered
with its code folder, handler and resolved environment; moto's invocation hook is replaced so that
S3 notifications, the Step Functions interpreter and direct ``Invoke`` calls all run the handler in
this process, each with its function's settings and the runtime's clock.

``os.environ`` is never changed per invocation: every thread of the process shares it, and threads
outside any invocation read it all the time (each boto3 client created by moto's Step Functions
interpreter iterates it, through ``urllib.request.getproxies``); removing a function's variables
while such a loop ran failed a state (``KeyError: 'DISPATCH_LINK_SIGNING_SECRET_ARN'``). A function's
``DISPATCH_*`` variables become its :class:`~dispatch.config.Settings`, given to the invocation with
:func:`dispatch.config.scoped`; its other variables (Powertools') must be the same for every
function, and the host sets them once (:attr:`InProcessRuntime.process_environment`). The
invocation's clock is given the same way (:func:`dispatch.clock.scoped`): the runtime's ``now``,
which the local stack points at its local clock, so that moving that clock forward moves what
every handler reads as "now" (real time unless a host sets it).

Invocations are serialised (one at a time, like a function with reserved concurrency 1): Powertools'
logger, tracer and metrics are process-wide, and their per-invocation state (the Lambda context's
log keys, the metrics buffer) would mix between concurrent invocations.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import Any

from dispatch import clock
from dispatch.config import Settings, scoped

_log = logging.getLogger("local.lambdas")
SETTINGS_PREFIX = "DISPATCH_"


@dataclass
class LocalFunction:
    name: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout: int = 60
    memory_size: int = 512
    max_retries: int = 2  # of an asynchronous invocation (EventInvokeConfig, Lambda's default 2)
    on_failure: Callable[[dict[str, Any]], None] | None = None  # where a failed async event goes
    _module: ModuleType | None = field(default=None, repr=False)

    @cached_property
    def settings(self) -> Settings:
        """What the function's ``DISPATCH_*`` variables configure (``Settings.from_env`` reads no more)."""
        return Settings.from_env(self.environment)

    @property
    def process_environment(self) -> dict[str, str]:
        """The function's variables that are not settings: Powertools' service, namespace, log level."""
        return {key: value for key, value in self.environment.items() if not key.startswith(SETTINGS_PREFIX)}

    def entry_point(self) -> Callable[[Any, Any], Any]:
        module_name, _, attribute = self.handler.rpartition(".")
        if self._module is None:
            path = self.code_dir / f"{module_name.replace('.', '/')}.py"
            spec = importlib.util.spec_from_file_location(f"_local_fn_{self.name.replace('-', '_')}", path)
            if spec is None or spec.loader is None:
                raise ImportError(f"cannot load {path}")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._module = module
        handler: Callable[[Any, Any], Any] = getattr(self._module, attribute)
        return handler


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 900_000


class FunctionError(Exception):
    """A handler raised; carries the Lambda-style error payload."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", ""))
        self.payload = payload


class Aborted(BaseException):
    """Raised into a running handler, this ends the invocation as Lambda ends one whose time ran
    out or whose process died: nothing after it runs (a ``BaseException``: the handler's ``except
    Exception`` clean-ups do not run either) and the caller gets Lambda's error for it —
    ``Sandbox.Timedout`` to Step Functions, ``Runtime.ExitError`` for a crash. Fault injection
    (``local.faults``) raises it at the AWS SDK boundary of the running function."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class InProcessRuntime:
    """The registry of local functions and the one lock that serialises their invocations."""

    def __init__(self) -> None:
        self.functions: dict[str, LocalFunction] = {}
        self._lock = threading.RLock()
        self._async = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="lambda-async"
        )  # FIFO: drain() is exact
        self._stopping = threading.Event()
        self._in_flight = threading.Condition()  # notified when an asynchronous invocation ends
        self._running_async = 0
        self.durations: list[tuple[str, float]] = []  # (function, seconds in the handler), for bench/cost.py
        self.current: str | None = None  # the function running now (invocations are serialised)
        self.process_environment: dict[str, str] = {}  # for the host to set once, before invocations
        self.now: Callable[[], datetime] = _real_now  # the handlers' clock (the local stack's)

    def register(self, function: LocalFunction) -> None:
        """Add a function; its variables other than settings must agree with the other functions'
        (one process has one environment), or this fails rather than run it with another's."""
        for key, value in function.process_environment.items():
            known = self.process_environment.setdefault(key, value)
            if known != value:
                raise ValueError(
                    f"{function.name} sets {key}={value!r} where another function sets {known!r}: "
                    f"in one process only {SETTINGS_PREFIX}* settings can differ between functions"
                )
        self.functions[function.name] = function

    def invoke(self, name: str, event: Any) -> Any:
        """Run the named function's handler with its settings; raises FunctionError on failure."""
        function = self.functions[name]
        # boto3 clients are shared, like a warm container's
        with self._lock, scoped(function.settings), clock.scoped(self.now):
            context = LambdaContext(
                function_name=name,
                memory_limit_in_mb=function.memory_size,
                invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
                aws_request_id=str(uuid.uuid4()),
            )
            started, self.current = time.perf_counter(), name
            try:
                result = function.entry_point()(event, context)
            except Aborted as abort:
                _log.warning("%s stopped: %s", name, abort.error_type)
                raise FunctionError({"errorType": abort.error_type, "errorMessage": abort.message}) from None
            except Exception as exc:
                _log.warning("%s failed: %s", name, "".join(traceback.format_exception(exc)))
                raise FunctionError(
                    {
                        "errorType": type(exc).__name__,
                        "errorMessage": str(exc),
                        "stackTrace": traceback.format_exception(exc),
                    }
                ) from exc
            finally:
                self.current = None
                self.durations.append((name, time.perf_counter() - started))
            return result

    def invoke_async(self, name: str, event: Any) -> None:
        """Fire and forget, as S3 notifications and ``InvocationType=Event`` are in AWS: a failed
        invocation is retried ``max_retries`` times (at once, where Lambda waits a minute or two),
        then its destination record goes to the function's on-failure destination, if it has one
        (else it is dropped, as Lambda drops it)."""
        function = self.functions[name]

        def attempts() -> None:
            for attempt in range(1, function.max_retries + 2):
                if self._stopping.is_set():  # the stack is stopping: no new attempt
                    return
                try:
                    self.invoke(name, event)
                except FunctionError as failure:  # logged already
                    if attempt > function.max_retries and function.on_failure is not None:
                        record = _destination_record(name, event, failure, attempt, self.now())
                        function.on_failure(record)
                else:
                    return

        def run() -> None:
            with self._in_flight:
                self._running_async += 1
            try:
                attempts()
            finally:
                with self._in_flight:
                    self._running_async -= 1
                    self._in_flight.notify_all()

        self._async.submit(run)

    @contextmanager
    def held(self) -> Iterator[None]:
        """No invocation starts while this is held; asynchronous ones queue up, as in AWS when
        events come faster than a function runs (tests: writes that meet their events late)."""
        with self._lock:
            yield

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until queued asynchronous invocations have run (tests and the demo)."""
        self._async.submit(lambda: None).result(timeout=timeout)

    def shutdown(self, timeout: float = 120.0) -> None:
        """Stop asynchronous invocations: queued ones are dropped, none is retried, and the one
        running is waited for (at most ``timeout`` seconds). The stack calls this before it stops
        the AWS endpoint, so that invocation ends against a live endpoint: stopped under it, its
        calls met a closed port and botocore's retries and back-off, and the process could not exit
        until they gave up (the executor's worker is joined at interpreter exit) — `dispatch up`
        outlived a SIGTERM by minutes on a loaded machine."""
        self._stopping.set()
        self._async.shutdown(wait=False, cancel_futures=True)
        with self._in_flight:
            self._in_flight.wait_for(lambda: self._running_async == 0, timeout)

    def install_into_moto(self) -> None:
        """Point moto's Lambda invocation (and S3's notification delivery) at this runtime."""
        from moto.awslambda import models as lambda_models
        from moto.s3 import notifications

        runtime = self

        def invoke_lambda(fn: Any, event: str | None = None) -> tuple[str, bool, str]:
            payload = json.loads(event) if isinstance(event, str) and event else (event or {})
            try:
                result = runtime.invoke(fn.function_name, payload)
            except FunctionError as exc:
                return json.dumps(exc.payload), True, ""
            return json.dumps(result), False, ""

        def invoke(fn: Any, body: str, request_headers: Any, response_headers: Any) -> str | bytes:
            if (request_headers or {}).get("x-amz-invocation-type") == "Event":
                runtime.invoke_async(fn.function_name, json.loads(body) if body else {})
                return ""
            result, errored, _ = invoke_lambda(fn, body)
            if errored:
                response_headers["x-amz-function-error"] = "Unhandled"
            return result.encode()

        def notify(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
            runtime.invoke_async(fn_arn.rsplit(":", 1)[-1], event_body)

        setattr(lambda_models.LambdaFunction, "_invoke_lambda", invoke_lambda)  # noqa: B010 - a patch
        setattr(lambda_models.LambdaFunction, "invoke", invoke)  # noqa: B010
        setattr(notifications, "_invoke_awslambda", notify)  # noqa: B010


def _real_now() -> datetime:
    return datetime.now(UTC)


def _destination_record(
    name: str, event: Any, failure: FunctionError, attempts: int, now: datetime
) -> dict[str, Any]:
    """What Lambda sends an on-failure destination when an asynchronous invocation fails."""
    return {
        "version": "1.0",
        "timestamp": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": failure.payload,
    }
