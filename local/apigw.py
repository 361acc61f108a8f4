"""A local stand-in for API Gateway: HTTP requests become REST proxy events for the function whose
``Api`` event (in template.yaml) serves the route; see ``local.api_routes`` for the matching.

Like the Cognito authorizer in AWS, it rejects requests to a route with an authorizer when they
carry no valid (development) token, before the function runs, and passes the token's claims in
``requestContext.authorizer.claims``.
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from local import tokens
from local.api_routes import Match, Route, Router
from local.lambdas import FunctionError

# The template's gateway response for UNAUTHORIZED; MISSING_AUTHENTICATION_TOKEN keeps AWS's default.
UNAUTHORIZED = {"error": {"code": "unauthorized", "message": "authentication required", "details": {}}}
MISSING_AUTHENTICATION_TOKEN = {"message": "Missing Authentication Token"}


def proxy_event(request: Request, match: Match, claims: dict[str, Any] | None, stage: str) -> dict[str, Any]:
    """The REST proxy event API Gateway would pass. A text body that is not valid UTF-8 arrives as
    API Gateway delivers it, with each invalid byte replaced by U+FFFD (the function then judges it);
    other bodies are base64-encoded."""
    raw = request.get_data()
    is_text = not raw or request.mimetype.startswith(("text/", "application/json", "application/x-www-form"))
    body = (raw.decode(errors="replace") if is_text else base64.b64encode(raw).decode()) if raw else None
    headers = dict(request.headers.items())
    query = {key: request.args.getlist(key) for key in request.args}
    return {
        "resource": match.route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": {key: [value] for key, value in headers.items()},
        "queryStringParameters": {key: values[-1] for key, values in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": match.route.path,
            "httpMethod": request.method,
            "path": f"/{stage}{request.path}",
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "identity": {
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": request.user_agent.string,
            },
            "authorizer": {"claims": claims} if claims else None,
        },
        "body": body,
        "isBase64Encoded": bool(raw) and not is_text,
    }


def to_response(result: dict[str, Any]) -> Response:
    """The HTTP response for a proxy integration's result. As API Gateway does, ``headers`` and
    ``multiValueHeaders`` are merged (a name in both takes the multi-value list) and replace the
    defaults; without a ``Content-Type`` the response is ``application/json``."""
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    merged: dict[str, tuple[str, list[str]]] = {}  # by lower-case name: (name as sent, values)
    for key, value in (result.get("headers") or {}).items():
        merged[key.lower()] = (key, [str(value)])
    for key, values in (result.get("multiValueHeaders") or {}).items():
        merged[key.lower()] = (key, [str(value) for value in values])
    response = Response(data, status=int(result.get("statusCode", 200)), mimetype="application/json")
    for name, values in merged.values():
        response.headers.setlist(name, values)
    return response


class LocalApiGateway:
    def __init__(
        self,
        routes: Sequence[Route],
        invoke: Callable[[str, dict[str, Any]], dict[str, Any]],
        state_dir: Path,
        stage: str,
        *,
        extra_routes: dict[str, Callable[[], Any]] | None = None,
        request_routes: dict[str, Callable[[Request], Any]] | None = None,
    ) -> None:
        self._router = Router(routes)
        self._invoke = invoke
        self._state_dir = state_dir
        self._stage = stage
        self._extra = extra_routes or {}
        self._request_routes = request_routes or {}  # local routes that read the request
        self._server: BaseWSGIServer | None = None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self.handle(request)
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        if request.path in self._extra:
            return _json(200, self._extra[request.path]())
        if request.path in self._request_routes:
            try:
                return _json(200, self._request_routes[request.path](request))
            except ValueError as exc:  # the local route's way of saying the request is wrong
                return _json(400, {"message": str(exc)})
        match = self._router.match(request.method, request.path)
        if match is None:
            response = _json(403, MISSING_AUTHENTICATION_TOKEN)
            response.headers["x-amzn-ErrorType"] = "MissingAuthenticationTokenException"
            return response
        claims = None
        if not match.route.public:
            header = request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip()
            claims = tokens.verify(self._state_dir, token) if token else None
            if claims is None:
                return _json(401, UNAUTHORIZED)
        try:
            return to_response(
                self._invoke(match.route.function, proxy_event(request, match, claims, self._stage))
            )
        except FunctionError:
            return _json(502, {"message": "Internal server error"})

    def start(self, host: str, port: int) -> None:
        self._server = make_server(host, port, self, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True, name="local-apigw").start()

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.server_port)

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
