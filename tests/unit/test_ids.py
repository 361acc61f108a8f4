from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dispatch.ids import card_id, digest_entropy, split_card_id, time_sortable_id


def test_later_ids_sort_after_earlier_ones() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [time_sortable_id(start + timedelta(milliseconds=step)) for step in range(0, 5000, 7)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_deterministic_ids_repeat_for_the_same_inputs_only() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    one = time_sortable_id(moment, digest_entropy("bucket", "drop/p/f.csv", "seq-1"))
    again = time_sortable_id(moment, digest_entropy("bucket", "drop/p/f.csv", "seq-1"))
    other = time_sortable_id(moment, digest_entropy("bucket", "drop/p/f.csv", "seq-2"))
    assert one == again != other


def test_card_ids_round_trip() -> None:
    assert split_card_id(card_id("01abc", 42)) == ("01abc", 42)
