"""Handlers against moto (decorator mode), with resources provisioned from template.yaml itself."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local.lambdas import InProcessRuntime
from local.provision import Provisioner
from local.stack import LOCAL_PARAMETERS, ROOT
from local.template import REGION, Resolver, load

API_BASE = "https://api.test"


@dataclass
class Deployment:
    resolver: Resolver
    runtime: InProcessRuntime
    api_event: Callable[..., dict[str, Any]]

    def name(self, logical_id: str) -> str:
        return self.resolver.physical_name(logical_id)

    def invoke(self, logical_id: str, event: Any) -> Any:
        return self.runtime.invoke(self.name(logical_id), event)

    def api(self, method: str, path: str, claims: dict[str, Any] | None, **kwargs: Any) -> tuple[int, Any]:
        result = self.invoke("ApiFunction", self.api_event(method, path, claims=claims, **kwargs))
        body = json.loads(result["body"]) if result.get("body") else None
        return int(result["statusCode"]), body

    def executions(self, logical_id: str = "BatchStateMachine") -> list[dict[str, Any]]:
        arn = self.resolver.arn(logical_id)
        return list(self.client("stepfunctions").list_executions(stateMachineArn=arn)["executions"])

    @property
    def bucket(self) -> str:
        return self.name("UploadBucket")

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)


@pytest.fixture
def chunk_rows() -> str:
    return "100"


@pytest.fixture
def deployed(
    monkeypatch: pytest.MonkeyPatch, api_event: Callable[..., dict[str, Any]], chunk_rows: str
) -> Iterator[Deployment]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    with mock_aws():
        resolver = Resolver(load(ROOT / "template.yaml"), {**LOCAL_PARAMETERS, "ChunkRows": chunk_rows})
        runtime = InProcessRuntime()
        Provisioner(
            ROOT, resolver, None, runtime, {"DISPATCH_API_BASE_URL": API_BASE}, notifications=False
        ).provision()
        runtime.install_into_moto()  # asynchronous invokes (Event) run in-process, like the local stack
        yield Deployment(resolver, runtime, api_event)
        runtime.shutdown()
