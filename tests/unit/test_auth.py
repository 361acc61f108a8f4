from __future__ import annotations

import pytest

from dispatch.auth import Role, caller_from_claims
from dispatch.errors import Forbidden, Unauthorized


def test_groups_as_rest_authorizer_string_pick_the_highest_role() -> None:
    caller = caller_from_claims(
        {"sub": "u1", "email": "a@x.test", "cognito:groups": "[sender approver]", "custom:org_id": "org-1"}
    )
    assert caller.role is Role.approver
    assert caller.org_id == "org-1"
    assert caller.email == "a@x.test"


def test_groups_as_list_and_comma_string() -> None:
    as_list = caller_from_claims({"sub": "u", "cognito:groups": ["admin"], "custom:org_id": "o"})
    as_csv = caller_from_claims({"sub": "u", "cognito:groups": "sender,approver", "custom:org_id": "o"})
    assert as_list.role is Role.admin
    assert as_csv.role is Role.approver


@pytest.mark.parametrize("claims", [None, {}, {"email": "a@x.test"}])
def test_missing_subject_is_unauthorized(claims: dict[str, str] | None) -> None:
    with pytest.raises(Unauthorized):
        caller_from_claims(claims)


def test_no_organisation_or_no_known_role_is_forbidden() -> None:
    with pytest.raises(Forbidden, match="organisation"):
        caller_from_claims({"sub": "u", "cognito:groups": "admin"})
    with pytest.raises(Forbidden, match="role"):
        caller_from_claims({"sub": "u", "cognito:groups": "superuser", "custom:org_id": "o"})


def test_roles_are_cumulative() -> None:
    approver = caller_from_claims({"sub": "u", "cognito:groups": "approver", "custom:org_id": "o"})
    approver.require(Role.sender)
    approver.require(Role.approver)
    with pytest.raises(Forbidden) as raised:
        approver.require(Role.admin)
    assert raised.value.details == {"required_role": "admin"}


def test_an_agent_is_a_capability_beside_the_staff_ranks_not_one_of_them() -> None:
    """An agent-only user holds no staff role; a staff role does not make anyone an agent; one user
    may be both."""
    agent = caller_from_claims({"sub": "u", "cognito:groups": "agent", "custom:org_id": "o"})
    assert (agent.role, agent.holds(Role.agent)) == (None, True)
    with pytest.raises(Forbidden) as raised:
        agent.require(Role.sender)
    assert raised.value.details == {"required_role": "sender"}
    admin = caller_from_claims({"sub": "u", "cognito:groups": "admin", "custom:org_id": "o"})
    assert not admin.holds(Role.agent)
    both = caller_from_claims({"sub": "u", "cognito:groups": "[sender agent]", "custom:org_id": "o"})
    assert (both.role, both.holds(Role.agent), both.holds(Role.approver)) == (Role.sender, True, False)
