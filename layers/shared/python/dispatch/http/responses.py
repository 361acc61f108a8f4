"""The one place domain errors become HTTP responses, and the shapes of API bodies (PRODUCT §9)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from dispatch import errors
from dispatch.observability import logger

STATUS: dict[type[errors.DispatchError], HTTPStatus] = {
    errors.InvalidRequest: HTTPStatus.BAD_REQUEST,
    errors.Unauthorized: HTTPStatus.UNAUTHORIZED,
    errors.Forbidden: HTTPStatus.FORBIDDEN,
    errors.NotFound: HTTPStatus.NOT_FOUND,
    errors.Conflict: HTTPStatus.CONFLICT,
    errors.Gone: HTTPStatus.GONE,
    errors.TooLarge: HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
    errors.Unprocessable: HTTPStatus.UNPROCESSABLE_ENTITY,
}


def status_of(exc: errors.DispatchError) -> HTTPStatus:
    return next(
        (code for kind, code in STATUS.items() if isinstance(exc, kind)), HTTPStatus.INTERNAL_SERVER_ERROR
    )


def error_response(status: HTTPStatus, code: str, message: str, details: Any = None) -> Response[str]:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps(body))


def file_response(body: bytes, media_type: str, filename: str) -> Response[str]:
    """A file download. The body is base64 text flagged as such: Powertools' response validation
    would try to read raw bytes as UTF-8, and API Gateway decodes it (BinaryMediaTypes)."""
    response: Response[str] = Response(
        status_code=HTTPStatus.OK,
        content_type=media_type,
        body=base64.b64encode(body).decode(),
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    response.base64_encoded = True
    return response


def page(items: Iterable[dict[str, Any]], next_cursor: str | None) -> dict[str, Any]:
    return {"items": list(items), "next_cursor": next_cursor}


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(errors.DispatchError)
    def _domain(exc: errors.DispatchError) -> Response[str]:
        return error_response(status_of(exc), exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    def _validation(exc: RequestValidationError) -> Response[str]:
        problems = [
            {
                "location": ".".join(str(part) for part in error.get("loc", ())),
                "message": error.get("msg", ""),
            }
            for error in exc.errors()
        ]
        return error_response(
            HTTPStatus.BAD_REQUEST, "invalid_request", "the request is not valid", {"errors": problems}
        )

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "something went wrong on our side"
        )
