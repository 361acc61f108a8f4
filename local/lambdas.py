"""Runs the real Lambda handlers in-process, in place of moto's Docker-based invocation.

moto executes function code only inside Docker. Here each function of template.yaml is registered
with its code folder, handler and resolved environment; moto's invocation hook is replaced so that
S3 notifications, the Step Functions interpreter and direct ``Invoke`` calls all run the handler in
this process, with that function's environment. Invocations are serialised (one at a time, like a
function with reserved concurrency 1) because a process has one ``os.environ``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from dispatch.config import get_settings

_log = logging.getLogger("local.lambdas")


@dataclass
class LocalFunction:
    name: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout: int = 60
    memory_size: int = 512
    _module: ModuleType | None = field(default=None, repr=False)

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
        self.durations: list[tuple[str, float]] = []  # (function, seconds in the handler), for bench/cost.py
        self.current: str | None = None  # the function running now (invocations are serialised)

    def register(self, function: LocalFunction) -> None:
        self.functions[function.name] = function

    def invoke(self, name: str, event: Any) -> Any:
        """Run the named function's handler with its environment; raises FunctionError on failure."""
        function = self.functions[name]
        with self._lock, _environment(function.environment):
            get_settings.cache_clear()  # each function has its own settings; boto3 clients are shared
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
        """Fire and forget, as S3 notifications and ``InvocationType=Event`` are in AWS."""

        def run() -> None:
            with suppress(FunctionError):  # logged already; AWS would retry then drop, the local stack drops
                self.invoke(name, event)

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

    def shutdown(self) -> None:
        self._async.shutdown(wait=False, cancel_futures=True)

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


@contextmanager
def _environment(overrides: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
