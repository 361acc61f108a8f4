"""The batch state graph, in one place. Every status change goes through :func:`check_transition`."""

from __future__ import annotations

from collections.abc import Iterable

from dispatch.batches.models import BatchStatus as S
from dispatch.errors import Conflict

# Back to ``pending_approval`` from approved, sending, sent, partially_sent (and failed, on a
# resume): what recipients would receive changed after approval (batches.content). Out of
# ``failed``: a resume continues where the fault stopped it — generation (and approval after it)
# again, or sending. ``pending_approval`` to itself: a repeated approval request (a retried step).
# ``sent`` to ``sending``: retry-failed (cards that failed with a temporary error go again).
# A communication (PRODUCT §8) starts ``open`` and stops at ``generated`` after generation until a
# person sends it (``generated`` → approval, or approved at once); ``generating`` → ``open`` when
# its filter matched no contact any more; ``generating`` to itself: its staged working list is
# recorded (before its cards are generated). ``partially_sent`` → ``sent``: the last unsent cards
# (letters) counted as sent when their bundle is marked printed.
TRANSITIONS: dict[S, frozenset[S]] = {
    S.open: frozenset({S.generating, S.archived, S.failed}),
    S.uploading: frozenset({S.validating, S.failed}),
    S.validating: frozenset({S.validating, S.invalid, S.generating, S.failed}),
    S.generating: frozenset({S.generating, S.generated, S.open, S.pending_approval, S.approved, S.failed}),
    S.generated: frozenset({S.pending_approval, S.approved, S.complete, S.archived, S.failed}),
    S.pending_approval: frozenset({S.pending_approval, S.approved, S.rejected, S.expired, S.failed}),
    S.approved: frozenset({S.sending, S.pending_approval, S.rejected, S.complete, S.archived, S.failed}),
    S.sending: frozenset({S.sent, S.partially_sent, S.pending_approval, S.rejected, S.failed}),
    S.sent: frozenset({S.sending, S.pending_approval, S.complete, S.archived}),
    S.partially_sent: frozenset({S.sending, S.sent, S.pending_approval, S.complete, S.archived}),
    S.invalid: frozenset({S.archived}),
    S.rejected: frozenset({S.archived}),
    S.expired: frozenset({S.archived}),
    S.complete: frozenset({S.archived}),
    S.failed: frozenset({S.generating, S.pending_approval, S.approved, S.sending, S.archived}),
    S.archived: frozenset(),
}


def sources_of(target: S) -> frozenset[S]:
    """Every status from which ``target`` may be reached."""
    return frozenset(source for source, targets in TRANSITIONS.items() if target in targets)


def check_sources(sources: Iterable[S], target: S) -> None:
    """An operation that starts only from ``sources`` may not name a move the graph lacks."""
    illegal = sorted(source.value for source in sources if target not in TRANSITIONS[source])
    if illegal:
        raise ValueError(f"not in the batch state graph: {', '.join(illegal)} -> {target.value}")


def check_transition(current: S, target: S) -> None:
    if target not in TRANSITIONS[current]:
        raise Conflict(
            f"the batch is {current.value}; it cannot become {target.value}",
            {"status": current.value, "requested": target.value},
        )
