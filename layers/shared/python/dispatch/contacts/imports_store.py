"""Contact imports in the main table: ``pk=ORG#<org>``, ``sk=IMPORT#<id>``.

The file of an import is ``imports/<org>/<id>/source`` (a pre-signed POST); its first version to
arrive is the import's file (``source_version``), as a batch's upload is.
"""

from __future__ import annotations

from typing import Any

from dispatch import aws
from dispatch.config import Settings
from dispatch.contacts.models import ContactImport, ImportStatus
from dispatch.dynamo import applied, from_dynamo, to_dynamo
from dispatch.errors import NotFound

IMPORTS = "imports/"


def import_key(org_id: str, import_id: str) -> str:
    return f"{IMPORTS}{org_id}/{import_id}/source"


def report_key(import_id: str) -> str:
    return f"reports/imports/{import_id}/errors.csv"


def _key(org_id: str, import_id: str) -> dict[str, str]:
    return {"pk": f"ORG#{org_id}", "sk": f"IMPORT#{import_id}"}


class ImportStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.main_table)

    def create(self, job: ContactImport) -> None:
        item = {**_key(job.org_id, job.id), **to_dynamo(job.model_dump(mode="json", exclude_none=True))}
        self._table.put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")

    def get(self, org_id: str, import_id: str) -> ContactImport:
        item = self._table.get_item(Key=_key(org_id, import_id), ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("no such import", {"import_id": import_id})
        return _job(item)

    def claim(self, org_id: str, import_id: str, version_id: str) -> bool:
        """``uploading`` → ``importing`` for this version of the file; False when the import had
        its file already (a repeated event, or a second file)."""
        return applied(
            lambda: self._table.update_item(
                Key=_key(org_id, import_id),
                UpdateExpression="SET #status = :importing, source_version = :version",
                ConditionExpression="#status = :uploading",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":importing": ImportStatus.importing.value,
                    ":uploading": ImportStatus.uploading.value,
                    ":version": version_id,
                },
            )
        )

    def finish(self, org_id: str, import_id: str, **values: Any) -> ContactImport:
        names = {f"#f{index}": name for index, name in enumerate(values)}
        result = self._table.update_item(
            Key=_key(org_id, import_id),
            UpdateExpression="SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(values))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues={f":f{i}": to_dynamo(value) for i, value in enumerate(values.values())},
            ReturnValues="ALL_NEW",
        )
        return _job(result["Attributes"])


def _job(item: dict[str, Any]) -> ContactImport:
    plain = from_dynamo(dict(item))
    plain.pop("pk", None)
    plain.pop("sk", None)
    return ContactImport.model_validate(plain)
