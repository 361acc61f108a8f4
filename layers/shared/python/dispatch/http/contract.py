"""What the API promises beyond each route's own model: the error body, the page of a list, and
the statuses each operation documents (the OpenAPI document is generated from them).

Each route names the errors it can answer with ``responses=documented(...)``; what every route
shares is added here: 401 and 403 (the authorizer, roles), 429 (API Gateway's throttling) and 503
(the storage layer's transient refusals, :class:`dispatch.errors.Busy`); 400, 413 and 415 for a
route that takes a body or query parameters.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Generic, TypeVar

from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse, OpenAPIResponseHeader
from pydantic import Field

from dispatch.models import Model

Item = TypeVar("Item")

JSON = "application/json"
HTML = "text/html"
RETRY_AFTER_SECONDS = 1
RETRY_AFTER: dict[str, OpenAPIResponseHeader] = {
    "Retry-After": {"description": "seconds to wait before trying again", "schema": {"type": "integer"}}
}
DESCRIPTIONS = {
    HTTPStatus.OK: "OK",
    HTTPStatus.CREATED: "Created",
    HTTPStatus.ACCEPTED: "Accepted: the work goes on asynchronously",
    HTTPStatus.NO_CONTENT: "Deleted",
    HTTPStatus.FOUND: "Redirect",
    HTTPStatus.BAD_REQUEST: "Not valid: a parameter, the JSON body, the cursor, a number that cannot be kept",
    HTTPStatus.UNAUTHORIZED: "No valid token",
    HTTPStatus.FORBIDDEN: "The caller's role or organisation does not allow it",
    HTTPStatus.NOT_FOUND: "Not found: no such item in the caller's organisation, or no such link",
    HTTPStatus.CONFLICT: "The item's state does not allow it (the current state is in details)",
    HTTPStatus.GONE: "The link has expired",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "The request body is too large",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "The body is not application/json",
    HTTPStatus.UNPROCESSABLE_ENTITY: "Well-formed but not acceptable as it is (the message says why)",
    HTTPStatus.TOO_MANY_REQUESTS: "Throttled by the API; try again later",
    HTTPStatus.SERVICE_UNAVAILABLE: "Busy (a concurrent change, or capacity); nothing was done, try again",
}


class ErrorDetail(Model):
    code: str = Field(description="stable, for programs: invalid_request, not_found, conflict, …")
    message: str = Field(description="for people")
    details: dict[str, Any] = Field(description="what the error is about, e.g. the current status")


class ErrorBody(Model):
    """Every error the API answers with, its own or API Gateway's (401, 403, 413, 429)."""

    error: ErrorDetail


class Page(Model, Generic[Item]):
    """One page of a list. ``next_cursor`` continues the same list: pass it as ``cursor`` with the
    same query; it is signed, so any other cursor is a 400."""

    items: list[Item]
    next_cursor: str | None = Field(description="the cursor of the next page; null on the last page")


class Health(Model):
    status: str


def documented(
    *errors: int,
    success: int = HTTPStatus.OK,
    also: tuple[int, ...] = (),
    authenticated: bool = True,
    takes_input: bool = False,
    body: bool = False,
    stored: bool = True,
) -> dict[int, OpenAPIResponse]:
    """The responses of an operation: ``success`` (and ``also``) described by the route's return
    model, then its ``errors`` and the shared ones in the error shape. ``takes_input``: query
    parameters (400); ``body``: a JSON body (400, 413, 415); ``stored``: it reads or writes the
    tables (503)."""
    shared: set[int] = {HTTPStatus.TOO_MANY_REQUESTS}
    if stored:
        shared.add(HTTPStatus.SERVICE_UNAVAILABLE)
    if authenticated:
        shared |= {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}
    if takes_input or body:
        shared.add(HTTPStatus.BAD_REQUEST)
    if body:
        shared |= {HTTPStatus.REQUEST_ENTITY_TOO_LARGE, HTTPStatus.UNSUPPORTED_MEDIA_TYPE}
    responses: dict[int, OpenAPIResponse] = {
        int(status): {"description": DESCRIPTIONS[HTTPStatus(status)]} for status in (success, *also)
    }
    if success in (HTTPStatus.NO_CONTENT, HTTPStatus.FOUND):
        responses[success]["content"] = {}  # no body (Powertools would describe the return type)
    for status in sorted(shared | set(errors)):
        responses[int(status)] = error_response_doc(status)
    return responses


def error_response_doc(status: int, media_type: str = JSON) -> OpenAPIResponse:
    """One error status in the error shape (or, for the public HTML pages, as a page)."""
    content: dict[str, Any] = (
        {JSON: {"model": ErrorBody}} if media_type == JSON else {media_type: {"schema": {"type": "string"}}}
    )
    response: OpenAPIResponse = {"description": DESCRIPTIONS[HTTPStatus(status)], "content": content}
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        response["headers"] = RETRY_AFTER
    return response


def html_page(*errors: int) -> dict[int, OpenAPIResponse]:
    """The responses of a public page: the page, and its errors as pages too. API Gateway's
    throttling stays JSON; a 404 is JSON when not even the route matched (a token with characters
    no link has), and a 503 may be either (from the page, or a storage error outside its handling)."""
    page: dict[str, Any] = {HTML: {"schema": {"type": "string"}}}
    responses: dict[int, OpenAPIResponse] = {HTTPStatus.OK: {"description": "The page", "content": page}}
    for status in errors:
        responses[int(status)] = error_response_doc(status, HTML)
    responses[HTTPStatus.TOO_MANY_REQUESTS] = error_response_doc(HTTPStatus.TOO_MANY_REQUESTS)
    for status in (HTTPStatus.NOT_FOUND, HTTPStatus.SERVICE_UNAVAILABLE):
        either = error_response_doc(status)
        either["content"] = {**page, **either.get("content", {})}
        responses[status] = either
    return responses
