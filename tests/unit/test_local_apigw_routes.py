"""The local API Gateway routes as template.yaml declares them and matches as API Gateway does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from local import tokens
from local.api_routes import Route, Router, routes_from_template
from local.apigw import LocalApiGateway, to_response
from local.lambdas import FunctionError
from local.template import Resolver, load

ROOT = Path(__file__).resolve().parents[2]
API = "batch-dispatch-local-ApiFunction"
LINKS = "batch-dispatch-local-LinksFunction"


@pytest.fixture(scope="module")
def routes() -> list[Route]:
    return routes_from_template(Resolver(load(ROOT / "template.yaml"), {"Stage": "local"}))


def test_every_api_event_of_the_template_is_a_route_public_only_without_an_authorizer(
    routes: list[Route],
) -> None:
    assert set(routes) == {
        Route(API, "/health", "ANY", public=True),  # a method the function lacks is its 405
        Route(API, "/{proxy+}", "ANY", public=False),  # the API's default authorizer (Cognito)
        Route(LINKS, "/c/{token}", "ANY", public=True),
        Route(LINKS, "/c/{token}/data", "ANY", public=True),
        Route(LINKS, "/c/{token}/data", "OPTIONS", public=True),  # its own preflight, not the API's CORS
        Route(LINKS, "/unsubscribe/{token}", "ANY", public=True),
        Route(LINKS, "/offers/{token}", "ANY", public=True),
    }


@pytest.mark.parametrize(
    ("method", "path", "function", "resource", "parameters"),
    [
        ("GET", "/health", API, "/health", {}),
        ("GET", "/c/tok-1", LINKS, "/c/{token}", {"token": "tok-1"}),
        ("OPTIONS", "/c/tok-1/data", LINKS, "/c/{token}/data", {"token": "tok-1"}),
        ("POST", "/unsubscribe/tok-1", LINKS, "/unsubscribe/{token}", {"token": "tok-1"}),
        ("POST", "/batches/b-1/approve", API, "/{proxy+}", {"proxy": "batches/b-1/approve"}),
        ("GET", "/healthz", API, "/{proxy+}", {"proxy": "healthz"}),
    ],
)
def test_the_most_specific_resource_serves_the_request(
    routes: list[Route], method: str, path: str, function: str, resource: str, parameters: dict[str, str]
) -> None:
    match = Router(routes).match(method, path)
    assert match is not None
    assert (match.route.function, match.route.path, match.path_parameters) == (function, resource, parameters)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),  # the root resource has no method; {proxy+} needs a segment
        ("GET", "/c"),  # exists as the parent of /c/{token}, with no method
    ],
)
def test_a_resource_or_method_api_gateway_does_not_have_is_not_matched(
    routes: list[Route], method: str, path: str
) -> None:
    assert Router(routes).match(method, path) is None


def test_a_resource_without_the_method_does_not_fall_back_to_a_less_specific_one() -> None:
    router = Router(
        [Route("one", "/health", "GET", public=True), Route("any", "/{proxy+}", "ANY", public=True)]
    )
    assert router.match("POST", "/health") is None
    matched = router.match("POST", "/other")
    assert matched is not None
    assert matched.route.function == "any"


def test_a_literal_segment_beats_a_parameter_which_beats_a_greedy_one() -> None:
    router = Router(
        [
            Route("greedy", "/a/{rest+}", "ANY", public=True),
            Route("parameter", "/a/{id}", "ANY", public=True),
            Route("literal", "/a/b", "ANY", public=True),
            Route("deeper", "/a/{id}/c", "GET", public=True),
        ]
    )

    def serves(path: str) -> tuple[str, dict[str, str]] | None:
        match = router.match("GET", path)
        return (match.route.function, match.path_parameters) if match else None

    assert serves("/a/b") == ("literal", {})
    assert serves("/a/x") == ("parameter", {"id": "x"})
    assert serves("/a/x/c") == ("deeper", {"id": "x"})
    assert serves("/a/x/d") == ("greedy", {"rest": "x/d"})
    assert serves("/a") is None


class FakeFunctions:
    """Stands in for the runtime: records each invocation and answers like a proxy integration."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = False

    def invoke(self, name: str, event: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((name, event))
        if self.fail:
            raise FunctionError({"errorType": "KeyError", "errorMessage": "boom"})
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": '{"ok": true}'}


@pytest.fixture
def functions() -> FakeFunctions:
    return FakeFunctions()


@pytest.fixture
def gateway(routes: list[Route], functions: FakeFunctions, tmp_path: Path) -> LocalApiGateway:
    return LocalApiGateway(
        routes, functions.invoke, tmp_path, "local", extra_routes={"/_local/x": lambda: [1]}
    )


def request(method: str, path: str, token: str | None = None) -> Request:
    headers = [("Authorization", f"Bearer {token}")] if token else []
    return EnvironBuilder(method=method, path=path, headers=headers).get_request()


def test_a_public_route_runs_its_function_with_the_routes_proxy_event(
    gateway: LocalApiGateway, functions: FakeFunctions
) -> None:
    response = gateway.handle(request("GET", "/c/tok-1/data?x=1"))
    assert response.status_code == 200
    [(name, event)] = functions.calls
    assert name == LINKS
    assert event["resource"] == event["requestContext"]["resourcePath"] == "/c/{token}/data"
    assert event["pathParameters"] == {"token": "tok-1"}
    assert event["path"] == "/c/tok-1/data"
    assert event["requestContext"]["path"] == "/local/c/tok-1/data"
    assert event["queryStringParameters"] == {"x": "1"}
    assert event["requestContext"]["authorizer"] is None


def test_a_private_route_needs_a_valid_token_and_passes_its_claims(
    gateway: LocalApiGateway, functions: FakeFunctions, tmp_path: Path
) -> None:
    refused = gateway.handle(request("GET", "/batches"))
    forged = gateway.handle(request("GET", "/batches", token="dev.e30.forged"))
    assert refused.status_code == forged.status_code == 401
    assert json.loads(refused.get_data())["error"]["code"] == "unauthorized"
    assert functions.calls == []

    token = tokens.issue(tmp_path, user="s@org.test", role="sender", org="org-1")
    assert gateway.handle(request("GET", "/batches", token=token)).status_code == 200
    [(name, event)] = functions.calls
    assert name == API
    assert (event["resource"], event["pathParameters"]) == ("/{proxy+}", {"proxy": "batches"})
    assert event["requestContext"]["authorizer"]["claims"]["custom:org_id"] == "org-1"


def test_an_unknown_resource_or_method_is_api_gateways_403_even_without_a_token(
    gateway: LocalApiGateway, functions: FakeFunctions
) -> None:
    for response in (gateway.handle(request("GET", "/")), gateway.handle(request("PUT", "/c"))):
        assert response.status_code == 403
        assert json.loads(response.get_data()) == {"message": "Missing Authentication Token"}
        assert response.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert functions.calls == []


def test_a_function_error_is_a_502_and_local_extra_routes_bypass_the_routes(
    gateway: LocalApiGateway, functions: FakeFunctions
) -> None:
    functions.fail = True
    failed = gateway.handle(request("GET", "/health"))
    assert (failed.status_code, json.loads(failed.get_data())) == (502, {"message": "Internal server error"})
    extra = gateway.handle(request("GET", "/_local/x"))
    assert (extra.status_code, json.loads(extra.get_data())) == (200, [1])


def test_a_response_carries_one_content_type_as_the_function_set_it() -> None:
    """Powertools answers with ``multiValueHeaders`` only; the gateway's own default must not stay
    beside the function's header (API Gateway merges the two maps, multi-value lists winning)."""
    response = to_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "text/plain", "X-One": "a"},
            "multiValueHeaders": {"content-type": ["application/json"], "Set-Cookie": ["a=1", "b=2"]},
            "body": "{}",
        }
    )
    assert response.headers.getlist("Content-Type") == ["application/json"]
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["X-One"] == "a"
    defaulted = to_response({"statusCode": 204, "body": ""})
    assert defaulted.headers.getlist("Content-Type") == ["application/json"]


def test_a_body_that_is_not_utf8_reaches_the_function_as_api_gateway_passes_it(
    gateway: LocalApiGateway, functions: FakeFunctions, tmp_path: Path
) -> None:
    token = tokens.issue(tmp_path, user="s@org.test", role="sender", org="org-1")
    response = Client(gateway).post(
        "/batches",
        data=b'{"name": "caf\xe9"}',
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200  # the function's answer, not the gateway's HTML 500
    [(_, event)] = functions.calls
    assert event["body"] == '{"name": "caf\ufffd"}'
    assert event["isBase64Encoded"] is False
