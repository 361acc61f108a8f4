"""Account protection: sending pauses for an organisation before SES would review the account.

SES puts an account under review at a 5 % bounce rate or a 0.1 % complaint rate, and may stop it
sending; every organisation of the stack shares that account. So each organisation's hard-bounce
and complaint rates are watched over two sliding windows (:mod:`.reputation`), and when either
reaches the organisation's pause threshold (defaults 4 % and 0.08 %):

- the organisation is paused (one conditional write: the ``AccountProtectionPauses`` metric, on
  which an alarm fires, counts each pause once);
- its running batches stop at their next status check as ``partially_sent`` with the reason
  (each sending batch is moved now; a chunk that starts later checks the pause first);
- new sends — a batch's sending, send-remaining, retry-failed, a resume, an individual
  distribution — are refused with a 409 that says why (:meth:`AccountProtection.check`);
- an admin sees the rates and resumes; counts from before the resume are not held against the
  organisation again.

A stale list shows itself early: a batch is checked once, when ``early_sends`` of its emails have
a known outcome, and stops alone (``partially_sent``) if that many bounced above the threshold.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import ClientError

from dispatch import aws
from dispatch.auth import Caller, Role
from dispatch.batches.models import BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.cards.store import CardStore
from dispatch.clock import isoformat, utcnow
from dispatch.config import Settings
from dispatch.deliverability.policy import (
    SES_REVIEW,
    ProtectionPolicy,
    ProtectionState,
    ProtectionView,
    Rates,
)
from dispatch.deliverability.reputation import HOURS_KEPT, Counts, ReputationStore, hour_of, windows
from dispatch.delivery.events import DeliveryEvent, Kind
from dispatch.dynamo import from_dynamo, is_condition_failure, to_dynamo
from dispatch.errors import Conflict, NotFound
from dispatch.observability import logger, metrics
from dispatch.organisations.store import OrganisationStore

METRIC = "AccountProtectionPauses"


class SendingPaused(Conflict):
    """A send refused because the organisation's sending is paused (409)."""


class ProtectionStore:
    """``pk=ORG#<org>``, ``sk=PROTECTION``: the pause state (absent: never paused)."""

    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.main_table)

    def get(self, org_id: str) -> ProtectionState:
        item = self._table.get_item(Key=_key(org_id), ConsistentRead=True).get("Item")
        return ProtectionState.model_validate(from_dynamo(item)) if item else ProtectionState()

    def pause(self, org_id: str, reason: str, rates: list[Rates], at: str) -> bool:
        """Pause, unless already paused (False): exactly one pause is counted and alarmed."""
        return self._set(
            org_id,
            {
                "paused": True,
                "reason": reason,
                "paused_at": at,
                "rates_at_pause": [window.model_dump() for window in rates],
            },
            "attribute_not_exists(paused) OR paused = :no",
            {":no": False},
        )

    def resume(self, org_id: str, caller: Caller, at: str, baseline: tuple[str, Counts]) -> bool:
        """Resume, if paused (False otherwise)."""
        return self._set(
            org_id,
            {
                "paused": False,
                "resumed_at": at,
                "resumed_by": caller.user_id,
                "resumed_by_email": caller.email,
                "baseline_hour": baseline[0],
                "baseline": baseline[1].as_item(),
            },
            "paused = :yes",
            {":yes": True},
        )

    def _set(
        self, org_id: str, values: dict[str, Any], condition: str, condition_values: dict[str, Any]
    ) -> bool:
        names = {f"#f{index}": name for index, name in enumerate(values)}
        sets = [f"#f{index} = :f{index}" for index in range(len(values))]
        bound = {f":f{index}": to_dynamo(value) for index, value in enumerate(values.values())}
        try:
            self._table.update_item(
                Key=_key(org_id),
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues={**bound, **condition_values},
            )
        except ClientError as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True


@dataclass
class AccountProtection:
    reputation: ReputationStore
    store: ProtectionStore
    organisations: OrganisationStore
    batches: BatchStore
    cards: CardStore
    now: Callable[[], datetime] = utcnow

    # ---- the gate every new send passes -------------------------------------------------------

    def paused_reason(self, org_id: str) -> str | None:
        state = self.store.get(org_id)
        return state.reason if state.paused else None

    def check(self, org_id: str) -> None:
        """SendingPaused (409) while the organisation's sending is paused."""
        state = self.store.get(org_id)
        if state.paused:
            raise SendingPaused(
                f"sending is paused for this organisation: {state.reason}. An admin can review the "
                "rates and resume (POST /organisation/protection/resume)",
                {"reason": state.reason, "paused_at": state.paused_at},
            )

    # ---- delivery events ----------------------------------------------------------------------

    def record(self, event: DeliveryEvent) -> tuple[str, str] | None:
        """Count a hard bounce or a complaint (once per message); its organisation and batch, to
        judge once the queue batch is settled (:meth:`judge`), or None when nothing was counted.
        Sends are counted with the cards (``BatchStore.settle_chunk``), not here."""
        harmful = (event.kind is Kind.bounce and event.permanent and not event.account_suppressed) or (
            event.kind is Kind.complaint
        )  # SES did not send to an address on its account-level list, nor counts it
        if not harmful:
            return None
        try:
            card = self.cards.get(event.card_id)
        except NotFound:
            return None
        org_id, at = card.org_id, self.now()
        if event.kind is Kind.bounce:
            counted = self.reputation.count(org_id, "bounces", event.message_id, at, card.batch_id)
        else:
            counted = self.reputation.count(org_id, "complaints", event.message_id, at)
        return (org_id, card.batch_id) if counted else None

    def judge(self, settled: list[tuple[str, str]], harmed: list[tuple[str, str]]) -> None:
        """After a queue batch's chunks were counted: each (organisation, batch) whose sends or
        hard bounces changed has its early check; each organisation with a new hard bounce or
        complaint has its rates judged."""
        policies: dict[str, ProtectionPolicy] = {}
        for org_id, batch_id in dict.fromkeys([*settled, *harmed]):
            if org_id not in policies:
                policies[org_id] = self.organisations.get(org_id).account_protection
            self._check_batch_early(org_id, batch_id, policies[org_id])
        for org_id in dict.fromkeys(org for org, _ in harmed):
            self._evaluate(org_id, policies[org_id])

    def _evaluate(self, org_id: str, policy: ProtectionPolicy) -> None:
        state = self.store.get(org_id)
        if state.paused:
            return
        rates = self._rates(org_id, policy, state)
        reason = over_threshold(rates, policy)
        if reason is None or not self.store.pause(org_id, reason, rates, isoformat(self.now())):
            return
        metrics.add_metric(name=METRIC, unit=MetricUnit.Count, value=1)
        logger.warning("sending paused by account protection", org_id=org_id)
        for batch in self.batches.each(org_id, {BatchStatus.sending}):
            self._stop(org_id, batch.id, f"paused: {reason}")

    def _check_batch_early(self, org_id: str, batch_id: str, policy: ProtectionPolicy) -> None:
        tally, checked = self.reputation.batch_tally(org_id, batch_id)
        if checked or tally.sends < policy.early_sends:
            return
        if not self.reputation.mark_checked(org_id, batch_id, isoformat(self.now())):
            return
        rate = tally.bounces / tally.sends
        if rate < policy.bounce_rate:
            return
        logger.warning("batch stopped early: its first emails bounced", batch_id=batch_id)
        self._stop(
            org_id,
            batch_id,
            f"paused: {tally.bounces} of this batch's first {tally.sends} emails with a known outcome "
            f"hard-bounced ({_percent(rate)}, at or above the {_percent(policy.bounce_rate)} pause "
            "threshold): the list may be stale. Clean it, or send the remaining cards anyway "
            "(send-remaining)",
        )

    def _stop(self, org_id: str, batch_id: str, reason: str) -> None:
        """A sending batch becomes ``partially_sent`` with the reason; its sender stops at its next
        status check (a batch that moved on meanwhile is left as it is)."""
        with suppress(Conflict):
            self.batches.transition(
                org_id,
                batch_id,
                BatchStatus.partially_sent,
                sources=[BatchStatus.sending],
                set_values={"status_reason": reason},
            )

    def _rates(self, org_id: str, policy: ProtectionPolicy, state: ProtectionState) -> list[Rates]:
        now = self.now()
        buckets = self.reputation.hours(org_id, now - timedelta(hours=HOURS_KEPT))
        baseline = None
        if state.baseline_hour is not None and state.baseline is not None:
            baseline = (state.baseline_hour, Counts(**state.baseline))
        return windows(buckets, now, policy.minimum_sends, baseline)

    # ---- the admin's view ---------------------------------------------------------------------

    def view(self, caller: Caller) -> ProtectionView:
        caller.require(Role.admin)
        policy = self.organisations.get(caller.org_id).account_protection
        state = self.store.get(caller.org_id)
        return ProtectionView(
            **state.model_dump(), policy=policy, rates=self._rates(caller.org_id, policy, state)
        )

    def resume(self, caller: Caller) -> ProtectionView:
        """Sending may start again (batches stopped by the pause: send-remaining). What the current
        hour held so far is the baseline: those bounces and complaints were seen by the admin."""
        caller.require(Role.admin)
        now = self.now()
        hour = hour_of(now)
        current = dict(self.reputation.hours(caller.org_id, now)).get(hour, Counts())
        if not self.store.resume(caller.org_id, caller, isoformat(now), (hour, current)):
            raise Conflict("sending is not paused", {"paused": False})
        logger.info("sending resumed after an account protection pause", org_id=caller.org_id)
        return self.view(caller)


def over_threshold(rates: list[Rates], policy: ProtectionPolicy) -> str | None:
    """Why sending must pause (the first window over a threshold), or None."""
    for window in rates:
        label = "the last 24 hours" if window.window == "24h" else "the last 10,000 sends"
        checks = (
            ("hard-bounce", window.bounce_rate, window.bounces, policy.bounce_rate, SES_REVIEW["bounce"]),
            (
                "complaint",
                window.complaint_rate,
                window.complaints,
                policy.complaint_rate,
                SES_REVIEW["complaint"],
            ),
        )
        for name, rate, count, threshold, review in checks:
            if rate is not None and rate >= threshold:
                return (
                    f"account protection: the {name} rate over {label} is {_percent(rate)} ({count} of "
                    f"{window.sends} emails), at or above the pause threshold of {_percent(threshold)} "
                    f"(SES reviews accounts at {_percent(review)})"
                )
    return None


def _percent(rate: float) -> str:
    return f"{rate * 100:.3g} %"


def _key(org_id: str) -> dict[str, str]:
    return {"pk": f"ORG#{org_id}", "sk": "PROTECTION"}
