"""Step Functions' retry waits, scaled for the local stack (never in the deployed ASL).

moto's interpreter honours each retrier of the real ASL — ``IntervalSeconds``, ``BackoffRate``,
``MaxDelaySeconds``, full jitter — by sleeping the computed interval in the execution's thread. The
state machines retry for about ten minutes before they give up (``statemachines/``), which is
right in AWS and too slow for a fault-injection run or a test on this machine. :func:`scale`
multiplies every such wait by a factor: the same retriers and attempts, the same back-off
schedule, in less time. Task timeouts (the approval wait's ``TimeoutSecondsPath``) are not retry
waits and are not scaled.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

_factor = 1.0


def scale(factor: float) -> None:
    """Process-wide: every retry wait of moto's Step Functions interpreter lasts ``factor`` times
    what the ASL says (1.0: as written)."""
    global _factor  # noqa: PLW0603 - one interpreter per process
    if factor <= 0:
        raise ValueError("the factor must be positive")
    _factor = factor
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    # The retrier's own name for the module: only its ``time.sleep(interval)`` becomes scaled.
    setattr(retrier_decl, "time", SimpleNamespace(sleep=_scaled_sleep))  # noqa: B010 - a patch


def factor() -> float:
    return _factor


def _scaled_sleep(seconds: float) -> None:
    time.sleep(seconds * _factor)
