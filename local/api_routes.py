"""The REST API's routes, read from the functions' ``Api`` events, matched as API Gateway does.

API Gateway keeps a tree of resources: every route path and each of its prefixes (``/c`` exists
because ``/c/{token}`` does). A request goes to the most specific resource whose path matches,
segment by segment a literal before ``{param}`` before ``{proxy+}``; only then is the method looked
up on that resource (its own, else ``ANY``). A path no resource matches, or a resource without that
method, is API Gateway's 403 ``Missing Authentication Token`` (it does not fall back to a less
specific resource). Resolution comes before authorisation, so that 403 needs no token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from local.template import Resolver

_LITERAL, _PARAMETER, _GREEDY = 0, 1, 2


@dataclass(frozen=True)
class Route:
    """One method of one resource, served by one function."""

    function: str
    path: str  # as in the template: /c/{token}, /{proxy+}
    method: str  # GET, POST, … or ANY
    public: bool  # no authorizer


@dataclass(frozen=True)
class Match:
    route: Route
    path_parameters: dict[str, str]


def routes_from_template(resolver: Resolver) -> list[Route]:
    return [
        Route(
            function=resolver.physical_name(logical_id),
            path=str(props["Path"]),
            method=str(props["Method"]).upper(),
            public=_authorizer(resolver, props) is None,
        )
        for logical_id, _, props in resolver.function_events("Api")
    ]


def _authorizer(resolver: Resolver, props: dict[str, Any]) -> str | None:
    """The event's authorizer, else its API's default (``NONE`` means none)."""
    authorizer = props.get("Auth", {}).get("Authorizer")
    if authorizer is None:
        api = props.get("RestApiId", {}).get("Ref")
        api_props = (
            resolver.resources[api].get("Properties", {})
            if api
            else resolver.template.get("Globals", {}).get("Api", {})
        )
        authorizer = api_props.get("Auth", {}).get("DefaultAuthorizer")
    return None if authorizer in (None, "NONE") else str(authorizer)


class Router:
    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = list(routes)
        resources = {"/"}
        for route in self.routes:
            segments = _segments(route.path)
            resources.update("/" + "/".join(segments[:n]) for n in range(1, len(segments) + 1))
        # Most specific first: compare segment by segment, a literal before a parameter before greedy.
        self._resources = sorted(resources, key=lambda path: [_rank(s) for s in _segments(path)])

    def match(self, method: str, path: str) -> Match | None:
        """The route serving this request, with its path parameters; None is API Gateway's 403."""
        requested = _segments(path)
        for resource in self._resources:
            parameters = _bind(_segments(resource), requested)
            if parameters is None:
                continue
            methods = {route.method: route for route in self.routes if route.path == resource}
            route = methods.get(method.upper()) or methods.get("ANY")
            return Match(route, parameters) if route else None
        return None


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


def _rank(segment: str) -> int:
    if segment.startswith("{") and segment.endswith("+}"):
        return _GREEDY
    return _PARAMETER if segment.startswith("{") else _LITERAL


def _bind(template: list[str], requested: list[str]) -> dict[str, str] | None:
    """The path parameters if the request's segments fit the resource's, else None."""
    parameters: dict[str, str] = {}
    for index, segment in enumerate(template):
        rank = _rank(segment)
        if rank == _GREEDY:
            rest = requested[index:]
            if not rest:
                return None
            parameters[segment[1:-2]] = "/".join(rest)
            return parameters
        if index >= len(requested):
            return None
        if rank == _PARAMETER:
            parameters[segment[1:-1]] = requested[index]
        elif segment != requested[index]:
            return None
    return parameters if len(template) == len(requested) else None
