"""What the local stack "sent": moto's recorded SES emails and SNS SMS, joined to their cards.

Cards store each provider message id, so every message is shown with its batch and card.
"""

from __future__ import annotations

from typing import Any

import boto3

from local.template import ACCOUNT_ID, REGION


class Outbox:
    def __init__(self, cards_table: str, endpoint: str) -> None:
        self._cards_table = cards_table
        self._endpoint = endpoint

    def _cards_by_message(self) -> dict[str, dict[str, Any]]:
        table = boto3.resource("dynamodb", endpoint_url=self._endpoint, region_name=REGION).Table(
            self._cards_table
        )
        found: dict[str, dict[str, Any]] = {}
        scan: dict[str, Any] = {}
        while True:
            page = table.scan(**scan)
            for item in page.get("Items", []):
                for distribution in item.get("distributions", []):
                    if "message_id" in distribution:  # a refused distribution sent nothing
                        found[str(distribution["message_id"])] = {
                            "batch_id": item["batch_id"],
                            "card_id": item["id"],
                        }
            if "LastEvaluatedKey" not in page:
                return found
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def messages(self) -> list[dict[str, Any]]:
        from moto.ses.models import ses_backends
        from moto.sns.models import sns_backends

        cards = self._cards_by_message()
        out: list[dict[str, Any]] = []
        for message in ses_backends[ACCOUNT_ID][REGION].sent_messages:
            recipients = getattr(message, "destinations", {}).get("ToAddresses", [])
            for recipient in recipients:
                out.append(
                    {
                        "channel": "email",
                        "recipient": recipient,
                        "subject": getattr(message, "subject", None),
                        "body": getattr(message, "body", None),
                        "message_id": message.id,
                        **cards.get(message.id, {"batch_id": None, "card_id": None}),
                    }
                )
        for message_id, (phone, text) in sns_backends[ACCOUNT_ID][REGION].sms_messages.items():
            out.append(
                {
                    "channel": "sms",
                    "recipient": phone,
                    "subject": None,
                    "body": text,
                    "message_id": message_id,
                    **cards.get(message_id, {"batch_id": None, "card_id": None}),
                }
            )
        return out
