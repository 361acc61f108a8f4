"""Set-up for the console's journey of an ``unconfirmed`` card (tests/journeys/unconfirmed-resend.spec.ts):
a sender marks a ready card's chunk in flight, claims the card and dies before recording the send,
then the sweep finds the stale claim. Every step is the application's own code
(``BatchStore.open_chunk``, ``CardStore.claim``, ``Workflow.sweep``), so the card and its batch's
counters are exactly what a real crash leaves; only the crash and the 20 minutes the sweep waits
are skipped (the sweep is asked about the claims made until just now).

    python console/tests/journeys/interrupted_send.py --aws http://127.0.0.1:4566 --card CARD_ID
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from datetime import timedelta

from dispatch import services
from dispatch.batches.store import BatchStore
from dispatch.cards.models import SYSTEM_SENDER, CardStatus
from dispatch.cards.store import CardStore
from dispatch.clock import now_iso, utcnow
from dispatch.config import Settings
from local.stack import LOCAL_PARAMETERS, ROOT
from local.template import Resolver, load


def interrupt(settings: Settings, card_id: str) -> str:
    """Leaves the card ``unconfirmed`` as a crashed sender would; its status after the sweep."""
    cards = CardStore(settings)
    card = cards.get(card_id)
    batches = BatchStore(settings)
    chunk = batches.find(card.batch_id).chunk_of(card.row)
    if chunk is None or card.status is not CardStatus.ready:
        raise SystemExit(f"card {card_id} is {card.status.value}, not ready: nothing to interrupt")
    batches.open_chunk(card.batch_id, chunk.index, now_iso())  # as a sender does before claiming
    if not cards.claim(card, {CardStatus.ready}, SYSTEM_SENDER):
        raise SystemExit(f"card {card_id} is {card.status.value}, not ready: nothing to interrupt")
    services.workflow(settings).sweep(utcnow() + timedelta(milliseconds=1), timedelta(0))
    return cards.get(card_id).status.value


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--aws", required=True, help="the running local stack's AWS endpoint")
    parser.add_argument("--card", required=True, help="the id of a ready card")
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
    settings = Settings(
        main_table=resolver.physical_name("MainTable"), cards_table=resolver.physical_name("CardsTable")
    )
    print(interrupt(settings, args.card))
    return 0


if __name__ == "__main__":
    sys.exit(main())
