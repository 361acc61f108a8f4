"""CORS on the API's answers, for the operator console's origin only (PRODUCT §11).

API Gateway answers the browser's preflights and puts the header on its own errors (template.yaml,
``BatchApi``); a Lambda proxy answer passes through untouched, so the API function adds the header
itself — to every answer, errors included, so the console can read a refusal's message — when the
request comes from the console's origin. Any other origin gets no CORS header, and so no access.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def request_origin(event: Mapping[str, Any]) -> str | None:
    headers = event.get("headers") or {}
    return next((str(value) for key, value in headers.items() if key.lower() == "origin"), None)


def with_cors(response: dict[str, Any], event: Mapping[str, Any], allowed_origin: str) -> dict[str, Any]:
    """The response, with ``Access-Control-Allow-Origin`` when the request's origin is the console's."""
    origin = request_origin(event)
    if not allowed_origin or origin != allowed_origin:
        return response
    headers = dict(response.get("multiValueHeaders") or {})
    headers["Access-Control-Allow-Origin"] = [allowed_origin]
    headers["Vary"] = [*headers.get("Vary", []), "Origin"]
    return {**response, "multiValueHeaders": headers}
