"""The running local stack serves the console beside the API, and the API answers it with CORS."""

from __future__ import annotations

import json
import urllib.request

from local.stack import LocalStack


def fetch(
    url: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_the_console_is_served_with_its_config_and_the_api_accepts_its_origin(stack: LocalStack) -> None:
    assert stack.info()["console"] == stack.console_url
    status, headers, body = fetch(f"{stack.console_url}/config.json")
    assert (status, json.loads(body)) == (200, {"apiUrl": stack.api_url, "auth": {"mode": "dev"}})
    assert f"connect-src 'self' {stack.api_url} {stack.aws_endpoint}" in headers["Content-Security-Policy"]

    origin = {"Origin": stack.console_url}
    status, headers, _ = fetch(f"{stack.api_url}/batches", "OPTIONS", origin)
    assert (status, headers["Access-Control-Allow-Origin"]) == (200, stack.console_url)
    status, headers, _ = fetch(f"{stack.api_url}/batches", headers=origin)
    assert (status, headers["Access-Control-Allow-Origin"]) == (401, stack.console_url)

    status, _, body = fetch(
        f"{stack.console_url}/_local/token",
        "POST",
        {"Content-Type": "application/json"},
    )
    assert status == 400  # no body: the sign-in page always sends email, role and organisation
    request = urllib.request.Request(
        f"{stack.console_url}/_local/token",
        data=json.dumps({"user": "ada@acme.test", "role": "sender", "org": "acme-hosting"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.loads(response.read())["token"]
    status, headers, body = fetch(
        f"{stack.api_url}/batches", headers={**origin, "Authorization": f"Bearer {token}"}
    )
    assert (status, json.loads(body)) == (200, {"items": [], "next_cursor": None})
    assert headers["Access-Control-Allow-Origin"] == stack.console_url  # added by the API function itself
