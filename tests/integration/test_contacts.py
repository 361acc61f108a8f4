"""Contacts against moto: imports that create then update by external id, single contacts, filters
with exact counts, tenant isolation, and a communication walked from its working list to its cards."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

ImportContacts = Callable[..., dict[str, Any]]
Deployment = Any
WALK_ADMIN = {
    "sub": "sub-admin",
    "email": "admin@org-a.test",
    "cognito:groups": "admin",
    "custom:org_id": "org-a",
}
OTHER = {"sub": "sub-b", "email": "admin@org-b.test", "cognito:groups": "admin", "custom:org_id": "org-b"}


def _contacts(deployed: Deployment, claims: dict[str, Any], filter_: Any = None) -> dict[str, Any]:
    query = {"count": "true", "limit": "100"}
    if filter_ is not None:
        query["filter"] = json.dumps(filter_)
    status, body = deployed.api("GET", "/contacts", claims, query=query)
    assert status == 200, body
    return dict(body)


def test_an_import_creates_contacts_then_a_second_updates_them_by_external_id(
    deployed: Deployment, import_contacts: ImportContacts
) -> None:
    first = import_contacts(
        "external_id,first_name,email,phone,city,tags,plan,renewal,score\n"
        "A1,Ada,ADA@Example.com,(415) 555-0101,Paris,VIP; north,gold,2026-03-01,7\n"
        "A2,Alan,alan@example.com,,London,north,silver,2026-04-01,3\n"
        "A3,Grace,not-an-email,,Rome,,gold,2026-05-01,x\n"
        ",Nobody,nobody@example.com,,,,,,\n"
        "A1,Ada again,ada2@example.com,,,,,,\n",
    )
    assert (first["status"], first["rows"], first["created"], first["updated"], first["rejected"]) == (
        "done",
        5,
        2,
        0,
        3,
    )
    assert first["attributes"] == {"plan": "string", "renewal": "date", "score": "string"}
    assert first["errors"]["url"]
    report = deployed.client("s3").get_object(
        Bucket=deployed.bucket, Key=f"reports/imports/{first['id']}/errors.csv"
    )
    codes = [line.split(",")[2] for line in report["Body"].read().decode().splitlines()[1:]]
    assert sorted(codes) == ["duplicate_external_id", "invalid_value:email", "missing_required:external_id"]

    listed = _contacts(deployed, WALK_ADMIN)
    assert listed["count"] == 2
    ada = next(contact for contact in listed["items"] if contact["external_id"] == "A1")
    assert ada["email"] == "ada@example.com"  # canonical form
    assert ada["phone"] == "+14155550101"  # E.164 with the organisation's region
    assert ada["tags"] == ["north", "vip"]

    second = import_contacts("external_id,city,score:number\nA1,Lyon,9\nA4,Nina,\n")
    assert second["status"] == "invalid"  # score is a string attribute already: the file says number
    assert "score (string)" in second["status_reason"]
    third = import_contacts("external_id,city,plan\nA1,Lyon,\nA4,Oslo,bronze\n")
    assert (third["created"], third["updated"], third["rejected"]) == (1, 1, 0)
    status, again = deployed.api("GET", f"/contacts/{ada['id']}", WALK_ADMIN)
    assert status == 200
    assert again["city"] == "Lyon"  # the file's column replaced it
    assert again["first_name"] == "Ada"  # columns the file lacks are kept
    assert "plan" not in again["attributes"]  # an empty cell cleared it
    assert again["created_at"] == ada["created_at"]
    assert _contacts(deployed, WALK_ADMIN)["count"] == 3


def test_filters_count_exactly_and_a_bad_filter_says_where(
    deployed: Deployment, import_contacts: ImportContacts
) -> None:
    import_contacts(
        "external_id,email,phone,city,address_line1,postcode,tags,age:number,member:boolean\n"
        "1,a@example.com,,Paris,1 rue A,75001,vip,30,true\n"
        "2,,+14155550102,Paris,,,vip;north,45,false\n"
        "3,c@example.com,,Lyon,3 rue C,69001,,52,true\n",
    )
    cases = [
        ({"field": "city", "op": "eq", "value": "Paris"}, 2),
        ({"field": "city", "op": "ne", "value": "Paris"}, 1),
        ({"field": "attributes.age", "op": "gte", "value": 45}, 2),
        ({"tags_any": ["VIP"]}, 2),
        ({"tags_all": ["vip", "north"]}, 1),
        ({"has": "address"}, 2),
        ({"and": [{"has": "email"}, {"field": "attributes.member", "op": "eq", "value": True}]}, 2),
        ({"or": [{"has": "phone"}, {"not": {"field": "city", "op": "in", "value": ["Paris"]}}]}, 2),
        ({"field": "email", "op": "eq", "value": "A@EXAMPLE.COM"}, 1),
    ]
    for filter_, expected in cases:
        assert _contacts(deployed, WALK_ADMIN, filter_)["count"] == expected, filter_
    status, refused = deployed.api(
        "GET",
        "/contacts",
        WALK_ADMIN,
        query={
            "filter": json.dumps(
                {"and": [{"has": "email"}, {"field": "attributes.age", "op": "gt", "value": "x"}]}
            )
        },
    )
    assert status == 400
    assert refused["error"]["details"]["location"] == "filter.and[1].value"
    status, refused = deployed.api("GET", "/contacts", WALK_ADMIN, query={"filter": "{not json"})
    assert status == 400


def test_contacts_belong_to_their_organisation_and_their_history_outlives_them(deployed: Deployment) -> None:
    status, contact = deployed.api(
        "POST",
        "/contacts",
        WALK_ADMIN,
        body={
            "external_id": "X1",
            "first_name": "Ada",
            "email": "Ada@Example.com",
            "attributes": {"due": "2026-01-02"},
        },
    )
    assert status == 201
    assert contact["email"] == "ada@example.com"
    assert deployed.api("POST", "/contacts", WALK_ADMIN, body={"external_id": "X1"})[0] == 409
    # Another organisation: its own contact of the same external id, and none of org-a's.
    status, theirs = deployed.api("POST", "/contacts", OTHER, body={"external_id": "X1", "first_name": "Bea"})
    assert status == 201
    assert theirs["id"] != contact["id"]
    assert deployed.api("GET", f"/contacts/{contact['id']}", OTHER)[0] == 404
    assert deployed.api("PUT", f"/contacts/{contact['id']}", OTHER, body={"external_id": "X1"})[0] == 404
    assert deployed.api("DELETE", f"/contacts/{contact['id']}", OTHER)[0] == 404
    assert deployed.api("GET", f"/contacts/{contact['id']}/history", OTHER)[0] == 404
    assert [c["external_id"] for c in _contacts(deployed, OTHER)["items"]] == ["X1"]
    assert _contacts(deployed, OTHER)["items"][0]["first_name"] == "Bea"

    status, refused = deployed.api(
        "PUT", f"/contacts/{contact['id']}", WALK_ADMIN, body={"external_id": "X1", "attributes": {"due": 5}}
    )
    assert status == 400
    assert refused["error"]["details"]["errors"][0]["location"] == "body.attributes.due"
    assert deployed.api("PUT", f"/contacts/{contact['id']}", WALK_ADMIN, body={"external_id": "X2"})[0] == 409

    assert deployed.api("GET", f"/contacts/{contact['id']}/history", WALK_ADMIN)[1]["items"] == []
    assert deployed.api("DELETE", f"/contacts/{contact['id']}", WALK_ADMIN)[0] == 204
    assert deployed.api("GET", f"/contacts/{contact['id']}", WALK_ADMIN)[0] == 404


def test_a_communication_stages_its_working_list_into_cards_with_the_contacts_values(
    deployed: Deployment, import_contacts: ImportContacts, letter_process: Callable[..., dict[str, Any]]
) -> None:
    import_contacts(
        "external_id,first_name,email,address_line1,city,tags,amount\n"
        "1,Ada,ada@example.com,1 Main St,Springfield,renewal,12\n"
        "2,,bob@example.com,,,renewal,5\n"  # first_name is required by the process
        "3,Cy,,2 Side St,Shelbyville,renewal,x\n"  # amount is a number field
        "4,Di,di@example.com,,,other,1\n",
    )
    process = letter_process()
    body = {
        "name": "Spring notice",
        "process_id": process["id"],
        "filter": {"tags_any": ["renewal"]},
        "template": "notice",
        "due_date": "2026-06-30",
        "channels": ["email", "letter"],
    }
    status, batch = deployed.api("POST", "/communications", WALK_ADMIN, body=body)
    assert status == 201, batch
    assert (batch["status"], batch["kind"], batch["communication"]["matched"]) == ("open", "communication", 3)
    assert batch["due_date"] == "2026-06-30"
    status, _ = deployed.api("POST", "/communications", WALK_ADMIN, body={**body, "channels": ["sms"]})
    assert status == 422  # the notice set has no SMS template
    status, generating = deployed.api("POST", f"/batches/{batch['id']}/generate", WALK_ADMIN)
    assert (status, generating["status"]) == (202, "generating")
    assert deployed.api("POST", f"/batches/{batch['id']}/generate", WALK_ADMIN)[0] == 409

    step = {"batch_id": batch["id"], "org_id": "org-a"}
    staged = [
        deployed.invoke("LifecycleFunction", {**step, "action": "stage_segment", "segment": segment})
        for segment in range(16)
    ]
    recorded = deployed.invoke(
        "LifecycleFunction", {**step, "action": "record_working_list", "staged": staged}
    )
    assert recorded["rows"] == 3
    for chunk in recorded["chunks"]:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk})
    held = deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
    assert held == {"approval_required": False, "hold": True}
    status, generated = deployed.api("GET", f"/batches/{batch['id']}", WALK_ADMIN)
    assert generated["status"] == "generated"
    assert generated["counters"]["cards"] == 3
    cards = deployed.api("GET", f"/batches/{batch['id']}/cards", WALK_ADMIN)[1]["items"]
    by_status = sorted((card["status"], card["error"] or "") for card in cards)
    assert by_status == [
        ("error", "invalid_value:amount: not a number (write digits, with a point for decimals: 1234.56)"),
        ("error", "missing_required:first_name"),
        ("ready", ""),
    ]
    ready = next(card for card in cards if card["status"] == "ready")
    full = deployed.api("GET", f"/cards/{ready['id']}", WALK_ADMIN)[1]
    assert full["letter"] is True
    assert full["channels"] == ["email"]
    assert full["postal"]["city"] == "Springfield"
    assert full["values"]["amount"] == 12

    history = deployed.api("GET", f"/contacts/{full['contact_id']}/history", WALK_ADMIN)[1]["items"]
    assert [(entry["batch_id"], entry["status"]) for entry in history] == [(batch["id"], "ready")]
    assert deployed.api("DELETE", f"/contacts/{full['contact_id']}", WALK_ADMIN)[0] == 204
    kept = deployed.api("GET", f"/contacts/{full['contact_id']}/history", WALK_ADMIN)
    assert kept[0] == 200
    assert [entry["card_id"] for entry in kept[1]["items"]] == [full["id"]]


@pytest.mark.parametrize("filter_", [{"field": "city", "op": "eq", "value": "Nowhere"}])
def test_a_working_list_that_matches_nobody_returns_the_batch_to_open(
    deployed: Deployment, letter_process: Callable[..., dict[str, Any]], filter_: dict[str, Any]
) -> None:
    process = letter_process()
    status, batch = deployed.api(
        "POST",
        "/communications",
        WALK_ADMIN,
        body={"name": "n", "process_id": process["id"], "filter": filter_},
    )
    assert (status, batch["communication"]["matched"], batch["communication"]["channels"]) == (
        201,
        0,
        ["email", "sms"],
    )
    deployed.api("POST", f"/batches/{batch['id']}/generate", WALK_ADMIN)
    step = {"batch_id": batch["id"], "org_id": "org-a"}
    staged = [
        deployed.invoke("LifecycleFunction", {**step, "action": "stage_segment", "segment": s})
        for s in range(16)
    ]
    assert (
        deployed.invoke("LifecycleFunction", {**step, "action": "record_working_list", "staged": staged})[
            "rows"
        ]
        == 0
    )
    reopened = deployed.api("GET", f"/batches/{batch['id']}", WALK_ADMIN)[1]
    assert reopened["status"] == "open"
    assert reopened["status_reason"] == "the filter matched no contact when the batch was generated"


def test_a_one_off_message_goes_through_the_batch_engine_and_into_the_contacts_history(
    deployed: Deployment,
    letter_process: Callable[..., dict[str, Any]],
    communication: Callable[[str], Any],
) -> None:
    status, contact = deployed.api(
        "POST",
        "/contacts",
        WALK_ADMIN,
        body={"external_id": "M1", "first_name": "Ada", "email": "ada@example.com"},
    )
    assert status == 201
    status, silent = deployed.api(
        "POST", "/contacts", WALK_ADMIN, body={"external_id": "M2", "first_name": "Bo"}
    )
    process = letter_process()
    body = {"process_id": process["id"], "template": "notice", "due_date": "2026-06-30"}
    status, refused = deployed.api("POST", f"/contacts/{silent['id']}/messages", WALK_ADMIN, body=body)
    assert (status, refused["error"]["message"]) == (422, "the contact has no email or phone to send to")

    status, batch = deployed.api("POST", f"/contacts/{contact['id']}/messages", WALK_ADMIN, body=body)
    assert (status, batch["status"], batch["kind"], batch["name"]) == (
        202,
        "generating",
        "communication",
        "Message to M1",
    )
    walk = communication(batch["id"])
    for chunk in walk.stored().chunks:
        deployed.invoke(
            "GenerateFunction", {"batch_id": batch["id"], "org_id": "org-a", "chunk": chunk.model_dump()}
        )
    assert walk.step("after_generation") == {"approval_required": False, "hold": False}
    walk.step("start_sending")
    for chunk in walk.stored().chunks:
        deployed.invoke(
            "SendFunction", {"batch_id": batch["id"], "org_id": "org-a", "chunk": chunk.model_dump()}
        )
    walk.step("finish_sending")
    sent = walk.get()
    assert (sent["status"], sent["counters"]["sent"]) == ("sent", 1)
    history = deployed.api("GET", f"/contacts/{contact['id']}/history", WALK_ADMIN)[1]["items"]
    assert [(entry["batch_id"], entry["status"]) for entry in history] == [(batch["id"], "sent")]
