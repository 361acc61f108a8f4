"""The one place errors become HTTP responses, and the shapes of API bodies (PRODUCT §9).

Every error is ``{"error": {"code", "message", "details"}}`` (:class:`dispatch.http.contract.ErrorBody`):
domain errors by their kind; routing (404 for no such route, 405 with ``Allow`` for a method the
path does not have), media types (415) and validation (400) by Powertools' exceptions; storage
refusals that are not the service's fault by :func:`dispatch.dynamo.storage_error` (503 to retry, or
400 for a number DynamoDB cannot hold). Anything else is a 500, logged with the exception's type and
where it was raised — never its message or the request, which may hold personal data.
"""

from __future__ import annotations

import base64
import json
import traceback
from http import HTTPStatus
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from botocore.exceptions import ClientError

from dispatch import errors
from dispatch.dynamo import error_code, storage_error
from dispatch.http.contract import RETRY_AFTER_SECONDS
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
    errors.Busy: HTTPStatus.SERVICE_UNAVAILABLE,
}
STACK_FRAMES = 10  # the innermost frames logged with an unexpected error


def status_of(exc: errors.DispatchError) -> HTTPStatus:
    return next(
        (code for kind, code in STATUS.items() if isinstance(exc, kind)), HTTPStatus.INTERNAL_SERVER_ERROR
    )


def error_response(
    status: HTTPStatus, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response[str]:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        headers = {**(headers or {}), "Retry-After": str(RETRY_AFTER_SECONDS)}
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body),
        headers=headers,
    )


def domain_response(exc: errors.DispatchError) -> Response[str]:
    return error_response(status_of(exc), exc.code, exc.message, exc.details)


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


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    app.exception_handler(errors.DispatchError)(domain_response)

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

    @app.exception_handler(RequestUnsupportedContentType)
    def _media_type(exc: RequestUnsupportedContentType) -> Response[str]:
        return error_response(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be application/json",
            {"content_type": app.current_event.headers.get("content-type") or None},
        )

    @app.exception_handler(ServiceError)
    def _routing(exc: ServiceError) -> Response[str]:
        """Powertools' own HTTP errors; above all NotFoundError, its "no route matched"."""
        if not isinstance(exc, NotFoundError):
            return error_response(HTTPStatus(exc.status_code), "error", str(exc.msg))
        allowed = allowed_methods(app, app.current_event.path)
        if allowed:
            return error_response(
                HTTPStatus.METHOD_NOT_ALLOWED,
                "method_not_allowed",
                f"{app.current_event.http_method} is not allowed here",
                {"allowed": allowed},
                headers={"Allow": ", ".join(allowed)},
            )
        return error_response(HTTPStatus.NOT_FOUND, "not_found", "no such route")

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response[str]:
        known = storage_error(exc)
        if known is not None:
            logger.warning("storage refused the request", error_type=_qualified(exc), code=known.code)
            return domain_response(known)
        _log_unexpected(app, exc)
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "something went wrong on our side"
        )


def allowed_methods(app: APIGatewayRestResolver, path: str) -> list[str]:
    """The methods some route of ``app`` serves ``path`` with (none: no such route)."""
    # Powertools keeps its routes in these two lists (and offers no public way to read them).
    routes = [*app._static_routes, *app._dynamic_routes]
    return sorted({route.method for route in routes if route.rule.match(path)})


def _log_unexpected(app: APIGatewayRestResolver, exc: BaseException) -> None:
    """The error's type, its causes' types, a storage error's code and the innermost frames: enough
    to find the fault, with no message (they can quote the data) and no request content."""
    causes: list[str] = []
    cause = exc.__cause__ or exc.__context__
    while cause is not None and len(causes) < 5:
        causes.append(_qualified(cause))
        cause = cause.__cause__ or cause.__context__
    frames = traceback.extract_tb(exc.__traceback__)[-STACK_FRAMES:]
    route = app.context.get("_route")
    logger.error(
        "unhandled error",
        error_type=_qualified(exc),
        error_code=error_code(exc) if isinstance(exc, ClientError) else None,
        causes=causes,
        stack=[f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" for frame in frames],
        method=app.current_event.http_method,
        route=getattr(route, "path", None),
    )


def _qualified(exc: BaseException) -> str:
    kind = type(exc)
    return f"{kind.__module__}.{kind.__qualname__}"
