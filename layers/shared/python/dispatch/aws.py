"""Cached boto3 clients and resources, created lazily on first use (never at import time).

Endpoints follow boto3's own configuration (``AWS_ENDPOINT_URL``), which is how the local stack
points the same code at its emulator. Each client gets its own session (sessions are not safe to
share between threads), but all sessions share one botocore data loader, so the service models
and the endpoint rules (JSON files of several MB) are read once per process, not once per client:
a cold start that creates five clients reads them once.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.loaders import create_loader

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})
_LOADER = create_loader()


def _session() -> boto3.session.Session:
    core = botocore.session.get_session()
    core.register_component("data_loader", _LOADER)
    return boto3.session.Session(botocore_session=core)


@cache
def client(service: str) -> Any:
    return _session().client(service, config=_CONFIG)


@cache
def dynamodb_resource() -> Any:
    return _session().resource("dynamodb", config=_CONFIG)


def dynamodb_table(name: str) -> Any:
    return dynamodb_resource().Table(name)


def reset() -> None:
    """Forget cached clients (tests and the local runtime change endpoints between runs)."""
    client.cache_clear()
    dynamodb_resource.cache_clear()
