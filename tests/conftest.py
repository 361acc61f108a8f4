"""Fixtures shared by every test tier: event factories and the resets of process-wide caches."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import boto3
import botocore.session
import pytest
from aws_lambda_powertools.utilities import parameters

from dispatch import aws, services
from dispatch.config import environment_settings

ROOT = Path(__file__).resolve().parent.parent
EVENTS = Path(__file__).resolve().parent / "events"


@pytest.fixture(scope="session", autouse=True)
def _botocore_data_read_once() -> Iterator[None]:
    """One botocore data loader for every session the tests create, as ``dispatch.aws`` does for the
    handlers. moto replaces boto3's default session under each mock, so without this every test
    that calls ``boto3.client`` (the provisioning of template.yaml among them) re-reads the endpoint
    rules and service models — JSON files of several MB — about 0.3 CPU-seconds a test. The files
    are the installed botocore's and never change during a run; the loader caches what it parsed
    exactly as one long-lived session would."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(botocore.session, "create_loader", cache(botocore.session.create_loader))
        yield


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """Settings, boto3 clients and Powertools' secret cache are per process: start each test clean."""
    environment_settings.cache_clear()
    aws.reset()
    parameters.clear_caches()
    yield
    environment_settings.cache_clear()
    aws.reset()
    parameters.clear_caches()


# 19:00 UTC: daytime for every US number the tests text (09:00 in Honolulu, 14:00 in New York).
US_DAYTIME = datetime(2026, 1, 15, 19, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _daytime_for_quiet_hours(request: pytest.FixtureRequest) -> Iterator[None]:
    """Quiet hours are on by default and go by the recipient's clock; tests that are not about them
    must not depend on the hour they run at, so the quiet-hours clock reads US daytime (the local
    stack runs its handlers in this process). Quiet hours themselves are tested with clocks of their
    own (tests/unit/test_quiet_hours.py, tests/integration/test_quiet_hours_sending.py), or on the
    local stack's own clock (``@pytest.mark.quiet_hours_clock``: tests/e2e/test_quiet_hours_local.py).
    Not with ``monkeypatch``: a test's own patches must be undone before ``_fresh_process_state``
    resets."""
    if request.node.get_closest_marker("quiet_hours_clock") is not None:
        yield
        return
    build = services.quiet_hours
    services.quiet_hours = lambda settings=None: replace(build(settings), now=lambda: US_DAYTIME)
    yield
    services.quiet_hours = build


@pytest.fixture
def s3_event() -> Callable[..., dict[str, Any]]:
    """An S3 ObjectCreated event as AWS sends it (the key URL-encoded) for one version of an object:
    ``version_id``, or else the object's current version (read from the emulated S3, as AWS would
    announce the write just made). ``principal`` is who wrote it (``userIdentity.principalId``)."""

    def build(
        bucket: str,
        key: str,
        size: int,
        version_id: str | None = None,
        *,
        principal: str = "AWS:AIDAEXAMPLE",
    ) -> dict[str, Any]:
        if version_id is None:
            head = boto3.client("s3", region_name="us-east-1").head_object(Bucket=bucket, Key=key)
            version_id = head.get("VersionId")
        event = json.loads((EVENTS / "s3" / "object_created.json").read_text())
        record = event["Records"][0]
        record["userIdentity"]["principalId"] = principal
        record["s3"]["bucket"]["name"] = bucket
        record["s3"]["bucket"]["arn"] = f"arn:aws:s3:::{bucket}"
        record["s3"]["object"].update({"key": quote_plus(key), "size": size})
        if version_id is None:  # an unversioned bucket's events name no version
            del record["s3"]["object"]["versionId"]
        else:
            record["s3"]["object"]["versionId"] = version_id
        return event

    return build


@pytest.fixture
def api_event() -> Callable[..., dict[str, Any]]:
    """A REST API proxy event; ``claims`` are what the Cognito authorizer would have verified."""
    template = json.loads((EVENTS / "apigw" / "rest_proxy.json").read_text())

    def build(
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, str] | None = None,
        claims: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        event = copy.deepcopy(template)
        event.update(
            {
                "path": path,
                "httpMethod": method,
                "pathParameters": {"proxy": path.lstrip("/")},
                "body": json.dumps(body) if body is not None else None,
                "queryStringParameters": query,
                "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
            }
        )
        event["requestContext"].update(
            {
                "httpMethod": method,
                "path": f"/dev{path}",
                "authorizer": {"claims": claims} if claims else None,
            }
        )
        return event

    return build


@pytest.fixture
def claims_for() -> Callable[[str, str, str], dict[str, Any]]:
    """Claims shaped like a Cognito user-pool authorizer's (groups as a string, org as a custom claim)."""

    def build(user: str, role: str, org: str) -> dict[str, Any]:
        return {"sub": f"sub-{org}-{user}", "email": user, "cognito:groups": role, "custom:org_id": org}

    return build
