"""Assignment benchmark (PRODUCT §7): round robin of 10,000 cards to 10 agents by 8 parallel
workers on the emulated tables (moto, one DynamoDB request at a time, item-level transaction
rollback as in the local stack).

Ours assigns a block of up to 50 cards per transaction (measured with 8 contending workers, and
with one worker — the default, one sender per batch) (picks made as if one at a time, the moved
members' ranks conditioned); the reference, measured in the same run, assigns one card per
transaction — the straightforward way. Both must leave every card assigned exactly once and the
agents' counts within one of each other. Printed: assignments per second, DynamoDB calls and
write units per assignment, and the ratios. Absolute rates are moto's (every request parsed and
executed in Python, one at a time); the calls and write units per assignment are what DynamoDB
would bill. Exits 1 when a check fails or ours is not at least 5x the reference.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import boto3
from botocore.client import BaseClient
from moto import mock_aws

from dispatch import aws
from dispatch.assignment.models import Agent, Assignment, AssignmentState, Group
from dispatch.assignment.rotation import BLOCK, Assigner
from dispatch.assignment.store import AgentStore
from dispatch.cards.models import Card, CardStatus
from dispatch.cards.store import CardStore
from dispatch.config import Settings
from local.moto_guard import item_level_transactions, serialise_dynamodb

CARDS = 10_000
REFERENCE_CARDS = 1_000  # one card per transaction under contention is slow on moto: per-card figures compare
AGENTS = 10
WORKERS = 8
RATIO_TARGET = 5.0


class _Meter:
    """DynamoDB requests by operation, and the items written by transactions (2 write units each)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.transaction_items = 0
        self._lock = threading.Lock()
        self._original = BaseClient._make_api_call

    def __enter__(self) -> _Meter:
        meter = self

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if client.meta.service_model.service_name == "dynamodb":
                with meter._lock:
                    meter.calls[operation] += 1
                    if operation == "TransactWriteItems":
                        meter.transaction_items += len(params["TransactItems"])
            return meter._original(client, operation, params)

        BaseClient._make_api_call = counted
        return self

    def __exit__(self, *_: object) -> None:
        BaseClient._make_api_call = self._original


def _tables() -> Settings:
    client = boto3.client("dynamodb", region_name="us-east-1")
    for name, keys in (
        ("main", [("pk", "S", "HASH"), ("sk", "S", "RANGE")]),
        ("cards", [("batch_id", "S", "HASH"), ("row", "N", "RANGE")]),
    ):
        client.create_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": k, "AttributeType": t} for k, t, _ in keys],
            KeySchema=[{"AttributeName": k, "KeyType": r} for k, _, r in keys],
            BillingMode="PAY_PER_REQUEST",
        )
    aws.reset()
    return Settings(main_table="main", cards_table="cards")


def _run(block: int, count: int, workers: int = WORKERS) -> dict[str, Any]:
    with mock_aws():
        settings = _tables()
        agents = AgentStore(settings)
        agents.put_group(Group(id="g1", org_id="o", name="Sales", created_at="t"), new=True)
        for n in range(AGENTS):
            agents.create_agent(
                Agent(
                    id=f"a{n:02d}",
                    org_id="o",
                    email=f"a{n}@example.com",
                    name=f"A{n}",
                    groups=["g1"],
                    created_at="t",
                    updated_at="t",
                )
            )
        cards = [
            Card(
                id=f"b-{row:07d}",
                batch_id="b",
                org_id="o",
                row=row,
                values={"state": "CA"},
                status=CardStatus.sent,
                link_expires_at=0,
                created_at="t",
            )
            for row in range(2, count + 2)
        ]
        CardStore(settings).put_many(cards)
        queue = [cards[start : start + block] for start in range(0, count, block)]
        lock = threading.Lock()

        def make(agent_id: str) -> Assignment:
            return Assignment(
                state=AssignmentState.assigned, group_id="g1", agent_id=agent_id, by="round_robin"
            )

        def work() -> None:
            assigner = Assigner(settings, agents)
            while True:
                with lock:
                    if not queue:
                        return
                    part = queue.pop()
                assigner.round_robin([(card, card.values) for card in part], "g1", make, None)

        with _Meter() as meter:
            started = time.perf_counter()
            _threads(work, workers)
            seconds = time.perf_counter() - started
        stored = list(CardStore(settings).all_in_batch("b"))
        by_agent = Counter(card.assignment.agent_id for card in stored if card.assignment)
        ranks = {member.agent_id: member.assigned for member in agents.members("g1")}
    calls = sum(meter.calls.values())
    return {
        "cards": count,
        "seconds": seconds,
        "rate": count / seconds,
        "calls": calls / count,
        "write_units": 2 * meter.transaction_items / count,
        "operations": dict(meter.calls),
        "assigned": sum(by_agent.values()),
        "spread": max(by_agent.values()) - min(by_agent.values()),
        "counted_once": ranks == dict(by_agent),
    }


def _threads(work: Callable[[], None], workers: int) -> None:
    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> int:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    serialise_dynamodb()
    item_level_transactions()
    reference = _run(1, REFERENCE_CARDS)
    ours = _run(BLOCK, CARDS)
    alone = _run(BLOCK, CARDS, workers=1)  # the default: SendConcurrency 1, one sender per batch
    ratio = ours["rate"] / reference["rate"]
    print(f"assignment benchmark: {CARDS:,} cards, {AGENTS} agents, {WORKERS} workers, round robin on moto")
    print(f"  {'':<32}{'cards':>7}{'assign/s':>10}{'calls/card':>12}{'WCU/card':>10}{'spread':>8}  once")
    rows = (
        (f"1 card/transaction, {WORKERS} workers", reference),
        (f"{BLOCK} cards/transaction, {WORKERS} workers", ours),
        (f"{BLOCK} cards/transaction, 1 worker", alone),
    )
    for name, figure in rows:
        print(
            f"  {name:<32}{figure['cards']:>7,}{figure['rate']:>10,.0f}"
            f"{figure['calls']:>12.3f}{figure['write_units']:>10.2f}"
            f"{figure['spread']:>8}  {figure['counted_once'] and figure['assigned'] == figure['cards']}"
        )
    print(f"  ratio {ratio:.1f}x (target >= {RATIO_TARGET}x); calls by operation: {ours['operations']}")
    ok = all(
        f["assigned"] == f["cards"] and f["spread"] <= 1 and f["counted_once"] for f in (ours, reference)
    )
    if not ok or ratio < RATIO_TARGET:
        print("  MISSED: " + ("evenness or exactly-once" if not ok else "the ratio"))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
