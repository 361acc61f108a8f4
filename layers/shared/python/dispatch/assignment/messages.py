"""The agent work queue: notices to agents and ring_all rounds, handled by the agents function.

Assignment happens in several functions (sending, the sweep, the API, the public accept link);
none of them sends to agents itself. They queue small messages here, so an assignment never waits
on SES or SNS, the public link function needs no sending rights, and every agent message goes
through one paced, deduplicated sender. A ring_all round's timeout is a message delayed by the
round's timeout (SQS delays up to 15 minutes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, TypeAdapter

from dispatch import aws
from dispatch.config import Settings
from dispatch.models import Model

SQS_BATCH = 10  # entries per SendMessageBatch
SEND_ATTEMPTS = 3


class Notice(Model):
    """Tell an agent: a card was assigned to them, offered to them (ring_all), or taken by another.
    ``at`` is when that happened (the assignment's time): with the kind, agent and round it names
    the event, so a repeated message is recognised and a later event of the same kind is not."""

    kind: Literal["assigned", "offer", "taken"]
    card_id: str
    agent_id: str
    at: str
    round: int = 0


class RingTimeout(Model):
    """A ring_all round's offers lapse: if nobody accepted, offer the card to the next agents."""

    kind: Literal["ring_timeout"] = "ring_timeout"
    card_id: str
    round: int


class Accepted(Model):
    """An agent accepted a ring_all offer: move them in the rotation, tell the others."""

    kind: Literal["accepted"] = "accepted"
    card_id: str
    agent_id: str
    round: int


AgentMessage = Annotated[Notice | RingTimeout | Accepted, Field(discriminator="kind")]
# Built on the first message, as the models are (dispatch.models): the functions that only queue
# messages never parse one.
_parser: TypeAdapter[Notice | RingTimeout | Accepted] = TypeAdapter(
    AgentMessage, config=ConfigDict(defer_build=True)
)


def parse_message(body: str) -> Notice | RingTimeout | Accepted:
    return _parser.validate_json(body)


class AgentQueue:
    """Sends to the agent work queue (``DISPATCH_AGENT_QUEUE_URL``), ten messages per call."""

    def __init__(self, settings: Settings) -> None:
        self._url = settings.agent_queue_url

    def send(self, messages: Sequence[Notice | RingTimeout | Accepted], delay_seconds: int = 0) -> None:
        for start in range(0, len(messages), SQS_BATCH):
            entries = {
                str(n): {"Id": str(n), "MessageBody": m.model_dump_json(), "DelaySeconds": delay_seconds}
                for n, m in enumerate(messages[start : start + SQS_BATCH])
            }
            for _ in range(SEND_ATTEMPTS):
                response = aws.client("sqs").send_message_batch(
                    QueueUrl=self._url, Entries=list(entries.values())
                )
                entries = {f["Id"]: entries[f["Id"]] for f in response.get("Failed", [])}
                if not entries:
                    break
            if entries:
                raise RuntimeError(f"the agent queue refused {len(entries)} messages")
