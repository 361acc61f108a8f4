"""Suppression list management (issue 19, item 5): admins list, search, add with a reason, remove,
import and export; each change leaves an audit entry (who, what, why), written with it."""

from __future__ import annotations

import base64
from typing import Any

from dispatch.organisations.suppression import SuppressionList

ORG = {"custom:org_id": "org-a"}
ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", **ORG}
SENDER = {"sub": "sub-sender", "email": "sender@org-a.test", "cognito:groups": "sender", **ORG}


def test_admins_add_search_remove_import_and_export_with_an_audit_trail(deployed: Any) -> None:
    status, added = deployed.api(
        "POST", "/suppressions", ADMIN, body={"address": "Ada@Example.COM", "reason": "asked by phone"}
    )
    assert status == 201
    assert added["address"] == "ada@example.com"  # canonical: matched in every spelling
    assert (
        deployed.api("POST", "/suppressions", SENDER, body={"address": "x@example.com", "reason": "r"})[0]
        == 403
    )
    status, error = deployed.api("POST", "/suppressions", ADMIN, body={"address": "12345", "reason": "r"})
    assert status == 400
    assert "E.164" in error["error"]["message"]

    status, imported = deployed.api(
        "POST",
        "/suppressions/import",
        ADMIN,
        body={
            "addresses": ["bo@example.com", "+12125550100", "not an address", "bo@example.com"],
            "reason": "CRM",
        },
    )
    assert status == 200
    assert imported == {"added": 2, "invalid": ["not an address"]}
    api_settings = deployed.runtime.functions[deployed.name("ApiFunction")].settings
    assert SuppressionList(api_settings).suppressed("org-a", ["ADA@example.com", "+12125550100"]) == {
        "ADA@example.com",
        "+12125550100",
    }

    status, listed = deployed.api("GET", "/suppressions", ADMIN)
    assert [item["address"] for item in listed["items"]] == [
        "+12125550100",
        "ada@example.com",
        "bo@example.com",
    ]
    status, found = deployed.api("GET", "/suppressions", ADMIN, query={"q": "BO@"})
    assert [item["address"] for item in found["items"]] == ["bo@example.com"]
    status, first = deployed.api("GET", "/suppressions", ADMIN, query={"limit": "2"})
    status, rest = deployed.api(
        "GET", "/suppressions", ADMIN, query={"limit": "2", "cursor": first["next_cursor"]}
    )
    assert [item["address"] for item in first["items"] + rest["items"]] == [
        item["address"] for item in listed["items"]
    ]

    result = deployed.invoke("ApiFunction", deployed.api_event("GET", "/suppressions/export", claims=ADMIN))
    assert result["statusCode"] == 200
    lines = base64.b64decode(result["body"]).decode().splitlines()
    assert lines[0] == "address,reason,at"
    assert lines[1].startswith("'+12125550100,CRM,")  # neutralised: no spreadsheet formula
    assert len(lines) == 4

    status, _ = deployed.api(
        "DELETE", "/suppressions/ADA@example.com", ADMIN, query={"reason": "consent renewed"}
    )
    assert status == 204
    assert deployed.api("DELETE", "/suppressions/ada@example.com", ADMIN)[0] == 404
    assert SuppressionList(api_settings).suppressed("org-a", ["ada@example.com"]) == set()

    status, audit = deployed.api("GET", "/suppressions/audit", ADMIN)
    assert status == 200
    entries = [(e["action"], e["address"], e["reason"], e["by"]) for e in audit["items"]]
    assert entries[0] == ("removed", "ada@example.com", "consent renewed", "sub-admin")
    assert ("added", "ada@example.com", "asked by phone", "sub-admin") in entries
    assert len(entries) == 4  # one add, two imported, one removal; the refused changes left none
