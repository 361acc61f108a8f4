"""The API's contract on bad input, through API Gateway-shaped events: routing (404, 405 with
``Allow``), media types (415), bodies that are not JSON (400), signed cursors (400 for anything
forged or reused elsewhere), numbers DynamoDB cannot hold (400) and cancelled transactions
(409 with the real reason, or 503 to retry) — never a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dispatch import aws

ROOT = Path(__file__).resolve().parents[2]
PROCESS = json.loads((ROOT / "examples" / "process.json").read_text())
Claims = Callable[[str, str, str], dict[str, Any]]


@pytest.fixture
def admin(claims_for: Claims) -> dict[str, Any]:
    return claims_for("admin@org-a.test", "admin", "org-a")


def _call(
    deployed: Any,
    method: str,
    path: str,
    claims: dict[str, Any] | None,
    *,
    body: str | None = None,
    content_type: str | None = "application/json",
    base64_encoded: bool = False,
    query: dict[str, str] | None = None,
) -> tuple[int, dict[str, list[str]], Any]:
    """Invoke the API function with a raw body; (status, headers, parsed JSON body)."""
    event = deployed.api_event(method, path, claims=claims, query=query)
    headers = {"Accept": "application/json", **({"Content-Type": content_type} if content_type else {})}
    event.update(
        body=body,
        isBase64Encoded=base64_encoded,
        headers=headers,
        multiValueHeaders={name: [value] for name, value in headers.items()},
    )
    result = deployed.invoke("ApiFunction", event)
    parsed = json.loads(result["body"]) if result.get("body") else None
    return int(result["statusCode"]), result.get("multiValueHeaders") or {}, parsed


def _error(body: Any) -> dict[str, Any]:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    return dict(body["error"])


def test_an_unknown_route_is_a_404_in_the_error_shape(deployed: Any, admin: dict[str, Any]) -> None:
    status, _, body = _call(deployed, "GET", "/no-such-thing", admin)
    assert status == 404
    assert _error(body)["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/batches", ["GET", "POST"]),
        ("PUT", "/batches/b-1/approve", ["POST"]),
        ("POST", "/health", ["GET"]),
    ],
)
def test_a_method_the_path_does_not_have_is_a_405_naming_the_allowed_ones(
    deployed: Any, admin: dict[str, Any], method: str, path: str, allowed: list[str]
) -> None:
    status, headers, body = _call(deployed, method, path, admin)
    assert status == 405
    assert headers["Allow"] == [", ".join(allowed)]
    assert _error(body)["details"] == {"allowed": allowed}


def test_the_public_link_routes_answer_a_method_they_lack_with_405_too(deployed: Any) -> None:
    result = deployed.invoke("LinksFunction", deployed.api_event("DELETE", "/c/some-token"))
    assert result["statusCode"] == 405
    assert result["multiValueHeaders"]["Allow"] == ["GET"]
    data = deployed.invoke("LinksFunction", deployed.api_event("PUT", "/c/some-token/data"))
    assert data["multiValueHeaders"]["Allow"] == ["GET, OPTIONS"]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", "name=x"),
        ("application/x-www-form-urlencoded", "name=x"),
        ("multipart/form-data", "--x\r\n"),  # no boundary: Powertools itself would fail with a 500
        ("application/xml", "<process/>"),
    ],
)
def test_a_body_that_is_not_json_is_a_415(
    deployed: Any, admin: dict[str, Any], content_type: str, body: str
) -> None:
    status, _, answer = _call(deployed, "POST", "/processes", admin, body=body, content_type=content_type)
    assert status == 415
    assert _error(answer)["code"] == "unsupported_media_type"


AGENT = '{"email": "agent@example.com", "name": "A", "filters": {"score": {"min": %s}}}'


@pytest.mark.parametrize(
    ("body", "base64_encoded"),
    [
        (AGENT % "1", False),  # the one that is valid (201)
        ('{"name": ', False),
        (AGENT % "NaN", False),  # Python's json reads it; JSON has no NaN
        (AGENT % "-Infinity", False),
        (AGENT % "1e400", False),  # overflows a float: Infinity
        (base64.b64encode((AGENT % '"caf\xe9"').encode("latin-1")).decode(), True),  # not UTF-8
        ("not base64!", True),
    ],
)
def test_a_body_that_is_not_valid_json_is_a_400(
    deployed: Any, admin: dict[str, Any], body: str, base64_encoded: bool
) -> None:
    status, _, answer = _call(deployed, "POST", "/agents", admin, body=body, base64_encoded=base64_encoded)
    if body == AGENT % "1":
        assert status == 201
        return
    assert status == 400
    assert _error(answer)["code"] == "invalid_request"


def test_json_with_a_media_type_parameter_or_no_content_type_is_read(
    deployed: Any, admin: dict[str, Any]
) -> None:
    for content_type in ("application/json; charset=utf-8", None):
        status, _, process = _call(
            deployed, "POST", "/processes", admin, body=json.dumps(PROCESS), content_type=content_type
        )
        assert status == 201
        assert process["name"] == PROCESS["name"]


def _first_page(deployed: Any, claims: dict[str, Any], path: str, **query: str) -> str:
    for n in range(3):
        deployed.api("POST", "/processes", claims, body={**PROCESS, "name": f"P{n}"})
    status, _, page = _call(deployed, "GET", path, claims, query={"limit": "1", **query})
    assert status == 200
    assert page["next_cursor"]
    return str(page["next_cursor"])


def test_a_cursor_continues_its_own_list_only(
    deployed: Any, admin: dict[str, Any], claims_for: Claims
) -> None:
    cursor = _first_page(deployed, admin, "/processes")
    assert _call(deployed, "GET", "/processes", admin, query={"limit": "1", "cursor": cursor})[0] == 200
    assert _call(deployed, "GET", "/processes", admin, query={"limit": "5", "cursor": cursor})[0] == 200

    position, _, signature = cursor.rpartition(".")
    refused = {
        "forged": base64.urlsafe_b64encode(b'{"pk":"ORG#org-b","sk":"PROCESS#x"}').decode().rstrip("="),
        "tampered": f"{position[:-2]}AA.{signature}",
        "unsigned": position,
        "another signature": f"{position}.{signature[::-1]}",
        "garbage": "!!not-a-cursor",
    }
    for what, bad in refused.items():
        status, _, body = _call(deployed, "GET", "/processes", admin, query={"cursor": bad})
        assert status == 400, what
        assert _error(body)["code"] == "invalid_request"

    stranger = claims_for("admin@org-b.test", "admin", "org-b")
    assert _call(deployed, "GET", "/processes", stranger, query={"cursor": cursor})[0] == 400
    assert _call(deployed, "GET", "/agents", admin, query={"cursor": cursor})[0] == 400
    assert _call(deployed, "GET", "/batches", admin, query={"cursor": cursor})[0] == 400


def test_a_cursor_is_bound_to_the_query_it_continues(deployed: Any, admin: dict[str, Any]) -> None:
    process = deployed.api("POST", "/processes", admin, body=PROCESS)[1]
    deployed.api("POST", f"/processes/{process['id']}/publish", admin)
    for n in range(3):
        body = {"process_id": process["id"], "file_name": f"f{n}.csv"}
        assert deployed.api("POST", "/batches", admin, body=body)[0] == 201
    status, _, by_name = _call(deployed, "GET", "/batches", admin, query={"sort": "name", "limit": "1"})
    assert status == 200
    cursor = by_name["next_cursor"]
    same = {"sort": "name", "limit": "2", "cursor": cursor}
    assert _call(deployed, "GET", "/batches", admin, query=same)[0] == 200
    other = {"sort": "created", "cursor": cursor}
    assert _call(deployed, "GET", "/batches", admin, query=other)[0] == 400


def test_a_number_dynamodb_cannot_hold_is_a_400_not_a_500(deployed: Any, admin: dict[str, Any]) -> None:
    for value in (10**40 + 1, 1e-200, 1e200):
        agent = {"email": "agent@example.com", "name": "A", "filters": {"score": {"min": value}}}
        status, body = deployed.api("POST", "/agents", admin, body=agent)
        assert status == 400, value
        assert _error(body)["code"] == "invalid_request"


def test_a_taken_email_is_a_conflict_that_says_so(deployed: Any, admin: dict[str, Any]) -> None:
    agent = {"email": "agent@example.com", "name": "A"}
    assert deployed.api("POST", "/agents", admin, body=agent)[0] == 201
    status, body = deployed.api("POST", "/agents", admin, body={**agent, "name": "B"})
    assert status == 409
    assert _error(body)["message"] == "an agent with this email already exists"
    assert body["error"]["details"] == {"field": "email"}


def test_a_transaction_cancelled_for_a_conflict_or_throttling_is_a_503_to_retry(
    deployed: Any, admin: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not "already exists": the transaction was cancelled because another one held the items."""
    client = aws.client("dynamodb")

    def cancelled(**kwargs: Any) -> Any:
        reasons = [{"Code": "None"}, {"Code": "TransactionConflict"}, {"Code": "ThrottlingError"}]
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                "CancellationReasons": reasons,
            },
            "TransactWriteItems",
        )

    monkeypatch.setattr(client, "transact_write_items", cancelled)
    status, headers, body = _call(
        deployed, "POST", "/agents", admin, body=json.dumps({"email": "agent@example.com", "name": "A"})
    )
    assert status == 503
    assert _error(body)["code"] == "busy"
    assert headers["Retry-After"] == ["1"]
