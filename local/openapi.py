"""The OpenAPI document, generated from the routes of the API and card-link functions (committed as
docs/openapi.json)."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from local.api_routes import Router, routes_from_template
from local.stack import LOCAL_PARAMETERS, ROOT
from local.template import Resolver, load

APPS = ("functions/api/app.py", "functions/links/app.py")  # the authenticated API, the public card links


def _app(path: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"_openapi_{Path(path).parent.name}_app", ROOT / path)
    if spec is None or spec.loader is None:
        raise ImportError(f"{path} cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def openapi_json() -> str:
    """One document for every function behind the REST API: their paths and schemas merged."""
    documents = [
        json.loads(
            _app(path).get_openapi_json_schema(
                title="Batch Dispatch API",
                version="0.1.0",
                summary="Bulk sending of personalised card links: processes, batches, approval, delivery.",
                description=(
                    "Every route needs a Cognito ID token (Authorization: Bearer ...) whose groups give the "
                    "role (sender, approver, admin) and whose custom:org_id claim gives the organisation, "
                    "except the public routes (/health, card links, unsubscribe). Errors are "
                    '{"error": {"code", "message", "details"}}; '
                    'lists are {"items": [...], "next_cursor": ...}.'
                ),
                security_schemes={"cognito": HTTPBearer(bearerFormat="JWT")},
                security=[{"cognito": []}],
            )
        )
        for path in APPS
    ]
    document, *others = documents
    for other in others:
        document["paths"].update(other["paths"])
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(other.get("components", {}).get("schemas", {}))
    document["paths"] = dict(sorted(document["paths"].items()))
    return json.dumps(_as_served(document), indent=2)


def _as_served(document: dict[str, Any]) -> dict[str, Any]:
    """What Powertools cannot express: request validation errors are 400s, which each route
    documents with the others (dispatch.http.contract), so its own 422 "Validation Error" goes, as
    does its 500 for a response that does not match its model (a fault, answered as any other
    500); a response without a body has no content; the public routes (per template.yaml) need no token.
    Schemas nothing refers to any more are dropped."""
    router = Router(routes_from_template(Resolver(load(ROOT / "template.yaml"), LOCAL_PARAMETERS)))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]
            if responses.get("500", {}).get("description") == "Response Validation Error":
                del responses["500"]  # a response that misses its model is our fault: never documented
            for response in responses.values():
                if response.get("content") == {}:
                    del response["content"]
            match = router.match(method, path)
            if match is not None and match.route.public:
                operation["security"] = []
    schemas = document.get("components", {}).get("schemas", {})
    while unused := set(schemas) - _referenced(document["paths"], schemas):
        for name in unused:
            del schemas[name]
    return document


def _referenced(paths: dict[str, Any], schemas: dict[str, Any]) -> set[str]:
    """The component schemas the paths refer to, directly or through other schemas."""
    found: set[str] = set()
    pending = [paths]
    while pending:
        text = json.dumps(pending.pop())
        for name in set(re.findall(r'"#/components/schemas/([^"]+)"', text)) - found:
            found.add(name)
            if name in schemas:
                pending.append(schemas[name])
    return found
