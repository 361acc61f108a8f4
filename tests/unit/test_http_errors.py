"""The API's error mapping on a resolver of its own: a fault is a 500 in the error shape, logged
with the exception's type and where it was raised, never its message (it may quote personal data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dispatch.http.resolver import resolver

EVENT = json.loads((Path(__file__).resolve().parents[1] / "events" / "apigw" / "rest_proxy.json").read_text())


def _event(method: str, path: str) -> dict[str, Any]:
    return {**EVENT, "httpMethod": method, "path": path, "body": None, "queryStringParameters": None}


def test_an_unexpected_error_is_a_500_logged_with_its_type_and_place_not_its_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = resolver(validation=True)

    @app.get("/boom")
    def boom() -> dict[str, str]:
        try:
            {}["ada@example.com"]  # a KeyError quoting an address
        except KeyError as exc:
            raise RuntimeError("could not mail ada@example.com") from exc
        return {}

    result = app.resolve(_event("GET", "/boom"), None)  # type: ignore[arg-type]
    assert result["statusCode"] == 500
    assert json.loads(result["body"])["error"]["code"] == "internal_error"
    [record] = [entry for entry in caplog.records if entry.getMessage() == "unhandled error"]
    assert "ada@example.com" not in json.dumps(vars(record), default=str)
    assert record.levelname == "ERROR"
    assert record.exc_info is None  # the traceback's text would quote the messages
    assert record.error_type == "builtins.RuntimeError"
    assert record.causes == ["builtins.KeyError"]
    assert record.route == "/boom"
    assert any("in boom" in frame for frame in record.stack)


def test_a_response_that_does_not_match_its_model_is_a_500_not_a_400() -> None:
    app = resolver(validation=True)

    @app.get("/broken")
    def broken() -> dict[str, int]:
        return {"n": "not a number"}  # type: ignore[dict-item]

    assert app.resolve(_event("GET", "/broken"), None)["statusCode"] == 500  # type: ignore[arg-type]
