"""After sending, on the local stack: SES events (the local mailbox simulator publishes them to
the configuration set's topic; SNS → SQS → the events function), card links, unsubscribe, and an
export that shows it all. Then a second batch to the same people: the suppressed are not sent to."""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3

from local.client import ApiClient, wait_for
from local.stack import LocalStack

ROWS = (
    "first_name,email,phone\n"
    "Sam,success@simulator.amazonses.com,\n"
    "Bea,bounce@simulator.amazonses.com,\n"
    "Cal,complaint@simulator.amazonses.com,\n"
    "Tex,,+14155550199\n"
)
ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"/c/([A-Za-z0-9_.\-]+)")
UNSUBSCRIBE = re.compile(r"/unsubscribe/([A-Za-z0-9_.\-]+)")


def _drop(stack: LocalStack, process_id: str, name: str, rows: str = ROWS) -> None:
    s3 = boto3.client("s3", endpoint_url=stack.aws_endpoint, region_name="us-east-1")
    s3.put_object(Bucket=stack.bucket, Key=f"drop/{process_id}/{name}", Body=rows.encode())


def _batch(client: ApiClient, name: str, *wanted: str) -> dict[str, Any]:
    def ready() -> Any:
        found = [b for b in client.get("/batches")["items"] if b["name"].startswith(name)]
        return found[0] if found and found[0]["status"] in wanted else None

    return dict(wait_for(ready, timeout=60))


def _get(url: str, method: str = "GET", body: bytes | None = None) -> http.client.HTTPResponse:
    """One request, redirects not followed (the process page is not on this machine)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=30)
    connection.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body)
    return connection.getresponse()


def test_events_links_unsubscribe_and_export(stack: LocalStack, admin: ApiClient) -> None:
    example = json.loads((ROOT / "examples" / "process.json").read_text())
    process = admin.post("/processes", {**example, "approval_required": False})
    admin.post(f"/processes/{process['id']}/publish")
    _drop(stack, process["id"], "first.csv")
    batch = _batch(admin, "first", "sent", "partially_sent", "failed")
    assert batch["status"] == "sent"

    # SES reports: success → delivered, bounce → bounced, complaint → delivered and complained.
    counters = wait_for(
        lambda: (
            (c := admin.get(f"/batches/{batch['id']}")["counters"])["delivered"] == 2
            and c["bounced"] == 1
            and c
        ),
        timeout=60,
    )
    assert counters["by_status"] == {"bounced": 1, "delivered": 2, "sent": 1}
    cards = {
        card["email"] or card["phone"]: card for card in admin.get(f"/batches/{batch['id']}/cards")["items"]
    }
    bounced = admin.get(f"/cards/{cards['bounce@simulator.amazonses.com']['id']}")
    assert bounced["status"] == "bounced"
    assert bounced["bounced_at"]
    assert admin.get(f"/cards/{cards['complaint@simulator.amazonses.com']['id']}")["complained_at"]

    # The recipient opens the link from the email they got.
    message = next(
        m for m in stack.outbox().messages() if m["recipient"] == "success@simulator.amazonses.com"
    )
    token = LINK.search(message["body"] or "").group(1)  # type: ignore[union-attr]
    opened = _get(f"{stack.api_url}/c/{token}")
    assert opened.status == 302
    assert opened.headers["Location"] == f"https://forms.example.com/renewal?token={token}"
    data = _get(f"{stack.api_url}/c/{token}/data")
    assert data.status == 200
    assert data.headers["Access-Control-Allow-Origin"] == "https://forms.example.com"
    assert _get(f"{stack.api_url}/c/{token[:-2]}xx").status == 404
    assert admin.get(f"/batches/{batch['id']}")["counters"]["accessed"] == 1

    # The card link cannot unsubscribe, and the unsubscribe link opens no card: each has its own key.
    unsubscribe = UNSUBSCRIBE.search(message["body"] or "").group(1)  # type: ignore[union-attr]
    assert unsubscribe != token
    assert _get(f"{stack.api_url}/unsubscribe/{token}", "POST", b"List-Unsubscribe=One-Click").status == 404
    assert _get(f"{stack.api_url}/c/{unsubscribe}/data").status == 404
    # The recipient unsubscribes with one click (RFC 8058).
    unsubscribed = _get(f"{stack.api_url}/unsubscribe/{unsubscribe}", "POST", b"List-Unsubscribe=One-Click")
    assert unsubscribed.status == 200

    # The export shows all of it.
    export = admin.post(f"/batches/{batch['id']}/exports", {"format": "csv"})
    export = wait_for(
        lambda: (
            (e := admin.get(f"/batches/{batch['id']}/exports/{export['id']}"))["status"] != "running" and e
        )
    )
    assert export["status"] == "ready"
    with urllib.request.urlopen(export["url"], timeout=30) as response:
        rows = {
            row["first_name"]: row for row in csv.DictReader(io.StringIO(response.read().decode("utf-8-sig")))
        }
    assert (rows["Sam"]["status"], rows["Sam"]["channel"]) == ("delivered", "email")
    assert rows["Sam"]["accessed_at"]
    assert rows["Bea"]["status"] == "bounced"
    assert "Permanent bounce" in rows["Bea"]["error"]
    assert rows["Cal"]["status"] == "delivered"
    assert (rows["Tex"]["status"], rows["Tex"]["channel"]) == ("sent", "sms")
    assert rows["Tex"]["accessed_at"] == ""

    # The same people again: the hard bounce, the complaint and the unsubscribed are suppressed,
    # however their addresses are capitalised this time.
    shouted = ROWS.replace("success@simulator.amazonses.com", "Success@Simulator.AmazonSES.com")
    _drop(stack, process["id"], "second.csv", shouted.replace("complaint@", "COMPLAINT@"))
    second = _batch(admin, "second", "sent", "partially_sent", "failed")
    assert second["status"] == "partially_sent"  # not everyone was reached
    assert second["counters"]["by_status"]["suppressed"] == 3
    assert second["counters"]["sent"] == 1
