"""Organisation settings in the main table: ``pk=ORG#<org>``, ``sk=SETTINGS``."""

from __future__ import annotations

from dispatch import aws
from dispatch.config import Settings
from dispatch.dynamo import from_dynamo, to_dynamo
from dispatch.organisations.models import OrganisationSettings


class OrganisationStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.main_table)

    def get(self, org_id: str) -> OrganisationSettings:
        item = self._table.get_item(Key={"pk": f"ORG#{org_id}", "sk": "SETTINGS"}).get("Item")
        if not item:
            return OrganisationSettings()
        return OrganisationSettings.model_validate(from_dynamo(item["settings"]))

    def put(self, org_id: str, value: OrganisationSettings) -> OrganisationSettings:
        self._table.put_item(
            Item={
                "pk": f"ORG#{org_id}",
                "sk": "SETTINGS",
                "settings": to_dynamo(value.model_dump(mode="json")),
            }
        )
        return value
