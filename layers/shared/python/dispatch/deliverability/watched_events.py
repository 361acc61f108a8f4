"""Delivery events, applied to cards (:mod:`dispatch.delivery.feedback`) and then counted for
account protection (:mod:`.protection`). Counting comes second: an event whose card is still
being sent is retried by the queue before it is counted, and counting is once per message."""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.deliverability.protection import AccountProtection
from dispatch.delivery.events import DeliveryEvent
from dispatch.delivery.feedback import FeedbackApplier


@dataclass
class WatchedFeedback:
    feedback: FeedbackApplier
    protection: AccountProtection

    def apply(self, event: DeliveryEvent, *, redelivered: bool = False) -> str:
        outcome = self.feedback.apply(event, redelivered=redelivered)
        self.protection.record(event)
        return outcome

    def settle(self) -> int:
        """Count the chunks the queue batch's events touched (``FeedbackApplier.settle``)."""
        return self.feedback.settle()
