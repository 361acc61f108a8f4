"""Letters of a communication against moto: one PDF bundle built in parts and merged, whose pages are
the contacts' letters in order; a link asked for again (after it expired) without building again;
a changed batch builds a new bundle; printing counts the letters as sent."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import moto.s3.models as moto_s3
import pytest
from pypdf import PdfReader

from dispatch import aws, clock, downloads
from dispatch.exports import upload
from dispatch.exports.upload import MultipartSink

Deployment = Any
CommunicationWalk = Any
WALK_ADMIN = {
    "sub": "sub-admin",
    "email": "admin@org-a.test",
    "cognito:groups": "admin",
    "custom:org_id": "org-a",
}

CONTACTS = (
    "external_id,first_name,email,address_line1,postcode,city,tags,amount\n"
    "1,Ada,ada@example.com,1 Main St,11111,Springfield,letters,12\n"
    "2,Bob,,2 Side St,22222,Shelbyville,letters,5\n"  # a letter only: no email
    "3,Cy,cy@example.com,,,,letters,7\n"  # no postal address: no letter
    "4,Di,di@example.com,4 High St,44444,Ogdenville,letters,1\n"
    "5,Ed,ed@example.com,5 Low St,55555,North Haverbrook,other,1\n"  # not in the working list
)


@pytest.fixture
def generated(
    deployed: Deployment,
    import_contacts: Callable[..., dict[str, Any]],
    letter_process: Callable[..., dict[str, Any]],
    communication: Callable[[str], CommunicationWalk],
) -> CommunicationWalk:
    """A communication by email and letter to the contacts tagged ``letters``, generated."""
    import_contacts(CONTACTS)
    process = letter_process()
    status, batch = deployed.api(
        "POST",
        "/communications",
        WALK_ADMIN,
        body={
            "name": "Letters",
            "process_id": process["id"],
            "filter": {"tags_any": ["letters"]},
            "template": "notice",
            "due_date": "2026-06-30",
            "channels": ["email", "letter"],
        },
    )
    assert status == 201, batch
    assert deployed.api("POST", f"/batches/{batch['id']}/generate", WALK_ADMIN)[0] == 202
    walk = communication(batch["id"])
    walk.generate()
    assert walk.get()["status"] == "generated"
    return walk


def _lettered(deployed: Deployment, batch_id: str) -> list[dict[str, Any]]:
    """The batch's cards that get a letter, in row order (the contact order of the working list)."""
    cards = deployed.api("GET", f"/batches/{batch_id}/cards", WALK_ADMIN, query={"limit": "100"})[1]["items"]
    full = [deployed.api("GET", f"/cards/{card['id']}", WALK_ADMIN)[1] for card in cards]
    lettered = [card for card in full if card["letter"]]
    return sorted(lettered, key=lambda card: int(card["id"].rsplit("-", 1)[1]))  # the row


def _pages(deployed: Deployment, key: str) -> list[str]:
    body = deployed.client("s3").get_object(Bucket=deployed.bucket, Key=key)["Body"].read()
    return [page.extract_text() for page in PdfReader(io.BytesIO(body)).pages]


def test_the_bundle_has_one_letter_per_contact_with_an_address_in_contact_order(
    deployed: Deployment, generated: CommunicationWalk, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = f"/batches/{generated.id}/letters"
    assert deployed.api("GET", path, WALK_ADMIN)[0] == 404  # nothing asked for yet

    status, building = deployed.api("POST", path, WALK_ADMIN)
    assert (status, building["status"], building["url"]) == (202, "building", None)
    assert deployed.api("GET", path, WALK_ADMIN)[0] == 202
    assert deployed.api("POST", path, WALK_ADMIN)[0] == 202  # still building: nothing new started
    assert len(deployed.executions("BatchLettersStateMachine")) == 1

    built = generated.build_letters(building["id"])
    assert built == {"letters": 3, "pages": 3}

    status, ready = deployed.api("GET", path, WALK_ADMIN)
    assert status == 200
    assert (ready["id"], ready["status"], ready["letters"], ready["pages"]) == (building["id"], "ready", 3, 3)
    assert ready["url"]
    assert ready["expires_at"]
    key = f"letters/{generated.id}/{ready['id']}.pdf"
    pages = _pages(deployed, key)
    assert len(pages) == ready["letters"] * 1  # each letter here is one page
    lettered = _lettered(deployed, generated.id)
    assert sorted(card["values"]["first_name"] for card in lettered) == ["Ada", "Bob", "Di"]
    for page, card in zip(pages, lettered, strict=True):
        assert f"Dear {card['values']['first_name']}, due 2026-06-30" in page
        assert card["postal"]["city"] in page
        assert "/c/" in page  # the card's link, printed as text beside its QR code
    parts = deployed.client("s3").list_objects_v2(
        Bucket=deployed.bucket, Prefix=f"letters/{generated.id}/{ready['id']}/"
    )
    assert parts.get("Contents", []) == []  # the parts are gone once merged

    # The link expired: asking again signs a fresh link to the same file; nothing is built again.
    later = clock.utcnow() + timedelta(hours=2)
    monkeypatch.setattr(downloads, "utcnow", lambda: later)
    status, again = deployed.api("POST", path, WALK_ADMIN)
    assert status == 200
    assert (again["id"], again["requested_at"]) == (ready["id"], ready["requested_at"])
    assert again["expires_at"] > ready["expires_at"]
    assert again["url"].split("?")[0] == ready["url"].split("?")[0]  # the same file, signed again
    assert deployed.api("GET", path, WALK_ADMIN)[1]["expires_at"] > ready["expires_at"]
    assert len(deployed.executions("BatchLettersStateMachine")) == 1


def test_a_letter_body_running_over_a_page_adds_pages_to_each_letter(
    deployed: Deployment,
    import_contacts: Callable[..., dict[str, Any]],
    letter_process: Callable[..., dict[str, Any]],
    communication: Callable[[str], CommunicationWalk],
) -> None:
    import_contacts(CONTACTS)
    long_body = "".join(
        f"<p>Paragraph {n} for {{{{ first_name }}}}: <i>terms</i> apply.</p>" for n in range(60)
    )
    process = letter_process(
        template_sets={"notice": {"letter": {"title": "Terms", "body": long_body}}},
    )
    status, batch = deployed.api(
        "POST",
        "/communications",
        WALK_ADMIN,
        body={"name": "Terms", "process_id": process["id"], "template": "notice", "channels": ["letter"]},
    )
    assert status == 201, batch
    deployed.api("POST", f"/batches/{batch['id']}/generate", WALK_ADMIN)
    walk = communication(batch["id"])
    walk.generate()
    _, building = deployed.api("POST", f"/batches/{batch['id']}/letters", WALK_ADMIN)
    built = walk.build_letters(building["id"])
    contacts_with_address = 4
    assert built["letters"] == contacts_with_address
    assert built["pages"] % contacts_with_address == 0
    per_letter = built["pages"] // contacts_with_address
    assert per_letter >= 2
    pages = _pages(deployed, f"letters/{batch['id']}/{building['id']}.pdf")
    assert len(pages) == contacts_with_address * per_letter
    names = [card["values"]["first_name"] for card in _lettered(deployed, batch["id"])]
    firsts = [pages[index * per_letter] for index in range(contacts_with_address)]
    assert [page.split("Paragraph 0 for ")[1].split(":")[0] for page in firsts] == names


def test_a_changed_batch_builds_new_letters_and_printing_counts_them_sent(
    deployed: Deployment, generated: CommunicationWalk, communication: Callable[[str], CommunicationWalk]
) -> None:
    path = f"/batches/{generated.id}/letters"
    _, first = deployed.api("POST", path, WALK_ADMIN)
    generated.build_letters(first["id"])
    assert (
        deployed.api("POST", f"{path}/printed", WALK_ADMIN)[0] == 409
    )  # not approved: nothing is sent that was not approved

    status, _ = deployed.api(
        "PATCH", f"/communications/{generated.id}", WALK_ADMIN, body={"due_date": "2026-07-31"}
    )
    assert status == 200
    status, second = deployed.api("POST", path, WALK_ADMIN)
    assert status == 202
    assert second["id"] != first["id"]  # what the letters say changed: a new bundle
    assert len(deployed.executions("BatchLettersStateMachine")) == 2
    generated.build_letters(second["id"])
    pages = _pages(deployed, f"letters/{generated.id}/{second['id']}.pdf")
    assert all("due 2026-07-31" in page for page in pages)

    # Sent: approval (not required here), email cards sent; the letters wait for the printer.
    generated.step("after_generation", release=True)  # AfterSendRequest
    assert generated.get()["status"] == "approved"
    generated.step("start_sending")
    for chunk in generated.stored().chunks:
        task = {"batch_id": generated.id, "org_id": "org-a", "chunk": chunk.model_dump()}
        deployed.invoke("SendFunction", task)
    generated.step("finish_sending")
    sending = generated.get()
    assert sending["status"] == "partially_sent"  # Bob's card goes by letter only
    assert sending["counters"]["sent"] == 3

    status, printed = deployed.api("POST", f"{path}/printed", WALK_ADMIN)
    assert status == 202
    assert printed["id"] == second["id"]
    assert printed["printed_at"]
    assert deployed.api("POST", f"{path}/printed", WALK_ADMIN)[0] == 409  # once
    deployed.runtime.drain()
    done = generated.get()
    assert done["status"] == "sent"
    assert done["counters"]["sent"] == done["counters"]["cards"] == 4
    cards = deployed.api("GET", f"/batches/{generated.id}/cards", WALK_ADMIN)[1]["items"]
    lettered = [deployed.api("GET", f"/cards/{card['id']}", WALK_ADMIN)[1] for card in cards]
    channels = sorted(
        (card["values"]["first_name"], [d["channel"] for d in card["distributions"]]) for card in lettered
    )
    assert channels == [
        ("Ada", ["email", "letter"]),
        ("Bob", ["letter"]),
        ("Cy", ["email"]),
        ("Di", ["email", "letter"]),
    ]
    bob = next(card for card in lettered if card["values"]["first_name"] == "Bob")
    history = deployed.api("GET", f"/contacts/{bob['contact_id']}/history", WALK_ADMIN)[1]["items"]
    assert [(entry["batch_id"], entry["status"]) for entry in history] == [(generated.id, "sent")]

    # Closed and cloned as any batch: archived (kept for reference), then a clone of its recipients.
    status, archived = deployed.api("POST", f"/batches/{generated.id}/archive", WALK_ADMIN)
    assert (status, archived["status"]) == (200, "archived")
    status, clone = deployed.api(
        "POST", f"/batches/{generated.id}/clone", WALK_ADMIN, body={"recipients": "all"}
    )
    assert status == 202, clone
    deployed.runtime.drain()
    copied = communication(clone["id"]).get()
    assert (copied["kind"], copied["status"], copied["counters"]["rows"]) == (
        "communication",
        "generating",
        4,
    )


class Crash(BaseException):
    """The function's process dies: nothing after this point runs (a timeout, an out-of-memory exit)."""


def _die_after(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, calls: int = 1) -> list[int]:
    """``owner.name`` works ``calls`` times, then the process dies right after the last — once.
    The list it returns holds 1 once the crash happened."""
    original = getattr(owner, name)
    seen: list[int] = []
    died: list[int] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        seen.append(1)
        if len(seen) == calls and not died:
            died.append(1)
            raise Crash
        return result

    monkeypatch.setattr(owner, name, counted)
    return died


@pytest.mark.parametrize(
    "crash",
    [
        "render: after its part is written",
        "merge: after two parts of the bundle are uploaded",
        "merge: after the bundle is written, before it is recorded ready",
        "merge: after the first part is deleted",
    ],
)
def test_a_step_that_dies_after_a_partial_write_is_retried_into_one_correct_bundle(
    deployed: Deployment, generated: CommunicationWalk, monkeypatch: pytest.MonkeyPatch, crash: str
) -> None:
    """Step Functions runs a step again when its function died (statemachines/batch_letters.asl.json
    retries every Task): whatever the dead run left — a part, some uploaded parts of the bundle, the
    whole file, half the parts deleted — the retry ends with one bundle of every letter once."""
    # Parts of 1 KiB (S3 and moto: 5 MiB, bar the last), so a bundle of a few letters is a multipart
    # upload that can die half-written; nothing aborts it after a crash, as after a real kill.
    monkeypatch.setattr(upload, "MIN_PART_SIZE", 1024)
    monkeypatch.setattr(moto_s3, "S3_UPLOAD_PART_MIN_SIZE", 1024)
    monkeypatch.setitem(MultipartSink.__init__.__kwdefaults__, "part_size", 1024)
    monkeypatch.setattr(MultipartSink, "abort", lambda self: None)
    s3 = deployed.client("s3")
    _, bundle = deployed.api("POST", f"/batches/{generated.id}/letters", WALK_ADMIN)
    step = {"batch_id": generated.id, "org_id": "org-a", "bundle_id": bundle["id"]}
    chunks = [chunk.model_dump() for chunk in generated.stored().chunks]
    assert len(chunks) > 1  # the working list is staged by shard: several parts to merge

    def render(chunk: dict[str, Any]) -> dict[str, Any]:
        return dict(deployed.invoke("LettersFunction", {**step, "action": "render", "chunk": chunk}))

    def merge(parts: list[dict[str, Any]]) -> dict[str, Any]:
        return dict(deployed.invoke("LettersFunction", {**step, "action": "merge", "parts": parts}))

    def retried(run: Callable[[], dict[str, Any]], died: list[int]) -> dict[str, Any]:
        """The step, run again after the crash (as Step Functions' Retry does)."""
        with pytest.raises(Crash):
            run()
        assert died == [1]
        return run()

    client = aws.client("s3")
    if crash.startswith("render"):
        died = _die_after(monkeypatch, client, "put_object")  # the first chunk with letters
        parts = []
        for chunk in chunks:
            try:
                parts.append(render(chunk))
            except Crash:
                parts.append(render(chunk))
        assert died == [1]
        result = merge(parts)
    else:
        parts = [render(chunk) for chunk in chunks]
        if crash.startswith("merge: after two parts"):
            died = _die_after(monkeypatch, MultipartSink, "_upload_part", calls=2)
        elif crash.startswith("merge: after the bundle"):
            died = _die_after(monkeypatch, client, "complete_multipart_upload")
        else:
            died = _die_after(monkeypatch, client, "delete_object")
        result = retried(lambda: merge(parts), died)

    assert result == {"letters": 3, "pages": 3}
    status, ready = deployed.api("GET", f"/batches/{generated.id}/letters", WALK_ADMIN)
    assert (status, ready["status"], ready["letters"], ready["pages"]) == (200, "ready", 3, 3)
    pages = _pages(deployed, f"letters/{generated.id}/{bundle['id']}.pdf")
    names = [card["values"]["first_name"] for card in _lettered(deployed, generated.id)]
    assert [page.split("Dear ")[1].split(",")[0] for page in pages] == names  # each once, in order
    left = s3.list_objects_v2(Bucket=deployed.bucket, Prefix=f"letters/{generated.id}/{bundle['id']}/")
    assert left.get("Contents", []) == []  # the parts are gone once merged
