"""Who is calling: the caller's identity, organisation and roles, taken from the authorizer's claims.

In AWS the Cognito user-pool authorizer supplies the claims (groups → roles, ``custom:org_id`` →
organisation); locally the development token carries the same claims.

The staff roles are ranks: an approver can do what a sender can, an admin what an approver can.
``agent`` is not a rank but a capability beside them: an agent works the cards assigned to them
(their own cards, claims, offers, activity, availability) and nothing else, so an agent-only user
has no staff rights at all, and a staff user is an agent only when linked to an agent record (see
:meth:`dispatch.assignment.service.AssignmentService` — the agent a caller is, by user id).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from dispatch.errors import Forbidden, Unauthorized
from dispatch.models import Model


class Role(StrEnum):
    """The Cognito groups the application knows."""

    sender = "sender"
    approver = "approver"
    admin = "admin"
    agent = "agent"


RANKS = {Role.sender: 1, Role.approver: 2, Role.admin: 3}  # the staff roles, cumulative


class Caller(Model):
    user_id: str
    email: str
    org_id: str
    roles: frozenset[Role]

    @property
    def role(self) -> Role | None:
        """The highest staff role (None: an agent only)."""
        return max((role for role in self.roles if role in RANKS), key=RANKS.__getitem__, default=None)

    def holds(self, role: Role) -> bool:
        """A staff role, or one that includes it; ``agent``: the caller is in the agent group."""
        if role is Role.agent:
            return Role.agent in self.roles
        return self.role is not None and RANKS[self.role] >= RANKS[role]

    def require(self, role: Role) -> None:
        if not self.holds(role):
            raise Forbidden(f"this needs the {role.value} role", {"required_role": role.value})


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
    roles = frozenset(Role(name) for name in _groups(claims.get(GROUPS_CLAIM)) if name in Role.__members__)
    if not roles:
        raise Forbidden("the user has no role")
    return Caller(
        user_id=str(claims["sub"]),
        email=str(claims.get("email") or claims["sub"]),
        org_id=org_id,
        roles=roles,
    )
