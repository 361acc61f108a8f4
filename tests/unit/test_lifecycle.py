from __future__ import annotations

from itertools import pairwise

import pytest

from dispatch.batches.lifecycle import TRANSITIONS, check_sources, check_transition, sources_of
from dispatch.batches.models import BatchStatus as S
from dispatch.errors import Conflict


def test_every_status_has_a_row_in_the_graph() -> None:
    assert set(TRANSITIONS) == set(S)


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.sent, S.approved), (S.archived, S.rejected), (S.invalid, S.sending), (S.rejected, S.approved)],
)
def test_illegal_moves_are_conflicts_naming_the_current_status(current: S, target: S) -> None:
    with pytest.raises(Conflict) as raised:
        check_transition(current, target)
    assert raised.value.details == {"status": current.value, "requested": target.value}
    assert current.value in raised.value.message


def test_the_happy_path_is_allowed() -> None:
    path = [
        S.uploading,
        S.validating,
        S.generating,
        S.pending_approval,
        S.approved,
        S.sending,
        S.sent,
        S.complete,
    ]
    for current, target in pairwise(path):
        check_transition(current, target)


def test_archived_is_final_and_reachable_from_every_finished_state() -> None:
    assert TRANSITIONS[S.archived] == frozenset()
    assert {S.invalid, S.rejected, S.expired, S.sent, S.complete, S.failed} <= sources_of(S.archived)


def test_a_failed_batch_can_be_resumed_but_never_into_a_finished_state() -> None:
    for target in (S.generating, S.pending_approval, S.approved, S.sending):
        check_transition(S.failed, target)
    for target in (S.sent, S.partially_sent, S.complete):
        with pytest.raises(Conflict):
            check_transition(S.failed, target)


def test_a_change_after_approval_returns_every_approved_state_to_approval() -> None:
    assert {S.approved, S.sending, S.sent, S.partially_sent} <= sources_of(S.pending_approval)


def test_an_operation_cannot_name_a_move_outside_the_graph() -> None:
    check_sources([S.approved, S.partially_sent], S.sending)
    with pytest.raises(ValueError, match="complete -> sending"):
        check_sources([S.approved, S.complete], S.sending)
