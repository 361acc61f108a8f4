from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.auth import Role, caller_from_claims
from local import tokens


def test_issued_tokens_verify_with_cognito_shaped_claims(tmp_path: Path) -> None:
    token = tokens.issue(tmp_path, user="a@x.test", role="approver", org="org-1", now=1000)
    claims = tokens.verify(tmp_path, token, now=1001)
    assert claims is not None
    assert claims["email"] == "a@x.test"
    assert claims["cognito:groups"] == "approver"
    assert claims["custom:org_id"] == "org-1"
    assert (tmp_path / "dev-token.key").stat().st_mode & 0o077 == 0


def test_forged_expired_and_malformed_tokens_are_refused(tmp_path: Path) -> None:
    token = tokens.issue(tmp_path, user="a@x.test", role="sender", org="o", now=1000)
    head, payload, signature = token.split(".")
    assert tokens.verify(tmp_path, token, now=1000 + tokens.LIFETIME_SECONDS) is None
    assert tokens.verify(tmp_path, f"{head}.{payload}x.{signature}", now=1001) is None
    assert tokens.verify(tmp_path, "dev.onlytwo", now=1001) is None
    other = tmp_path / "other"
    assert tokens.verify(other, token, now=1001) is None


def test_unknown_roles_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="role"):
        tokens.issue(tmp_path, user="a", role="root", org="o")


def test_an_agent_token_signs_in_an_agent_only_user(tmp_path: Path) -> None:
    """`dispatch token --role agent`: the agent group, no staff role; the same user id every time
    (the agent whose login email it is is linked to that user once)."""
    token = tokens.issue(tmp_path, user="ada@agents.test", role="agent", org="o", now=1000)
    claims = tokens.verify(tmp_path, token, now=1001)
    caller = caller_from_claims(claims)
    assert (caller.role, caller.holds(Role.agent), caller.email) == (None, True, "ada@agents.test")
    again = tokens.verify(tmp_path, tokens.issue(tmp_path, user="ada@agents.test", role="agent", org="o"))
    assert again is not None
    assert again["sub"] == caller.user_id
