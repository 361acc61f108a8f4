"""Batch exports over the API and the export function: contents, neutralised cells, reuse while the
batch is unchanged, a new file once it changes."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import openpyxl
import pytest

from dispatch import services
from dispatch.cards import links
from dispatch.cards.models import Card
from dispatch.cards.store import CardStore
from dispatch.config import Settings
from dispatch.exports.models import ExportJob, ExportStatus
from dispatch.exports.store import ExportStore
from dispatch.secrets import link_signing_key
from local.stack import ROOT

ADMIN = {"sub": "sub-admin", "email": "admin@org-a.test", "cognito:groups": "admin", "custom:org_id": "org-a"}
ROWS = (
    "first_name,email,phone\n"
    "Ada,ada@example.com,\n"
    '"=HYPERLINK(""http://evil.test"",""click"")",eve@example.com,\n'
    "-2+3,min@example.com,\n"
    "Dee,,+14155550100\n"
)


@pytest.fixture
def sent(deployed: Any, s3_event: Callable[..., dict[str, Any]]) -> tuple[Settings, str, list[Card]]:
    """A sent batch of four cards (three emails, one SMS), one of them opened."""
    body = {**json.loads((ROOT / "examples" / "process.json").read_text()), "approval_required": False}
    _, process = deployed.api("POST", "/processes", ADMIN, body=body)
    deployed.api("POST", f"/processes/{process['id']}/publish", ADMIN)
    key = f"drop/{process['id']}/list.csv"
    deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=ROWS.encode())
    [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(ROWS)))["batches"]
    batch_id = handled["batch_id"]
    step = {"batch_id": batch_id, "org_id": "org-a"}
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("SendFunction")].environment)
    settings = settings.model_copy(update={"email_rate_per_second": 2000.0, "sms_rate_per_second": 2000.0})
    batch = services.batch_service(settings).batches.get("org-a", batch_id)
    for chunk in batch.chunks:
        deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
    deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
    deployed.invoke("LifecycleFunction", {**step, "action": "start_sending"})
    batch = services.batch_service(settings).batches.get("org-a", batch_id)
    [chunk] = batch.chunks
    services.workflow(settings).send("org-a", batch_id, chunk, lambda b: services.chunk_sender(b, settings))
    cards = list(CardStore(settings).in_rows(batch_id, 0, 10**7))
    services.card_links(settings).open(_token(settings, cards[0]))
    return settings, batch_id, cards


def _token(settings: Settings, card: Card) -> str:
    return links.sign(link_signing_key(settings), card.id, card.link_expires_at)


def _export(deployed: Any, batch_id: str, fmt: str) -> dict[str, Any]:
    """Request an export and wait until its asynchronous invocation has run (no clock involved)."""
    status, view = deployed.api("POST", f"/batches/{batch_id}/exports", ADMIN, body={"format": fmt})
    assert status in (200, 202), view
    deployed.runtime.drain()  # the export function's asynchronous invocation has run
    status, view = deployed.api("GET", f"/batches/{batch_id}/exports/{view['id']}", ADMIN)
    assert status == 200
    assert view["status"] == "ready", view
    return dict(view)


def _download(deployed: Any, view: dict[str, Any]) -> bytes:
    url = urlsplit(view["url"])
    key = unquote(url.path.lstrip("/")).removeprefix(f"{deployed.bucket}/")
    return bytes(deployed.client("s3").get_object(Bucket=deployed.bucket, Key=key)["Body"].read())


def test_a_csv_export_has_the_original_columns_the_outcome_and_no_formulas(
    deployed: Any, sent: tuple[Settings, str, list[Card]]
) -> None:
    _, batch_id, cards = sent
    view = _export(deployed, batch_id, "csv")
    assert view["rows"] == 4
    assert "X-Amz-Expires=900" in view["url"] or "Expires=" in view["url"]
    text = _download(deployed, view).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["first_name", "email", "phone", "status", "channel", "sent_at", "error", "accessed_at"]
    ada, evil, negative, dee = rows[1:]
    assert ada[:5] == ["Ada", "ada@example.com", "", "sent", "email"]
    assert ada[5] == cards[0].sent_at
    assert ada[7]  # opened
    assert evil[0] == "'" + '=HYPERLINK("http://evil.test","click")'
    assert negative[0] == "'-2+3"
    assert dee[:5] == ["Dee", "", "'+14155550100", "sent", "sms"]  # a leading + is neutralised too
    assert dee[7] == ""


def test_an_xlsx_export_holds_the_same_cells(deployed: Any, sent: tuple[Settings, str, list[Card]]) -> None:
    _, batch_id, _ = sent
    view = _export(deployed, batch_id, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(_download(deployed, view))).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:4] == ["first_name", "email", "phone", "status"]
    assert values[2][0] == "'" + '=HYPERLINK("http://evil.test","click")'
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_an_unchanged_batch_reuses_its_export_and_a_change_makes_a_new_one(
    deployed: Any, sent: tuple[Settings, str, list[Card]]
) -> None:
    settings, batch_id, cards = sent
    first = _export(deployed, batch_id, "csv")
    status, again = deployed.api("POST", f"/batches/{batch_id}/exports", ADMIN, body={"format": "csv"})
    assert (status, again["id"], again["status"]) == (200, first["id"], "ready")
    assert again["url"]  # a fresh link every time it is asked for
    services.card_links(settings).open(_token(settings, cards[1]))  # the batch changes
    second = _export(deployed, batch_id, "csv")
    assert second["id"] != first["id"]
    rows = list(csv.reader(io.StringIO(_download(deployed, second).decode("utf-8-sig"))))
    assert rows[2][7]  # the second card's access is in the new file
    status, old = deployed.api("GET", f"/batches/{batch_id}/exports/{first['id']}", ADMIN)
    assert (status, old["current"]) == (200, False)


def test_a_failed_export_can_be_requested_again(
    deployed: Any, sent: tuple[Settings, str, list[Card]]
) -> None:
    settings, batch_id, _ = sent
    first = _export(deployed, batch_id, "csv")
    job = ExportStore(settings).get(batch_id, first["id"])
    assert job is not None
    ExportStore(settings).finish(job, status=ExportStatus.failed.value)
    status, failed = deployed.api("GET", f"/batches/{batch_id}/exports/{first['id']}", ADMIN)
    assert (status, failed["status"]) == (200, "failed")
    assert "request it again" in failed["error"]
    assert _export(deployed, batch_id, "csv")["id"] == first["id"]


def test_export_requests_are_checked(deployed: Any, sent: tuple[Settings, str, list[Card]]) -> None:
    _, batch_id, _ = sent
    status, body = deployed.api("POST", f"/batches/{batch_id}/exports", ADMIN, body={"format": "pdf"})
    assert (status, body["error"]["code"]) == (400, "invalid_request")
    stranger = {**ADMIN, "custom:org_id": "org-b"}
    assert deployed.api("POST", f"/batches/{batch_id}/exports", stranger, body={"format": "csv"})[0] == 404
    assert deployed.api("GET", f"/batches/{batch_id}/exports/csv-0-nothing", ADMIN)[0] == 404


def test_a_job_record_round_trips(deployed: Any, sent: tuple[Settings, str, list[Card]]) -> None:
    settings, batch_id, _ = sent
    view = _export(deployed, batch_id, "csv")
    job = ExportStore(settings).get(batch_id, view["id"])
    assert isinstance(job, ExportJob)
    assert (job.status, job.rows) == (ExportStatus.ready, 4)
    assert (job.requested_by, job.requested_by_email) == ("sub-admin", "admin@org-a.test")
