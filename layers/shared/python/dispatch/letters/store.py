"""Letter bundles in the main table: ``pk=BATCH#<id>``, ``sk=LETTERS#<bundle id>`` (TTL with the file)."""

from __future__ import annotations

from typing import Any

from dispatch import aws
from dispatch.config import Settings
from dispatch.dynamo import applied, from_dynamo, to_dynamo
from dispatch.letters.models import BundleStatus, LetterBundle


def _key(batch_id: str, bundle_id: str) -> dict[str, str]:
    return {"pk": f"BATCH#{batch_id}", "sk": f"LETTERS#{bundle_id}"}


class BundleStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.main_table)

    def get(self, batch_id: str, bundle_id: str) -> LetterBundle | None:
        item = self._table.get_item(Key=_key(batch_id, bundle_id), ConsistentRead=True).get("Item")
        return LetterBundle.model_validate(from_dynamo(item)) if item else None

    def start(self, bundle: LetterBundle, stale_before: str) -> bool:
        """Create the bundle, or build it again if it failed, died or its file is gone; False when
        another request got there first."""
        return applied(
            lambda: self._table.put_item(
                Item={
                    **_key(bundle.batch_id, bundle.id),
                    **to_dynamo(bundle.model_dump(mode="json", exclude_none=True)),
                },
                ConditionExpression="attribute_not_exists(pk) OR #status = :failed OR requested_at < :stale",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":failed": BundleStatus.failed.value, ":stale": stale_before},
            )
        )

    def finish(self, batch_id: str, bundle_id: str, **values: Any) -> None:
        names = {f"#f{index}": name for index, name in enumerate(values)}
        self._table.update_item(
            Key=_key(batch_id, bundle_id),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(values))),
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={f":f{i}": to_dynamo(value) for i, value in enumerate(values.values())},
        )

    def mark_printed(self, batch_id: str, bundle_id: str, at: str, by: str, by_email: str | None) -> bool:
        """Once per bundle, and only a ready one; False otherwise."""
        return applied(
            lambda: self._table.update_item(
                Key=_key(batch_id, bundle_id),
                UpdateExpression="SET printed_at = :at, printed_by = :by, printed_by_email = :email",
                ConditionExpression="#status = :ready AND attribute_not_exists(printed_at)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":at": at,
                    ":by": by,
                    ":email": by_email,
                    ":ready": BundleStatus.ready.value,
                },
            )
        )
