"""Local development tokens: the claims a Cognito authorizer would pass, signed with a local key.

The key lives in ``.local/dev-token.key`` (created on first use, readable only by its owner), so
tokens printed by ``dispatch token`` are accepted by any local stack of the same checkout.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from pathlib import Path
from typing import Any

ROLES = ("sender", "approver", "admin", "agent")  # the user pool's groups
LIFETIME_SECONDS = 12 * 3600


def _key(state_dir: Path) -> bytes:
    path = state_dir / "dev-token.key"
    if not path.exists():
        state_dir.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def issue(state_dir: Path, *, user: str, role: str, org: str, now: float | None = None) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    issued = int(now if now is not None else time.time())
    claims = {
        "sub": hashlib.sha256(f"{org}:{user}".encode()).hexdigest()[:32],
        "email": user,
        "cognito:groups": role,
        "custom:org_id": org,
        "iat": issued,
        "exp": issued + LIFETIME_SECONDS,
    }
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signature = _b64(hmac.new(_key(state_dir), payload.encode(), hashlib.sha256).digest())
    return f"dev.{payload}.{signature}"


def verify(state_dir: Path, token: str, now: float | None = None) -> dict[str, Any] | None:
    """The token's claims, or None when it is malformed, forged or expired."""
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != "dev":
        return None
    expected = _b64(hmac.new(_key(state_dir), parts[1].encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return None
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    if int(claims.get("exp", 0)) <= (now if now is not None else time.time()):
        return None
    return claims
