"""The operator console on the local stack, served the way CloudFront serves it in AWS.

The local build (``console/dist/local-stack``, the one with the development sign-in) is served with
the template's own security headers (``ConsoleHeadersPolicy``; only ``connect-src`` names the local
endpoints instead of AWS's), the template's screen routing (``ConsoleSpaRoutes``: a path without a
file extension is index.html), and a ``config.json`` naming the local API. ``POST /_local/token``
mints development tokens for the sign-in page; it exists only here.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.security import safe_join
from werkzeug.wrappers import Request, Response

from deploy.console_site import cache_control, development_config
from local import tokens
from local.serving import ServedInBackground
from local.template import Resolver

NOT_BUILT = (
    "<!doctype html><title>Console not built</title><h1>The console is not built</h1>"
    "<p>Run <code>make build</code> (or <code>make up</code>, which builds it).</p>"
)


def security_headers(resolver: Resolver, connect: Iterable[str]) -> dict[str, str]:
    """The headers of the template's ConsoleHeadersPolicy, with connect-src listing ``connect``.
    (Strict-Transport-Security is left out: browsers ignore it over plain HTTP.)"""
    config = resolver.resources["ConsoleHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]
    policy = str(resolver.resolve(security["ContentSecurityPolicy"]["ContentSecurityPolicy"]))
    headers = {
        "Content-Security-Policy": with_directive(policy, "connect-src", " ".join(["'self'", *connect])),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": str(security["FrameOptions"]["FrameOption"]),
        "Referrer-Policy": str(security["ReferrerPolicy"]["ReferrerPolicy"]),
    }
    for item in config.get("CustomHeadersConfig", {}).get("Items", []):
        headers[str(item["Header"])] = str(item["Value"])
    return headers


def with_directive(policy: str, name: str, value: str) -> str:
    directives = [part.strip() for part in policy.split(";") if part.strip()]
    replaced = [f"{name} {value}" if part.split()[0] == name else part for part in directives]
    if not any(part.split()[0] == name for part in directives):
        raise ValueError(f"the template's content security policy has no {name}")
    return "; ".join(replaced)


def screen_route(resolver: Resolver) -> re.Pattern[str]:
    """The test ConsoleSpaRoutes applies to a path: files match it, screens do not."""
    code = str(resolver.resources["ConsoleSpaRoutes"]["Properties"]["FunctionCode"])
    found = re.search(r"!/(.+?)/\.test\(request\.uri\)", code)
    if found is None:
        raise ValueError("ConsoleSpaRoutes no longer has the file test the local console mirrors")
    return re.compile(found.group(1))


class LocalConsole(ServedInBackground):
    thread_name = "local-console"

    def __init__(
        self, dist: Path, resolver: Resolver, state_dir: Path, api_url: str, aws_endpoint: str
    ) -> None:
        self._dist = dist
        self._state_dir = state_dir
        self._api_url = api_url
        # The browser talks to the API and, for uploads with a pre-signed POST, to S3 (moto).
        self._headers = security_headers(resolver, [api_url, aws_endpoint])
        self._is_file = screen_route(resolver)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        response.headers.update(self._headers)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.path == "/_local/token":
            return self._token(request)
        if request.method not in {"GET", "HEAD"}:
            return Response("method not allowed", status=405, headers={"Allow": "GET, HEAD"})
        if request.path == "/config.json":
            return self._json(200, development_config(self._api_url), cache_control("/config.json"))
        path = request.path if self._is_file.search(request.path) else "/index.html"
        file = safe_join(str(self._dist), path.lstrip("/"))
        if file is None or not Path(file).is_file():
            if path == "/index.html":
                return Response(NOT_BUILT, status=503, mimetype="text/html")
            return Response("not found", status=404, mimetype="text/plain")
        kind = mimetypes.guess_type(file)[0] or "application/octet-stream"
        response = Response(Path(file).read_bytes(), mimetype=kind)
        response.headers["Cache-Control"] = cache_control(path)
        return response

    def _token(self, request: Request) -> Response:
        """``POST {"user", "role", "org"}`` → ``{"token"}``: what ``dispatch token`` prints."""
        if request.method != "POST":
            return Response("method not allowed", status=405, headers={"Allow": "POST"})
        body = request.get_json(silent=True)
        fields = body if isinstance(body, dict) else {}
        user, role, org = (str(fields.get(name) or "").strip() for name in ("user", "role", "org"))
        if not user or not org or role not in tokens.ROLES:
            message = f"sign in with an email, an organisation and a role ({', '.join(tokens.ROLES)})"
            return self._json(400, {"message": message}, "no-store")
        token = tokens.issue(self._state_dir, user=user, role=role, org=org)
        return self._json(200, {"token": token}, "no-store")

    @staticmethod
    def _json(status: int, body: Any, cache: str) -> Response:
        response = Response(json.dumps(body), status=status, mimetype="application/json")
        response.headers["Cache-Control"] = cache
        return response
