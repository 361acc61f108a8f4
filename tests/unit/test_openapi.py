"""docs/openapi.json is generated from the code; it must be regenerated when the routes change."""

from __future__ import annotations

import json
from pathlib import Path

from local.openapi import openapi_json

ROOT = Path(__file__).resolve().parents[2]


def test_the_committed_openapi_document_is_current() -> None:
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text())
    assert committed == json.loads(openapi_json()), "run `make openapi` and commit docs/openapi.json"


def test_every_route_but_health_requires_the_bearer_token() -> None:
    document = json.loads(openapi_json())
    assert document["security"] == [{"cognito": []}]
    assert document["paths"]["/health"]["get"]["security"] == []
