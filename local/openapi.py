"""The OpenAPI document, generated from the routes of the API and card-link functions (committed as
docs/openapi.json)."""

from __future__ import annotations

import importlib.util
import json
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
    """Two facts Powertools cannot express: request validation errors are mapped to 400 (see
    dispatch.http.responses), and the public routes (per template.yaml) need no token."""
    router = Router(routes_from_template(Resolver(load(ROOT / "template.yaml"), LOCAL_PARAMETERS)))
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation.get("responses", {})
            if "422" in responses and responses["422"].get("description") == "Validation Error":
                responses["400"] = {**responses.pop("422"), "description": "The request is not valid"}
            match = router.match(method, path)
            if match is not None and match.route.public:
                operation["security"] = []
    return document
