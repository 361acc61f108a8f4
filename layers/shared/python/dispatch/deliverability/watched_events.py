"""Delivery events, applied to cards (:mod:`dispatch.delivery.feedback`) and then counted for
account protection (:mod:`.protection`). Counting comes second: an event whose card is still
being sent is retried by the queue before it is counted, and counting is once per message.

A queue batch's sends are counted when its chunks are (``settle``: the settlement's transaction
adds them), so the rates are judged after that — the early check of each batch the events
concerned, and the organisation's rates when a hard bounce or a complaint came in."""

from __future__ import annotations

from dataclasses import dataclass, field

from dispatch.deliverability.protection import AccountProtection
from dispatch.delivery.events import DeliveryEvent
from dispatch.delivery.feedback import FeedbackApplier


@dataclass
class WatchedFeedback:
    feedback: FeedbackApplier
    protection: AccountProtection
    _harmed: dict[tuple[str, str], None] = field(default_factory=dict)  # (org, batch), in order

    def apply(self, event: DeliveryEvent, *, redelivered: bool = False) -> str:
        outcome = self.feedback.apply(event, redelivered=redelivered)
        harmed = self.protection.record(event)
        if harmed is not None:
            self._harmed[harmed] = None
        return outcome

    def settle(self) -> int:
        """Count the chunks the queue batch's events touched (``FeedbackApplier.settle``), then
        judge the rates with their sends counted; how many batches were counted."""
        counted = self.feedback.settle()
        harmed, self._harmed = list(self._harmed), {}
        self.protection.judge([(batch.org_id, batch.id) for batch in counted], harmed)
        return len(counted)
