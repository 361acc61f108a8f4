"""The resolver both HTTP functions are built on: routing, request and response validation, and
the error mapping of :mod:`dispatch.http.responses`.

Request bodies are JSON and nothing else. Powertools would also read form-encoded and multipart
bodies (and fail with a 500 on a malformed multipart one); here any other media type is a 415, and
a body that is not JSON — not UTF-8, NaN or Infinity, a number beyond a float's range — is a 400.
A response that does not match its route's model is the service's fault: a 500, logged.
"""

from __future__ import annotations

import json
import math
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.types import EventHandlerInstance

from dispatch.http.responses import register_error_handlers


def resolver(*, validation: bool) -> APIGatewayRestResolver:
    """A resolver with the API's rules; ``validation``: routes are validated against their
    signatures (request) and return models (response)."""
    app = APIGatewayRestResolver(
        enable_validation=validation,
        response_validation_error_http_code=HTTPStatus.INTERNAL_SERVER_ERROR if validation else None,
        json_body_deserializer=strict_json,
    )
    if validation:
        # Powertools has no public hook for the media types it reads; its request validation is the
        # one place bodies are read, so it is replaced by one that reads JSON only.
        app._request_validation_middleware = JsonBodies()
    register_error_handlers(app)
    return app


def strict_json(text: str | bytes) -> Any:
    """JSON as RFC 8259 has it: no NaN or Infinity, no number that overflows to infinity."""
    return json.loads(text, parse_constant=_not_a_number, parse_float=_finite)


def _not_a_number(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def is_json(content_type: str) -> bool:
    """``application/json`` or a ``+json`` type, with any parameters; no header counts as JSON."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type in ("", "application/json") or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class JsonBodies(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, reading a body as JSON only."""

    def _get_body(self, app: EventHandlerInstance) -> dict[str, Any]:
        content_type = str(app.current_event.headers.get("content-type") or "")
        if not is_json(content_type):
            raise RequestUnsupportedContentType(
                "Unsupported content type",
                errors=[
                    {
                        "type": "unsupported_content_type",
                        "loc": ("body",),
                        "msg": "the body must be application/json",
                        "input": {},
                        "ctx": {"content_type": content_type[:100]},
                    }
                ],
            )
        try:
            body: dict[str, Any] = app.current_event.json_body
        except ValueError as exc:  # not JSON, not UTF-8, not base64, NaN, an overflowing number
            raise RequestValidationError(
                [
                    {
                        "type": "json_invalid",
                        "loc": ("body",),
                        "msg": f"the body is not valid JSON ({str(exc)[:120]})",
                        "input": {},
                        "ctx": {},
                    }
                ]
            ) from exc
        return body
