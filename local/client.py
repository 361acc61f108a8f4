"""A small HTTP client for the local API, used by the demo and the end-to-end tests."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {body}")
        self.status = status
        self.body = body


@dataclass
class ApiClient:
    base_url: str
    token: str | None = None
    timeout: float = 60.0  # seconds for one response (a request may wait for the runtime's lock)

    def request(self, method: str, path: str, body: Any = None) -> Any:
        return self.exchange(method, path, body)[1]

    def exchange(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """The HTTP status and the body: for routes whose success has more than one status (202
        while something is built, then 200); an error status raises :class:`ApiError`."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method)  # noqa: S310 - local URL
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - local URL
                raw = response.read()
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            raw = exc.read()
            raise ApiError(exc.code, json.loads(raw) if raw else None) from exc
        return status, json.loads(raw) if raw else None

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, body if body is not None else {})


def wait_for(check: Callable[[], Any], timeout: float = 60.0, interval: float = 0.2) -> Any:
    """Poll ``check`` until it returns something truthy; TimeoutError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError("the local stack did not reach the expected state in time")
        time.sleep(interval)
