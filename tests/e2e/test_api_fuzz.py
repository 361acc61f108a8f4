"""The OpenAPI document against the running API: schemathesis generates requests for every
operation (valid and invalid ones: wrong types, missing fields, odd strings) as an admin of an
organisation of its own, and every response must be documented — its status, its content type
and its body's schema — and never a server error.

So that the requests reach real items and not only 404s, the organisation is given a live
process, a batch with cards (pending approval), an export, an agent, a group and a schedule
first, and half of the generated path parameters are swapped for those ids (which half follows
from the generated value, so the run stays deterministic).

Bounded and deterministic: a fixed seed, a fixed number of examples per operation and mode, the
examples and fuzzing phases only, no shrinking."""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import boto3
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local import tokens
from local.client import ApiClient, wait_for
from local.stack import STATE_DIR, LocalStack

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.json"  # kept current by tests/unit/test_openapi.py
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = {
    "seed": 20261206,
    "generation": {"max-examples": 12, "deterministic": True, "no-shrink": True},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "request-timeout": 30,
}
ORG = "org-fuzz"

pytestmark = pytest.mark.fuzz
schema = schemathesis.openapi.from_path(DOCUMENT, config=SchemathesisConfig.from_dict(CONFIG))
KNOWN: dict[str, str] = {}  # path parameter → the id of a real item of the organisation


@pytest.fixture(scope="module")
def admin_client(stack: LocalStack) -> ApiClient:
    token = tokens.issue(STATE_DIR, user="fuzz-admin@fuzz.example", role="admin", org=ORG)
    return ApiClient(stack.api_url, token)


@pytest.fixture(scope="module")
def known_items(stack: LocalStack, admin_client: ApiClient) -> dict[str, str]:
    """Real items for the generated requests to find (see the module's docstring)."""
    process = admin_client.post("/processes", json.loads((ROOT / "examples" / "process.json").read_text()))
    admin_client.post(f"/processes/{process['id']}/publish")
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.upload_file(str(ROOT / "examples" / "recipients.csv"), stack.bucket, f"drop/{process['id']}/fuzz.csv")
    batch = wait_for(
        lambda: next(
            (b for b in admin_client.get("/batches")["items"] if b["status"] == "pending_approval"), None
        )
    )
    card = admin_client.get(f"/batches/{batch['id']}/cards")["items"][0]
    export = admin_client.post(f"/batches/{batch['id']}/exports", {"format": "csv"})
    agent = admin_client.post("/agents", {"email": "fuzz-agent@example.com", "name": "Fuzz Agent"})
    group = admin_client.post("/groups", {"name": "Fuzz group", "default_agent_id": agent["id"]})
    schedule = admin_client.post(
        "/schedules",
        {
            "name": "Fuzz retrieval",
            "config": {"kind": "retrieval", "idle_days": 30},
            "when": {"mode": "recurring", "start_at": "2030-01-01T06:00:00", "frequency": "weekly"},
        },
    )
    KNOWN.update(
        process_id=process["id"],
        batch_id=batch["id"],
        card_id=card["id"],
        export_id=export["id"],
        agent_id=agent["id"],
        group_id=group["id"],
        schedule_id=schedule["id"],
    )
    return KNOWN


@schema.hook
def map_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Every other generated id becomes a real one (decided by the generated value itself)."""
    if not path_parameters:
        return path_parameters
    return {
        name: KNOWN[name] if name in KNOWN and zlib.crc32(repr(value).encode()) % 2 else value
        for name, value in path_parameters.items()
    }


@schema.parametrize()
def test_every_response_is_the_documented_one(
    case: Any, stack: LocalStack, admin_client: ApiClient, known_items: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {admin_client.token}"}
    case.call_and_validate(base_url=stack.api_url, headers=headers, checks=CHECKS)
