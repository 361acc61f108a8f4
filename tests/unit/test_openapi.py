"""docs/openapi.json is generated from the code; it must be regenerated when the routes change."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from local.openapi import openapi_json

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_openapi_document_is_current() -> None:
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == json.loads(openapi_json()), "run `make openapi` and commit docs/openapi.json"


def test_every_route_but_health_requires_the_bearer_token() -> None:
    document = json.loads(openapi_json())
    assert document["security"] == [{"cognito": []}]
    assert document["paths"]["/health"]["get"]["security"] == []


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_error_is_documented_in_the_error_shape_or_as_a_page() -> None:
    document = json.loads(openapi_json())
    error_body = {"$ref": "#/components/schemas/ErrorBody"}
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            content = response["content"]
            assert content.get("application/json", {}).get("schema") == error_body or set(content) == {
                "text/html"
            }, (method, path, status)
    assert "HTTPValidationError" not in json.dumps(document)
    detail = document["components"]["schemas"]["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "details"}


def test_every_operation_documents_its_real_statuses() -> None:
    document = json.loads(openapi_json())
    statuses = {(method, path): set(op["responses"]) for method, path, op in _operations(document)}
    assert statuses[("POST", "/processes")] == {"201", "400", "401", "403", "413", "415", "422", "429", "503"}
    assert statuses[("POST", "/batches/{batch_id}/exports")] >= {"200", "202", "404", "409"}
    assert statuses[("POST", "/batches/{batch_id}/clone")] >= {"202", "404", "409"}
    assert statuses[("DELETE", "/agents/{agent_id}")] >= {"204", "404", "409"}
    assert statuses[("GET", "/c/{token}")] == {"302", "404", "410", "429", "503"}
    assert statuses[("GET", "/health")] == {"200", "429"}
    assert statuses[("POST", "/communications")] >= {"201", "400", "404", "409", "422"}
    assert statuses[("POST", "/batches/{batch_id}/generate")] >= {"202", "404", "409"}
    for (method, path), documented in statuses.items():
        # 422 is ours (a body well-formed but not acceptable), never Powertools' validation error
        assert "422" not in documented or method in {"POST", "PUT", "PATCH"}, (method, path)
        assert "401" in documented or path in PUBLIC, (method, path)


PUBLIC = {"/health", "/c/{token}", "/c/{token}/data", "/unsubscribe/{token}", "/offers/{token}"}


def test_responses_are_the_models_the_routes_return() -> None:
    document = json.loads(openapi_json())
    paths = document["paths"]

    def schema(path: str, method: str, status: str, media_type: str = "application/json") -> Any:
        return paths[path][method]["responses"][status].get("content", {}).get(media_type, {}).get("schema")

    assert schema("/batches/{batch_id}", "get", "200") == {"$ref": "#/components/schemas/BatchView"}
    assert schema("/batches", "get", "200") == {"$ref": "#/components/schemas/Page_BatchView_"}
    assert schema("/processes", "post", "201") == {"$ref": "#/components/schemas/Process"}
    assert schema("/c/{token}/data", "get", "200") == {"$ref": "#/components/schemas/PrefilledCard"}
    assert schema("/unsubscribe/{token}", "get", "200", "text/html") == {"type": "string"}
    assert schema("/offers/{token}", "post", "409", "text/html") == {"type": "string"}
    assert "content" not in paths["/agents/{agent_id}"]["delete"]["responses"]["204"]
    assert "content" not in paths["/c/{token}"]["get"]["responses"]["302"]
    batch = document["components"]["schemas"]["BatchView"]["properties"]
    assert "sent_label" in batch
    assert not {"chunks", "source_key", "report_key"} & set(batch)  # storage details stay inside
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            for media_type in response.get("content", {}).values():
                loose = (
                    media_type["schema"].get("additionalProperties") is True
                    and "properties" not in (media_type["schema"])
                )
                assert not loose, f"{method} {path} {status} is a free-form object"


def _referenced_schemas(document: dict[str, Any], part: Any) -> set[str]:
    """The component schemas ``part`` refers to, directly or through other schemas."""
    schemas = document["components"]["schemas"]
    found: set[str] = set()
    pending = [part]
    while pending:
        text = json.dumps(pending.pop())
        for name in set(re.findall(r'"#/components/schemas/([^"]+)"', text)) - found:
            found.add(name)
            pending.append(schemas[name])
    return found


def test_every_field_of_an_answer_is_required_since_every_answer_carries_it() -> None:
    """Responses are serialized whole (defaults and nulls included), so the document says so: a
    client generated from it (the console's) need not treat a field with a default as optional.
    A field that may be null is still required, and nullable."""
    document = json.loads(openapi_json())
    answers = [
        response
        for _, _, operation in _operations(document)
        for status, response in operation["responses"].items()
        if status.startswith("2")
    ]
    schemas = document["components"]["schemas"]
    for name in sorted(_referenced_schemas(document, answers)):
        properties = set(schemas[name].get("properties", {}))
        assert properties <= set(schemas[name].get("required", [])), (name, properties)
    batch = schemas["BatchView"]
    assert {"anyOf": [{"type": "string"}, {"type": "null"}]}.items() <= batch["properties"][
        "status_reason"
    ].items()
