"""How many examples the fast-path agreement tests draw. Each is checked against its library on
thousands of generated values; make test draws a fifth of them (~6 of their ~30 CPU-seconds) and
make test-deep (``DISPATCH_TEST_DEPTH=deep``) all of them. The ``@example`` cases, the shapes
that once disagreed, run in both."""

from __future__ import annotations

import os

DEEP = os.environ.get("DISPATCH_TEST_DEPTH") == "deep"


def examples(deep: int) -> int:
    """``deep`` examples in the deep run, a fifth of them in make test."""
    return deep if DEEP else deep // 5
