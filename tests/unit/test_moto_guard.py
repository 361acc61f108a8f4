"""The moto patches the local stack and the tests rely on."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from moto.core import routing

from local.moto_guard import serialise_router_creation


def test_a_services_router_is_built_once_however_many_first_requests_arrive_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Building one compiles a werkzeug map with ``ast.parse``, which CPython 3.11.7 cannot do in
    several threads at once (a sender's pool of first SES calls failed a test that way)."""
    serialise_router_creation()
    built: list[int] = []
    original = routing.get_router_class

    def counting(service: str, protocol: str) -> Any:
        router_class = original(service, protocol)
        assert router_class is not None

        def build(model: Any) -> Any:
            built.append(threading.get_ident())
            return router_class(model)

        return build

    monkeypatch.setattr(routing, "get_router_class", counting)
    router = routing.ServiceOperationRouter(routing.get_service_model("sesv2"))
    start = threading.Barrier(12)

    def first_request() -> None:
        start.wait()
        router._get_router("rest-json")

    threads = [threading.Thread(target=first_request) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1
