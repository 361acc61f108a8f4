"""Export jobs in the main table: ``pk=BATCH#<id>``, ``sk=EXPORT#<export id>``.

The export id is derived from the format and the batch's state (its revision and last update), so
requesting the same export of an unchanged batch finds the same job: the file is written once and
reused; a changed batch gets a new id and a new file. Jobs expire with the files (TTL).
"""

from __future__ import annotations

from typing import Any

from dispatch import aws
from dispatch.config import Settings
from dispatch.dynamo import applied, from_dynamo
from dispatch.exports.models import ExportJob, ExportStatus


class ExportStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.main_table)

    def get(self, batch_id: str, export_id: str) -> ExportJob | None:
        item = self._table.get_item(Key=_key(batch_id, export_id), ConsistentRead=True).get("Item")
        return ExportJob.model_validate(from_dynamo(_public(item))) if item else None

    def start(self, job: ExportJob, stale_before: str, *, replace_ready: bool = False) -> bool:
        """Create the job, or restart it if it failed or died (or, with ``replace_ready``, if its
        file expired); False when another request got there first (it is running or ready)."""
        condition = (
            "attribute_not_exists(pk) OR #status = :failed OR (#status = :running AND requested_at < :stale)"
        )
        values = {
            ":failed": ExportStatus.failed.value,
            ":running": ExportStatus.running.value,
            ":stale": stale_before,
        }
        if replace_ready:
            condition += " OR #status = :ready"
            values[":ready"] = ExportStatus.ready.value
        return applied(
            lambda: self._table.put_item(
                Item={**_key(job.batch_id, job.id), **job.model_dump(mode="json", exclude_none=True)},
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values,
            )
        )

    def finish(self, job: ExportJob, **values: Any) -> None:
        names = {f"#f{index}": name for index, name in enumerate(values)}
        self._table.update_item(
            Key=_key(job.batch_id, job.id),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(values))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={f":f{index}": value for index, value in enumerate(values.values())},
        )


def _key(batch_id: str, export_id: str) -> dict[str, str]:
    return {"pk": f"BATCH#{batch_id}", "sk": f"EXPORT#{export_id}"}


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in {"pk", "sk"}}
