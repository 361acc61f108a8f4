"""A local stand-in for API Gateway: HTTP requests become REST proxy events for the function whose
``Api`` event (in template.yaml) serves the route; see ``local.api_routes`` for the matching.

Like the Cognito authorizer in AWS, it rejects requests to a route with an authorizer when they
carry no valid (development) token, before the function runs, and passes the token's claims in
``requestContext.authorizer.claims``.

CORS is the template's (``BatchApi``'s ``Cors``, which SAM turns into an unauthenticated OPTIONS
answer on every path that does not define its own, and the gateway responses' headers), with the
local console's origin standing in for the CloudFront distribution's.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from local import tokens
from local.api_routes import Match, Route, Router
from local.lambdas import FunctionError
from local.serving import ServedInBackground
from local.template import Resolver

# The template's gateway response for UNAUTHORIZED; MISSING_AUTHENTICATION_TOKEN keeps AWS's default.
UNAUTHORIZED = {"error": {"code": "unauthorized", "message": "authentication required", "details": {}}}
MISSING_AUTHENTICATION_TOKEN = {"message": "Missing Authentication Token"}


@dataclass(frozen=True)
class GatewayCors:
    """An API's ``Cors`` setting, as API Gateway applies it."""

    origin: str
    allow_headers: str
    allow_methods: str
    max_age: str

    def preflight(self) -> Response:
        """SAM's mock OPTIONS integration: 200 with the allowed origin, methods and headers."""
        response = _json(200, {})
        response.headers.update(
            {
                "Access-Control-Allow-Origin": self.origin,
                "Access-Control-Allow-Methods": self.allow_methods,
                "Access-Control-Allow-Headers": self.allow_headers,
                "Access-Control-Max-Age": self.max_age,
            }
        )
        return response

    def gateway_response(self, response: Response) -> Response:
        """The template's gateway responses (401, 403, 5xx) carry the console's origin."""
        response.headers["Access-Control-Allow-Origin"] = self.origin
        response.headers["Vary"] = "Origin"
        return response


def cors_from_template(resolver: Resolver, origin: str) -> GatewayCors | None:
    """The ``Cors`` of the template's REST API (values are quoted strings, as SAM takes them)."""
    for spec in resolver.resources.values():
        cors = spec.get("Properties", {}).get("Cors") if spec["Type"] == "AWS::Serverless::Api" else None
        if cors:
            headers, methods, max_age = (
                str(resolver.resolve(cors[name])).strip("'")
                for name in ("AllowHeaders", "AllowMethods", "MaxAge")
            )
            return GatewayCors(origin, headers, methods, max_age)
    return None


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


class LocalApiGateway(ServedInBackground):
    thread_name = "local-apigw"

    def __init__(
        self,
        routes: Sequence[Route],
        invoke: Callable[[str, dict[str, Any]], dict[str, Any]],
        state_dir: Path,
        stage: str,
        *,
        extra_routes: dict[str, Callable[[], Any]] | None = None,
        request_routes: dict[str, Callable[[Request], Any]] | None = None,
        cors: GatewayCors | None = None,
    ) -> None:
        self._cors = cors
        self._router = Router(routes)
        self._invoke = invoke
        self._state_dir = state_dir
        self._stage = stage
        self._extra = extra_routes or {}
        self._request_routes = request_routes or {}  # local routes that read the request

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
            return self._gateway(response)
        if request.method == "OPTIONS" and match.route.method != "OPTIONS" and self._cors is not None:
            return self._cors.preflight()
        claims = None
        if not match.route.public:
            header = request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ").strip()
            claims = tokens.verify(self._state_dir, token) if token else None
            if claims is None:
                return self._gateway(_json(401, UNAUTHORIZED))
        try:
            return to_response(
                self._invoke(match.route.function, proxy_event(request, match, claims, self._stage))
            )
        except FunctionError:
            return self._gateway(_json(502, {"message": "Internal server error"}))

    def _gateway(self, response: Response) -> Response:
        return self._cors.gateway_response(response) if self._cors is not None else response


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
