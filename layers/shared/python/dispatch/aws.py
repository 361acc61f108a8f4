"""Cached boto3 clients and resources, created lazily on first use (never at import time).

Endpoints follow boto3's own configuration (``AWS_ENDPOINT_URL``), which is how the local stack
points the same code at its emulator.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5})


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def dynamodb_resource() -> Any:
    return boto3.session.Session().resource("dynamodb", config=_CONFIG)


def dynamodb_table(name: str) -> Any:
    return dynamodb_resource().Table(name)


def reset() -> None:
    """Forget cached clients (tests and the local runtime change endpoints between runs)."""
    client.cache_clear()
    dynamodb_resource.cache_clear()
