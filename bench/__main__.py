"""``python -m bench [NAME ...]``: run the benchmarks of this folder (all of them, or those named).

A benchmark is a module here with ``main() -> int``; they are found, not listed, so a new one is
picked up without touching this file. Each runs, in its own process, even when an earlier one failed; the exit
status is 1 when any returned non-zero or raised, 2 for an unknown name.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[str]:
    """The modules of this folder, in name order (``__main__`` and private ones left out)."""
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(HERE)])
        if not module.name.startswith("_") and not module.ispkg
    )


def run(name: str) -> int:
    """Run one benchmark in a process of its own: one benchmark's threads, memory and emulator
    state must not weigh on the next one's timings or peak memory."""
    print(f"== bench.{name}", flush=True)
    status = subprocess.run([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent, check=False).returncode
    print(f"== bench.{name}: {'ok' if status == 0 else f'failed ({status})'}", flush=True)
    return status


def main(argv: Sequence[str]) -> int:
    available = benchmarks()
    unknown = [name for name in argv if name not in available]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; available: {', '.join(available)}", file=sys.stderr)
        return 2
    statuses = [run(name) for name in (argv or available)]
    return 1 if any(statuses) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
