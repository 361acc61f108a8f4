"""Secrets read at run time from Secrets Manager (never from plain environment values).

Cached by Powertools for five minutes, so a rotation reaches warm functions without a deploy.
"""

from __future__ import annotations

from aws_lambda_powertools.utilities import parameters

from dispatch import aws
from dispatch.config import Settings


def link_signing_key(settings: Settings) -> bytes:
    provider = parameters.SecretsProvider(boto3_client=aws.client("secretsmanager"))
    value = provider.get(settings.link_signing_secret_arn, max_age=300)
    if not isinstance(value, str) or len(value) < 32:
        raise RuntimeError("the link signing secret is missing or shorter than 32 characters")
    return value.encode()
