"""Seeds one organisation of a running local stack with many batches, for the console's benchmark
(``make bench-console``: the first screen with 10,000 batches). Private (underscore): not a
benchmark of its own. Writes through the application's own BatchStore, so the items are exactly
what the API lists.

    python -m bench._console_seed --aws http://127.0.0.1:4566 --org bench --count 10000
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from dispatch.batches.models import Batch, BatchStatus
from dispatch.batches.store import BatchStore
from dispatch.clock import isoformat
from dispatch.config import Settings
from dispatch.ids import new_id
from local.stack import LOCAL_PARAMETERS, ROOT
from local.template import Resolver, load

# A mix like a busy organisation's: most batches finished, some waiting, a few archived.
STATUSES = (
    BatchStatus.sent,
    BatchStatus.complete,
    BatchStatus.pending_approval,
    BatchStatus.sent,
    BatchStatus.approved,
    BatchStatus.rejected,
    BatchStatus.archived,
    BatchStatus.partially_sent,
    BatchStatus.invalid,
    BatchStatus.expired,
)


def seed(store: BatchStore, org: str, count: int, start: datetime) -> None:
    def one(index: int) -> None:
        moment = start - timedelta(minutes=index)
        batch = Batch.awaiting_upload(
            batch_id=new_id(moment) + f"{index:05d}",
            org_id=org,
            process_id="bench-process",
            process_name="Policy renewal",
            file_name=f"renewals-{index:05d}.csv",
            name=f"Renewals {index:05d}",
            created_by=f"sub-sender{index % 7}",
            created_by_email=f"sender{index % 7}@{org}.test",
            created_at=isoformat(moment),
            auto_distribute=True,
        )
        store.create(batch.model_copy(update={"status": STATUSES[index % len(STATUSES)]}))

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(one, range(count)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench._console_seed", description=__doc__.split("\n\n")[0])
    parser.add_argument("--aws", required=True, help="the running local stack's AWS endpoint")
    parser.add_argument("--org", required=True)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args(argv)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": args.aws,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    resolver = Resolver(load(ROOT / "template.yaml"), LOCAL_PARAMETERS)
    store = BatchStore(Settings(main_table=resolver.physical_name("MainTable")))
    seed(store, args.org, args.count, datetime.now(UTC))
    print(f"seeded {args.count} batches for {args.org}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
