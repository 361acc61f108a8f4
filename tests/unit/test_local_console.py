"""The local stack's console hosting: the template's headers and routing, config.json, the
development token endpoint, and the local gateway's CORS (the template's, with the local origin)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.test import Client, EnvironBuilder

from local import tokens
from local.api_routes import routes_from_template
from local.apigw import LocalApiGateway, cors_from_template
from local.console import LocalConsole, screen_route, security_headers
from local.template import Resolver, load

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = "http://127.0.0.1:3001"
API = "http://127.0.0.1:3000"
AWS = "http://127.0.0.1:4566"


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(
        load(ROOT / "template.yaml"),
        {"Stage": "local"},
        attributes={"ConsoleDistribution.DomainName": "127.0.0.1:3001"},
    )


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>console</title>")
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log(1)")
    return tmp_path


@pytest.fixture
def client(dist: Path, resolver: Resolver, tmp_path: Path) -> Client:
    return Client(LocalConsole(dist, resolver, tmp_path / "state", API, AWS))


def test_the_csp_is_the_templates_with_only_connect_src_made_local(resolver: Resolver) -> None:
    policy = resolver.resources["ConsoleHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    template = str(
        resolver.resolve(policy["SecurityHeadersConfig"]["ContentSecurityPolicy"]["ContentSecurityPolicy"])
    )
    local = security_headers(resolver, [API, AWS])["Content-Security-Policy"]

    def directives(csp: str) -> dict[str, str]:
        return {part.split()[0]: part.strip() for part in csp.split(";") if part.strip()}

    ours, theirs = directives(local), directives(template)
    assert ours.pop("connect-src") == f"connect-src 'self' {API} {AWS}"
    assert theirs.pop("connect-src").startswith("connect-src 'self' https://")
    assert ours == theirs
    assert theirs["script-src"] == "script-src 'self'"
    assert theirs["frame-ancestors"] == "frame-ancestors 'none'"


def test_screens_are_index_html_files_are_files_and_a_missing_file_is_a_404(client: Client) -> None:
    for path in ("/", "/batches", "/batches/01abc", "/processes/p-1?x=1"):
        page = client.get(path)
        assert (page.status_code, page.get_data(as_text=True)) == (
            200,
            "<!doctype html><title>console</title>",
        )
        assert page.headers["Cache-Control"] == "no-cache"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    asset = client.get("/assets/index-abc123.js")
    assert asset.status_code == 200
    assert asset.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert asset.mimetype in {"text/javascript", "application/javascript"}
    assert client.get("/assets/gone-0000.js").status_code == 404
    assert client.get("/../../etc/passwd.txt").status_code == 404


def test_the_routing_rule_is_the_cloudfront_functions(resolver: Resolver) -> None:
    is_file = screen_route(resolver)
    assert is_file.search("/assets/index-abc.js")
    assert is_file.search("/config.json")
    assert not is_file.search("/batches/01abc")


def test_config_json_names_the_local_api_and_the_development_sign_in(client: Client) -> None:
    config = client.get("/config.json")
    assert json.loads(config.get_data()) == {"apiUrl": API, "auth": {"mode": "dev"}}
    assert config.headers["Cache-Control"] == "no-cache"


def test_the_token_endpoint_mints_what_dispatch_token_prints(client: Client, tmp_path: Path) -> None:
    answer = client.post("/_local/token", json={"user": "ada@acme.test", "role": "approver", "org": "acme"})
    assert answer.status_code == 200
    claims = tokens.verify(tmp_path / "state", json.loads(answer.get_data())["token"])
    assert claims is not None
    assert (claims["email"], claims["cognito:groups"], claims["custom:org_id"]) == (
        "ada@acme.test",
        "approver",
        "acme",
    )
    for bad in (
        {"user": "a@b.c", "role": "root", "org": "acme"},
        {"user": "", "role": "admin", "org": "acme"},
        None,
    ):
        refused = client.post("/_local/token", json=bad)
        assert refused.status_code == 400
        assert "sign in with" in json.loads(refused.get_data())["message"]
    assert client.get("/_local/token").status_code == 405


def test_an_unbuilt_console_says_how_to_build_it(resolver: Resolver, tmp_path: Path) -> None:
    page = Client(LocalConsole(tmp_path / "missing", resolver, tmp_path, API, AWS)).get("/batches")
    assert page.status_code == 503
    assert "make build" in page.get_data(as_text=True)


def test_the_gateway_answers_preflights_and_its_own_errors_with_the_consoles_origin(
    resolver: Resolver, tmp_path: Path
) -> None:
    cors = cors_from_template(resolver, CONSOLE)
    assert cors is not None
    assert (cors.allow_headers, cors.max_age) == ("Authorization,Content-Type", "600")
    invoked: list[str] = []

    def invoke(name: str, event: object) -> dict[str, object]:
        invoked.append(name)
        return {"statusCode": 204, "headers": {}, "body": ""}

    gateway = LocalApiGateway(routes_from_template(resolver), invoke, tmp_path, "local", cors=cors)

    def call(method: str, path: str) -> tuple[int, dict[str, str]]:
        response = gateway.handle(
            EnvironBuilder(method=method, path=path, headers={"Origin": CONSOLE}).get_request()
        )
        return response.status_code, dict(response.headers)

    status, headers = call("OPTIONS", "/batches/b-1/approve")  # no token: preflights carry none
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == CONSOLE
    assert "PATCH" in headers["Access-Control-Allow-Methods"]
    assert invoked == []
    status, headers = call("GET", "/batches")
    assert (status, headers["Access-Control-Allow-Origin"]) == (401, CONSOLE)
    status, _ = call("OPTIONS", "/c/tok-1/data")  # the card data's own preflight: its function answers
    assert (status, invoked) == (204, ["batch-dispatch-local-LinksFunction"])
