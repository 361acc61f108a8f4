"""Who is calling: the caller's identity, organisation and role, taken from the authorizer's claims.

In AWS the Cognito user-pool authorizer supplies the claims (groups → role, ``custom:org_id`` →
organisation); locally the development token carries the same claims.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from pydantic import BaseModel

from dispatch.errors import Forbidden, Unauthorized


class Role(IntEnum):
    """Roles are cumulative: an approver can do what a sender can, an admin what an approver can."""

    sender = 1
    approver = 2
    admin = 3


class Caller(BaseModel):
    user_id: str
    email: str
    org_id: str
    role: Role

    def require(self, role: Role) -> None:
        if self.role < role:
            raise Forbidden(f"this needs the {role.name} role", {"required_role": role.name})


ORG_CLAIM = "custom:org_id"
GROUPS_CLAIM = "cognito:groups"


def _groups(raw: Any) -> list[str]:
    """Cognito sends groups as a list, or (REST authorizer) as a string like ``"[a b]"`` or ``"a,b"``."""
    if isinstance(raw, list):
        return [str(item) for item in raw]
    text = str(raw or "").strip("[]")
    return [part for part in text.replace(",", " ").split() if part]


def caller_from_claims(claims: dict[str, Any] | None) -> Caller:
    """The caller named by verified claims; a caller with no organisation or no role is refused."""
    if not claims or not claims.get("sub"):
        raise Unauthorized("authentication required")
    org_id = str(claims.get(ORG_CLAIM) or "")
    if not org_id:
        raise Forbidden("the user belongs to no organisation")
    roles = [Role[name] for name in _groups(claims.get(GROUPS_CLAIM)) if name in Role.__members__]
    if not roles:
        raise Forbidden("the user has no role")
    return Caller(
        user_id=str(claims["sub"]),
        email=str(claims.get("email") or claims["sub"]),
        org_id=org_id,
        role=max(roles),
    )
