"""The API function's CORS header: the console's origin, and only it, on every answer."""

from __future__ import annotations

from typing import Any

from dispatch.http.cors import with_cors

CONSOLE = "https://d111.cloudfront.net"


def answer(**headers: list[str]) -> dict[str, Any]:
    return {
        "statusCode": 403,
        "body": "{}",
        "multiValueHeaders": {"Content-Type": ["application/json"], **headers},
    }


def test_the_consoles_origin_is_allowed_on_any_answer_even_a_refusal() -> None:
    response = with_cors(answer(), {"headers": {"origin": CONSOLE}}, CONSOLE)
    assert response["multiValueHeaders"]["Access-Control-Allow-Origin"] == [CONSOLE]
    assert response["multiValueHeaders"]["Vary"] == ["Origin"]
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    assert response["statusCode"] == 403


def test_other_origins_no_origin_and_no_configured_console_get_no_cors_header() -> None:
    for event, allowed in (
        ({"headers": {"Origin": "https://evil.example"}}, CONSOLE),
        ({"headers": {"Origin": CONSOLE + ".evil.example"}}, CONSOLE),
        ({"headers": {}}, CONSOLE),
        ({"headers": None}, CONSOLE),
        ({"headers": {"Origin": CONSOLE}}, ""),
    ):
        assert "Access-Control-Allow-Origin" not in with_cors(answer(), event, allowed)["multiValueHeaders"]


def test_an_existing_vary_header_is_kept() -> None:
    response = with_cors(answer(Vary=["Accept-Encoding"]), {"headers": {"Origin": CONSOLE}}, CONSOLE)
    assert response["multiValueHeaders"]["Vary"] == ["Accept-Encoding", "Origin"]
