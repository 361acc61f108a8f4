"""The prospects queue kept by blocks of rows (dispatch.assignment.prospects, issue 18): listed
newest first across blocks and batches in full pages, a page's reads bounded, an emptied block
forgotten only when no writer may still be filling it, and a cursor of another list refused."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from dispatch import aws, clock, services
from dispatch.assignment import prospects
from dispatch.assignment.hours import ALWAYS_OPEN
from dispatch.assignment.models import Assignment, AssignmentConfig, AssignmentState
from dispatch.assignment.prospects import SETTLES, ProspectBlocks
from dispatch.assignment.rotation import Assigner
from dispatch.assignment.store import AgentStore
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings
from dispatch.errors import InvalidRequest

NOON = datetime(2030, 3, 4, 12, 0, tzinfo=UTC)
EVERY: Callable[[Card], bool] = lambda card: True  # noqa: E731


def _settings(deployed: Any) -> Settings:
    return Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)


def _stored(settings: Settings, batch_id: str, rows: Iterable[int], org_id: str = "org-a") -> list[Card]:
    """Sent cards of a batch at ``rows``, not assigned yet."""
    cards = [
        Card(
            id=f"{batch_id}-{row:07d}",
            batch_id=batch_id,
            org_id=org_id,
            row=row,
            values={"name": f"n{row}", "even": "yes" if row % 2 == 0 else "no"},
            email=f"p{row}@example.com",
            status=CardStatus.sent,
            link_expires_at=0,
            created_at="t",
        )
        for row in rows
    ]
    CardStore(settings).put_many(cards)
    return cards


def _prospects(settings: Settings, batch_id: str, rows: Iterable[int], org_id: str = "org-a") -> list[Card]:
    """Cards made prospects by the engine's writer, one at a time (each notes its block)."""
    cards = _stored(settings, batch_id, rows, org_id)
    assigner = Assigner(settings, AgentStore(settings))
    with clock.scoped(lambda: NOON):
        for card in cards:
            assigner.assign(card, Assignment(state=AssignmentState.prospect, at=clock.now_iso()), None)
    return cards


def _all_pages(
    settings: Settings, limit: int, keep: Callable[[Card], bool] = EVERY, **options: Any
) -> list[list[str]]:
    blocks, store = ProspectBlocks(settings), CardStore(settings)
    pages: list[list[str]] = []
    cursor: dict[str, Any] | None = None
    while True:
        cards, cursor = blocks.page("org-a", store, limit, cursor, keep=keep, **options)
        pages.append([card.id for card in cards])
        if cursor is None:
            return pages
        assert len(pages) < 100


def _blocks(settings: Settings) -> list[str]:
    items = aws.dynamodb_table(settings.main_table).scan()["Items"]
    return sorted(str(item["sk"]) for item in items if str(item["sk"]).startswith("PROSPECTS#"))


def test_prospects_are_listed_newest_batch_first_last_row_first_across_blocks_in_full_pages(
    deployed: Any,
) -> None:
    settings = _settings(deployed)
    older = _prospects(settings, "b1", [5, 998, 999, 1000, 1001, 2500])
    newer = _prospects(settings, "b2", [0, 1, 1999])
    _prospects(settings, "b3", [7], org_id="org-b")  # another organisation's: never listed
    expected = [card.id for card in reversed(newer)] + [card.id for card in reversed(older)]
    assert _blocks(settings) == [
        "PROSPECTS#b1#000000000",
        "PROSPECTS#b1#000000001",
        "PROSPECTS#b1#000000002",
        "PROSPECTS#b2#000000000",
        "PROSPECTS#b2#000000001",
        "PROSPECTS#b3#000000000",
    ]
    for limit in (1, 2, 4, 9, 50):
        pages = _all_pages(settings, limit)
        assert [card_id for page in pages for card_id in page] == expected
        assert all(len(page) == limit for page in pages[:-1]), pages
    # One batch's blocks only; a filter keeps pages full.
    assert _all_pages(settings, 10, batch_id="b1") == [[card.id for card in reversed(older)]]
    even = [card_id for card_id in expected if int(card_id[-7:]) % 2 == 0]
    pages = _all_pages(settings, 2, keep=lambda card: card.values["even"] == "yes")
    assert [card_id for page in pages for card_id in page] == even
    assert all(len(page) == 2 for page in pages[:-1])


def test_a_page_reads_a_bounded_number_of_times_and_its_cursor_goes_on_from_there(
    deployed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(deployed)
    cards = _prospects(settings, "b1", [*range(0, 30), *range(1000, 1030), *range(2000, 2003)])
    monkeypatch.setattr(prospects, "FILTER_CALLS", 4)
    monkeypatch.setattr(prospects, "FILTER_READS", 10)
    wanted = {"b1-0000000", "b1-0002001"}  # the oldest and one of the newest
    pages = _all_pages(settings, 5, keep=lambda card: card.id in wanted)
    assert [card_id for page in pages for card_id in page] == ["b1-0002001", "b1-0000000"]
    assert len(pages) > 2  # short pages: each stopped after four reads, with a cursor
    assert len(cards) == 63


def test_a_block_emptied_by_hand_is_forgotten_once_no_sender_can_still_be_filling_it(
    deployed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(deployed)
    [card] = _prospects(settings, "b1", [3])
    _prospects(settings, "b2", [4])
    assigner = Assigner(settings, AgentStore(settings))
    with clock.scoped(lambda: NOON):
        moved = Assignment(state=AssignmentState.lead_exception, at=clock.now_iso())
        assigner.assign(card, moved, AssignmentState.prospect)
    assert _blocks(settings) == ["PROSPECTS#b1#000000000", "PROSPECTS#b2#000000000"]

    # Within SETTLES of its note a sender may still be filling the block: it stays.
    with clock.scoped(lambda: NOON + SETTLES):
        assert _all_pages(settings, 10) == [["b2-0000004"]]
    assert _blocks(settings) == ["PROSPECTS#b1#000000000", "PROSPECTS#b2#000000000"]

    # Noted again while a listing reads it (a sender starting on the chunk): it stays.
    blocks, store = ProspectBlocks(settings), CardStore(settings)
    read = store.prospects_below

    def noted_meanwhile(batch_id: str, first_row: int, below: int, limit: int) -> tuple[list[Card], int]:
        page = read(batch_id, first_row, below, limit)
        if batch_id == "b1":
            with clock.scoped(lambda: NOON):
                blocks.note("org-a", "b1", [0])
        return page

    monkeypatch.setattr(store, "prospects_below", noted_meanwhile)
    later = NOON + SETTLES + SETTLES
    with clock.scoped(lambda: later):
        assert blocks.page("org-a", store, 10, None, keep=EVERY) == ([store.get("b2-0000004")], None)
    assert _blocks(settings) == ["PROSPECTS#b1#000000000", "PROSPECTS#b2#000000000"]

    # Read whole, empty, unchanged since and settled: forgotten; the other block stays.
    with clock.scoped(lambda: later):
        assert _all_pages(settings, 10) == [["b2-0000004"]]
    assert _blocks(settings) == ["PROSPECTS#b2#000000000"]


def test_the_engine_notes_each_block_once_for_the_cards_it_makes_prospects(deployed: Any) -> None:
    settings = _settings(deployed)
    cards = _stored(settings, "b1", [2, 3, 4, 998, 1000, 1001])
    engine = services.assignment_engine(settings)
    assert engine.assign(cards, AssignmentConfig(), ALWAYS_OPEN, NOON) == Counter({"prospect": 6})
    items = aws.dynamodb_table(settings.main_table).scan()["Items"]
    versions = {
        str(item["sk"]): int(item["version"]) for item in items if str(item["sk"]).startswith("PROSPECTS#")
    }
    assert versions == {"PROSPECTS#b1#000000000": 1, "PROSPECTS#b1#000000001": 1}
    listed = [card_id for page in _all_pages(settings, 4) for card_id in page]
    assert listed == [card.id for card in reversed(cards)]


def test_a_failed_removal_leaves_the_block_for_the_next_listing_and_fails_nothing(
    deployed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(deployed)
    [card] = _prospects(settings, "b1", [3])
    with clock.scoped(lambda: NOON):
        moved = Assignment(state=AssignmentState.lead_exception, at=clock.now_iso())
        Assigner(settings, AgentStore(settings)).assign(card, moved, AssignmentState.prospect)
    blocks, store = ProspectBlocks(settings), CardStore(settings)

    def throttled(**_: Any) -> None:
        error = {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}
        raise ClientError(error, "DeleteItem")

    monkeypatch.setattr(blocks._table, "delete_item", throttled)
    with clock.scoped(lambda: NOON + SETTLES + SETTLES):
        assert blocks.page("org-a", store, 10, None, keep=EVERY) == ([], None)
    assert _blocks(settings) == ["PROSPECTS#b1#000000000"]


def test_a_cursor_of_another_listing_is_refused(deployed: Any) -> None:
    settings = _settings(deployed)
    _prospects(settings, "b1", range(3))
    blocks, store = ProspectBlocks(settings), CardStore(settings)
    _, cursor = blocks.page("org-a", store, 1, None, keep=EVERY)
    assert cursor == {"block": "PROSPECTS#b1#000000000", "row": 2}
    for bad in (
        {"pool": "org-a#lead_exception", "pooled_at": "t", "batch_id": "b1", "row": 2},
        {"block": "PROSPECTS#b1#000000000", "row": "two"},
        {"block": "AGENT#x", "row": 2},
    ):
        with pytest.raises(InvalidRequest):
            blocks.page("org-a", store, 1, bad, keep=EVERY)
    with pytest.raises(InvalidRequest):  # one batch's listing does not go on from another's
        blocks.page("org-a", store, 1, cursor, batch_id="b9", keep=EVERY)
