"""Secrets read at run time from Secrets Manager (never from plain environment values).

Cached by Powertools for five minutes, so a rotation reaches warm functions without a deploy.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities import parameters

from dispatch import aws
from dispatch.config import Settings


def link_signing_key(settings: Settings) -> bytes:
    value = _provider(aws.client("secretsmanager")).get(settings.link_signing_secret_arn, max_age=300)
    if not isinstance(value, str) or len(value) < 32:
        raise RuntimeError("the link signing secret is missing or shorter than 32 characters")
    return value.encode()


@cache
def _provider(client: Any) -> parameters.SecretsProvider:
    """One provider per client, so its cache lives as long as the (cached) client: a new provider
    per call would fetch the secret on every call."""
    return parameters.SecretsProvider(boto3_client=client)
