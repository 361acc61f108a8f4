"""The link signing secret is fetched once and then served from the cache (five minutes)."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch import aws, secrets
from dispatch.config import Settings

SECRET = "s" * 40


class FakeSecretsManager:
    def __init__(self) -> None:
        self.calls = 0

    def get_secret_value(self, **kwargs: Any) -> dict[str, Any]:
        self.calls += 1
        return {"SecretString": SECRET}


def test_the_key_is_fetched_once_for_many_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeSecretsManager()
    monkeypatch.setattr(aws, "client", lambda service: client)
    settings = Settings(link_signing_secret_arn="arn:aws:secretsmanager:us-east-1:1:secret:links")
    keys = {secrets.link_signing_key(settings) for _ in range(5)}
    assert keys == {SECRET.encode()}
    assert client.calls == 1


def test_a_short_secret_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    client = FakeSecretsManager()
    client.get_secret_value = lambda **kwargs: {"SecretString": "short"}  # type: ignore[method-assign]
    monkeypatch.setattr(aws, "client", lambda service: client)
    with pytest.raises(RuntimeError, match="shorter than 32"):
        secrets.link_signing_key(Settings(link_signing_secret_arn="arn:short"))
