"""Managing the organisation's suppression list (admins): list and search, add with a reason,
remove, import and export — every change with an audit entry written in the same transaction
(``pk=ORG#<org>``, ``sk=SUPPRESSION_AUDIT#<time>#<id>``: what, which address, why, who).

Addresses are kept and matched in their canonical form (:func:`canonical_address`), as everything
that reads the list does; removing one lets it be sent to again, which is why it is audited.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from boto3.dynamodb.types import TypeSerializer
from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dispatch import aws
from dispatch.auth import Caller, Role
from dispatch.clock import now_iso, utcnow
from dispatch.config import Settings
from dispatch.dynamo import decode_cursor, encode_cursor, is_condition_failure
from dispatch.errors import InvalidRequest, NotFound
from dispatch.ids import new_id
from dispatch.organisations.suppression import canonical_address
from dispatch.spreadsheet import neutralise

_serializer = TypeSerializer()
IMPORT_LIMIT = 1000
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]


class Suppressed(BaseModel):
    address: str
    reason: str
    at: str


class NewSuppression(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: Address = Field(description="an email address (any spelling) or a phone number in E.164")
    reason: Reason


class SuppressionImport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    addresses: list[Address] = Field(min_length=1, max_length=IMPORT_LIMIT)
    reason: Reason


class ImportResult(BaseModel):
    added: int
    invalid: list[str] = Field(description="entries that are not an address (nothing was added for them)")


class AuditEntry(BaseModel):
    action: Literal["added", "removed"]
    address: str
    reason: str | None
    by: str
    by_email: str | None
    at: str


@dataclass
class SuppressionAdmin:
    settings: Settings

    @property
    def _table(self) -> Any:
        return aws.dynamodb_table(self.settings.main_table)

    def search(
        self, caller: Caller, q: str | None, limit: int, cursor: str | None
    ) -> tuple[list[Suppressed], str | None]:
        """The list in address order; ``q``: part of the address, any case."""
        caller.require(Role.admin)
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": f"ORG#{caller.org_id}", ":prefix": "SUPPRESSED#"},
            "Limit": limit,
        }
        if q:
            query["FilterExpression"] = "contains(sk, :q)"
            query["ExpressionAttributeValues"][":q"] = q.strip().casefold()
        start = decode_cursor(cursor)
        if start:
            query["ExclusiveStartKey"] = start
        page = self._table.query(**query)
        items = [_suppressed(item) for item in page.get("Items", [])]
        return items, encode_cursor(page.get("LastEvaluatedKey"))

    def add(self, caller: Caller, body: NewSuppression) -> Suppressed:
        caller.require(Role.admin)
        address = _canonical(body.address)
        entry = Suppressed(address=address, reason=body.reason, at=now_iso())
        self._write(caller, [_put(caller.org_id, entry)], "added", address, body.reason)
        return entry

    def remove(self, caller: Caller, address: str, reason: str | None) -> None:
        """404 when the address is not on the list."""
        caller.require(Role.admin)
        canonical = _canonical(address)
        delete = {
            "Delete": {
                "TableName": self.settings.main_table,
                "Key": _serialised({"pk": f"ORG#{caller.org_id}", "sk": f"SUPPRESSED#{canonical}"}),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }
        try:
            self._write(caller, [delete], "removed", canonical, reason)
        except ClientError as exc:
            if is_condition_failure(exc):
                raise NotFound("this address is not on the suppression list", {"address": canonical}) from exc
            raise

    def import_(self, caller: Caller, body: SuppressionImport) -> ImportResult:
        """Each valid address added (an address already listed keeps its place, with the new reason)."""
        caller.require(Role.admin)
        invalid: list[str] = []
        added = 0
        for raw in dict.fromkeys(body.addresses):
            try:
                address = _canonical(raw)
            except InvalidRequest:
                invalid.append(raw)
                continue
            entry = Suppressed(address=address, reason=body.reason, at=now_iso())
            self._write(caller, [_put(caller.org_id, entry)], "added", address, body.reason)
            added += 1
        return ImportResult(added=added, invalid=invalid)

    def export(self, caller: Caller) -> bytes:
        """The whole list as CSV (address, reason, at)."""
        caller.require(Role.admin)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["address", "reason", "at"])
        cursor: str | None = None
        while True:
            items, cursor = self.search(caller, None, 1000, cursor)
            for item in items:
                writer.writerow([neutralise(item.address), neutralise(item.reason), item.at])
            if cursor is None:
                return out.getvalue().encode("utf-8")

    def audit(self, caller: Caller, limit: int, cursor: str | None) -> tuple[list[AuditEntry], str | None]:
        """Changes to the list, newest first."""
        caller.require(Role.admin)
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": f"ORG#{caller.org_id}", ":prefix": "SUPPRESSION_AUDIT#"},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        start = decode_cursor(cursor)
        if start:
            query["ExclusiveStartKey"] = start
        page = self._table.query(**query)
        entries = [AuditEntry.model_validate(item) for item in page.get("Items", [])]
        return entries, encode_cursor(page.get("LastEvaluatedKey"))

    def _write(
        self, caller: Caller, change: list[dict[str, Any]], action: str, address: str, reason: str | None
    ) -> None:
        """The change and its audit entry, in one transaction."""
        moment = utcnow()
        audit = {
            "pk": f"ORG#{caller.org_id}",
            "sk": f"SUPPRESSION_AUDIT#{now_iso()}#{new_id(moment)}",
            "action": action,
            "address": address,
            "reason": reason,
            "by": caller.user_id,
            "by_email": caller.email,
            "at": now_iso(),
        }
        put_audit = {"Put": {"TableName": self.settings.main_table, "Item": _serialised(audit)}}
        for item in change:
            item[next(iter(item))].setdefault("TableName", self.settings.main_table)
        aws.client("dynamodb").transact_write_items(TransactItems=[*change, put_audit])


def _put(org_id: str, entry: Suppressed) -> dict[str, Any]:
    item = {
        "pk": f"ORG#{org_id}",
        "sk": f"SUPPRESSED#{entry.address}",
        "reason": entry.reason,
        "at": entry.at,
    }
    return {"Put": {"Item": _serialised(item)}}


def _suppressed(item: dict[str, Any]) -> Suppressed:
    return Suppressed(
        address=str(item["sk"]).removeprefix("SUPPRESSED#"),
        reason=str(item.get("reason") or ""),
        at=str(item.get("at") or ""),
    )


def _canonical(address: str) -> str:
    try:
        canonical = canonical_address(address)
    except ValueError as exc:
        raise InvalidRequest(f"not an email address or phone number: {exc}", {"address": address}) from exc
    if "@" not in canonical and not (canonical.startswith("+") and canonical[1:].isdigit()):
        raise InvalidRequest("a phone number must be in E.164 form (+ and digits)", {"address": address})
    return canonical


def _serialised(item: dict[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in item.items()}
