"""The organisation's SMS type is what SNS is told (``AWS.SNS.SMS.SMSType``); agents' notices,
built without one, stay transactional."""

from __future__ import annotations

from typing import Any

import pytest

from dispatch import aws
from dispatch.deliverability.policy import SmsType
from dispatch.delivery.channels import SmsSender


class Sns:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, **request: Any) -> dict[str, str]:
        self.published.append(request)
        return {"MessageId": f"m-{len(self.published)}"}


@pytest.mark.parametrize(
    ("sender", "sent_as"),
    [
        (SmsSender(), "Transactional"),
        (SmsSender(SmsType.transactional), "Transactional"),
        (SmsSender(SmsType.promotional), "Promotional"),
    ],
)
def test_each_sms_carries_the_sms_type(
    monkeypatch: pytest.MonkeyPatch, sender: SmsSender, sent_as: str
) -> None:
    sns = Sns()
    monkeypatch.setattr(aws, "client", lambda name: sns)
    assert sender.send("+12125550100", "Hi. Reply STOP to opt out") == "m-1"
    [request] = sns.published
    assert request["MessageAttributes"]["AWS.SNS.SMS.SMSType"] == {
        "DataType": "String",
        "StringValue": sent_as,
    }
