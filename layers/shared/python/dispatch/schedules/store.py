"""Schedules, their runs and saved templates in the main table.

Items (docs/data-model.md):
- schedule: ``pk=ORG#<org>``, ``sk=SCHEDULE#<id>``; every change is conditional on the version read
  (and, where it matters, the state), so two edits never interleave;
- run: ``pk=SCHEDULE#<id>``, ``sk=RUN#<scheduled time>``, put only if absent: a repeated fire of the
  same scheduled time finds it and starts nothing;
- template: ``pk=ORG#<org>``, ``sk=SCHEDULE_TEMPLATE#<id>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dispatch import aws
from dispatch.config import Settings
from dispatch.dynamo import applied, decode_cursor, encode_cursor, from_dynamo, query_filtered, to_dynamo
from dispatch.errors import Conflict, NotFound
from dispatch.schedules.models import UPCOMING, Run, Schedule, ScheduleTemplate, State

_INTERNAL = {"pk", "sk"}


def _key(org_id: str, schedule_id: str) -> dict[str, str]:
    return {"pk": f"ORG#{org_id}", "sk": f"SCHEDULE#{schedule_id}"}


def _template_key(org_id: str, template_id: str) -> dict[str, str]:
    return {"pk": f"ORG#{org_id}", "sk": f"SCHEDULE_TEMPLATE#{template_id}"}


class ScheduleStore:
    def __init__(self, settings: Settings) -> None:
        self._table = aws.dynamodb_table(settings.main_table)

    def create(self, schedule: Schedule) -> None:
        self._table.put_item(
            Item={**_key(schedule.org_id, schedule.id), **to_dynamo(schedule.model_dump(mode="json"))},
            ConditionExpression="attribute_not_exists(pk)",
        )

    def get(self, org_id: str, schedule_id: str) -> Schedule:
        item = self._table.get_item(Key=_key(org_id, schedule_id), ConsistentRead=True).get("Item")
        if not item:
            raise NotFound("no such schedule", {"schedule_id": schedule_id})
        return _schedule(item)

    def replace(self, schedule: Schedule, expected_version: int) -> Schedule:
        """Write ``schedule`` (its version one more than ``expected_version``) if nobody changed it
        since it was read; Conflict otherwise."""
        saved = schedule.model_copy(update={"version": expected_version + 1})
        if not applied(
            lambda: self._table.put_item(
                Item={**_key(saved.org_id, saved.id), **to_dynamo(saved.model_dump(mode="json"))},
                ConditionExpression="version = :v",
                ExpressionAttributeValues={":v": expected_version},
            )
        ):
            raise Conflict("the schedule changed meanwhile; read it again", {"schedule_id": saved.id})
        return saved

    def page(
        self,
        org_id: str,
        upcoming_only: bool,
        limit: int,
        cursor: str | None,
        *,
        keep: Callable[[Schedule], bool] | None = None,
    ) -> tuple[list[Schedule], str | None]:
        """A page of the organisation's schedules, oldest first. "Upcoming" is a filter on the
        stored state (plus finished one-time runs still processing), refined by ``keep``; a page
        is full unless it is the last (:func:`dispatch.dynamo.query_filtered`)."""
        request: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": f"ORG#{org_id}", ":prefix": "SCHEDULE#"},
        }
        if upcoming_only:
            states = sorted(set(UPCOMING) & {state.value for state in State})
            placeholders = ", ".join(f":s{i}" for i in range(len(states)))
            request["FilterExpression"] = f"#state IN ({placeholders}) OR attribute_exists(active_run)"
            request["ExpressionAttributeNames"] = {"#state": "state"}
            request["ExpressionAttributeValues"].update({f":s{i}": state for i, state in enumerate(states)})
        accepted = keep or (lambda _: True)
        items, last = query_filtered(
            self._table,
            request,
            decode_cursor(cursor),
            limit,
            keep=lambda item: accepted(_schedule(item)),
            key_names=("pk", "sk"),
        )
        return [_schedule(item) for item in items], encode_cursor(last)

    def record_run(self, schedule_id: str, run: Run) -> bool:
        """Claim a scheduled time for a run; False when it was already claimed (a repeated fire)."""
        return applied(
            lambda: self._table.put_item(
                Item={
                    "pk": f"SCHEDULE#{schedule_id}",
                    "sk": f"RUN#{run.scheduled_for}",
                    **to_dynamo(run.model_dump(mode="json", exclude_none=True)),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        )

    def update_run(self, schedule_id: str, run: Run) -> None:
        self._table.put_item(
            Item={
                "pk": f"SCHEDULE#{schedule_id}",
                "sk": f"RUN#{run.scheduled_for}",
                **to_dynamo(run.model_dump(mode="json", exclude_none=True)),
            }
        )

    def runs(self, schedule_id: str, limit: int) -> list[Run]:
        """The latest runs, newest first."""
        page = self._table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": f"SCHEDULE#{schedule_id}", ":prefix": "RUN#"},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [Run.model_validate(from_dynamo(_public(item))) for item in page.get("Items", [])]

    def save_template(self, template: ScheduleTemplate) -> None:
        self._table.put_item(
            Item={
                **_template_key(template.org_id, template.id),
                **to_dynamo(template.model_dump(mode="json")),
            }
        )

    def template(self, org_id: str, template_id: str) -> ScheduleTemplate:
        item = self._table.get_item(Key=_template_key(org_id, template_id)).get("Item")
        if not item:
            raise NotFound("no such schedule template", {"template_id": template_id})
        return ScheduleTemplate.model_validate(from_dynamo(_public(item)))

    def delete_template(self, org_id: str, template_id: str) -> None:
        if not applied(
            lambda: self._table.delete_item(
                Key=_template_key(org_id, template_id), ConditionExpression="attribute_exists(pk)"
            )
        ):
            raise NotFound("no such schedule template", {"template_id": template_id})

    def templates(self, org_id: str) -> list[ScheduleTemplate]:
        page = self._table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": f"ORG#{org_id}", ":prefix": "SCHEDULE_TEMPLATE#"},
        )
        return [ScheduleTemplate.model_validate(from_dynamo(_public(item))) for item in page.get("Items", [])]


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in item.items() if name not in _INTERNAL}


def _schedule(item: dict[str, Any]) -> Schedule:
    return Schedule.model_validate(from_dynamo(_public(item)))
