"""Lists over the API: the page body, and the signed cursor a caller hands back for the next page
(:class:`dispatch.dynamo.PageCursors`). A cursor's scope is the caller's organisation, the path
and every query parameter but ``cursor`` and ``limit``: the next page of the same list, whatever
its size, and nothing else."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, TypeVar, cast
from urllib.parse import urlencode

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from dispatch import services
from dispatch.http.caller import signed_in
from dispatch.http.contract import Page

Item = TypeVar("Item")
PAGING_PARAMETERS = frozenset({"cursor", "limit"})

Cursor = Annotated[
    str | None,
    Query(max_length=4096, description="the next_cursor of the previous page, with the same query"),
]


def start(app: APIGatewayRestResolver | Router, cursor: str | None) -> str | None:
    """Where the page a cursor asks for starts (None: the first page); 400 for any cursor this
    list did not hand out to this organisation for this query."""
    return services.page_cursors().open(_scope(app), cursor)


def page(
    app: APIGatewayRestResolver | Router, model: type[Page[Item]], items: Iterable[Item], position: str | None
) -> Page[Item]:
    """A page of ``items``, with the signed cursor of the page after it (from ``position``)."""
    return model(items=list(items), next_cursor=services.page_cursors().seal(_scope(app), position))


def _scope(app: APIGatewayRestResolver | Router) -> str:
    event = cast(APIGatewayProxyEvent, app.current_event)
    query = sorted(
        (name, value)
        for name, values in (event.multi_value_query_string_parameters or {}).items()
        if name not in PAGING_PARAMETERS
        for value in values
    )
    return "\n".join((signed_in(app).org_id, event.path, urlencode(query)))
