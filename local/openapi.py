"""The OpenAPI document, generated from the API function's routes (committed as docs/openapi.json)."""

from __future__ import annotations

import importlib.util
import json
from typing import Any

from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from local.apigw import PUBLIC_PATHS
from local.stack import ROOT


def openapi_json() -> str:
    spec = importlib.util.spec_from_file_location("_openapi_api_app", ROOT / "functions/api/app.py")
    if spec is None or spec.loader is None:
        raise ImportError("functions/api/app.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: Any = module.app
    document = json.loads(
        app.get_openapi_json_schema(
            title="Batch Dispatch API",
            version="0.1.0",
            summary="Bulk sending of personalised card links: processes, batches, approval, delivery.",
            description=(
                "Every route needs a Cognito ID token (Authorization: Bearer ...) whose groups give the role "
                "(sender, approver, admin) and whose custom:org_id claim gives the organisation, except the "
                "public routes (/health, card links, unsubscribe). Errors are "
                '{"error": {"code", "message", "details"}}; lists are {"items": [...], "next_cursor": ...}.'
            ),
            security_schemes={"cognito": HTTPBearer(bearerFormat="JWT")},
            security=[{"cognito": []}],
        )
    )
    return json.dumps(_as_served(document), indent=2)


def _as_served(document: dict[str, Any]) -> dict[str, Any]:
    """Two facts Powertools cannot express: request validation errors are mapped to 400 (see
    dispatch.http.responses), and the public routes need no token."""
    for path, operations in document["paths"].items():
        for operation in operations.values():
            responses = operation.get("responses", {})
            if "422" in responses and responses["422"].get("description") == "Validation Error":
                responses["400"] = {**responses.pop("422"), "description": "The request is not valid"}
            if path.startswith(PUBLIC_PATHS):
                operation["security"] = []
    return document
