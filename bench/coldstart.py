"""Cold-start benchmark (issue 18): what each function's first import costs.

Lambda's cold start runs the handler module's imports before the first event; every one of them is
paid again by each new execution environment. For every ``functions/<name>/app.py`` this imports
the module in a fresh interpreter (as Lambda does: the function's folder and the shared layer's
``python/`` on the path — the layer as ``sam build`` makes it, with its bytecode — and the
template's environment) and records the import's CPU time, its wall
time and the process's peak memory; a minimal handler — boto3, pydantic, and Powertools' Logger,
Tracer, Metrics and REST resolver, which every function of this kind needs — is measured in the
same run, the runs interleaved so that a machine busy with other work weighs on both alike.
Medians of ``RUNS`` runs each.

Target: every function's import at most ``TARGET`` times the minimal handler's, in CPU time. A
Lambda environment has its CPU to itself, so its cold import's wall time is its CPU time; on a
shared machine the wall time also holds the waits for other processes' turns, which moved the
same function's ratio by up to 0.6 between two runs at load 13 (the wall-clock ratio is still
shown, as the ingest bench shows both). Exits 1 when a function misses the target. Run with
``python -m bench.coldstart`` (or ``python -m bench coldstart``).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
LAYER_SOURCE = ROOT / "layers" / "shared"
RUNS = 7
TARGET = 1.5

MINIMAL = """
import boto3
import pydantic
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

logger, tracer, metrics, app = Logger(), Tracer(), Metrics(), APIGatewayRestResolver()


def lambda_handler(event, context):
    return app.resolve(event, context)
"""

# One import, timed inside the fresh interpreter (its own start-up left out, as Lambda's runtime
# start is the same for every function), then the peak resident memory of the whole process.
PROBE = """
import json, resource, sys, time
sys.path[:0] = [{folder!r}, {layer!r}]
started, started_cpu = time.perf_counter(), time.process_time()
import app
cpu, seconds = time.process_time() - started_cpu, time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"cpu": cpu, "seconds": seconds, "peak_mb": peak_mb, "modules": len(sys.modules)}}))
"""

ENVIRONMENT = {
    # As in Lambda: Powertools' tracer is on (X-Ray SDK imported), a region, the template's names.
    "AWS_LAMBDA_FUNCTION_NAME": "coldstart-bench",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "batch-dispatch",
    "POWERTOOLS_METRICS_NAMESPACE": "BatchDispatch",
    # The function's own folder is uploaded as source and Lambda cannot cache its bytecode, so each
    # run compiles app.py; the layer is measured as sam build ships it, with its bytecode (below).
    "PYTHONDONTWRITEBYTECODE": "1",
}


def build_layer(into: Path) -> Path:
    """The shared layer as sam build makes it (layers/shared/Makefile: the package and its bytecode),
    compiled for the Python running the benchmark."""
    subprocess.run(
        [
            "make",
            "--quiet",
            "-C",
            str(LAYER_SOURCE),
            "build-SharedLayer",
            f"ARTIFACTS_DIR={into}",
            f"LAMBDA_PYTHON={sys.executable}",
        ],
        check=True,
    )
    return into / "python"


def measure(folder: Path, layer: Path, *, warm_up: bool = False) -> dict[str, float]:
    environment = {**os.environ, **ENVIRONMENT}
    if warm_up:  # writes the bytecode of what the virtualenv has not compiled yet (below)
        del environment["PYTHONDONTWRITEBYTECODE"]
    code = PROBE.format(folder=str(folder), layer=str(layer))
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="coldstart-") as scratch:
        return _run(Path(scratch))


def _run(scratch: Path) -> int:
    with_minimal = scratch / "minimal"
    with_minimal.mkdir()
    (with_minimal / "app.py").write_text(MINIMAL)
    layer = build_layer(scratch / "layer")
    folders = {"(minimal handler)": with_minimal} | {
        path.parent.name: path.parent for path in sorted(FUNCTIONS.glob("*/app.py"))
    }
    print(
        f"cold import of each function, {RUNS} runs each, interleaved; {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    # A first import of each, so that every run finds the files in the page cache and the
    # dependencies (boto3, pydantic, Powertools) compiled, for the minimal handler and the functions
    # alike: a virtualenv installed with PYTHONDONTWRITEBYTECODE set (as on these machines) holds
    # none, and each run would compile the pydantic internals every model needs and the minimal
    # handler does not load.
    for folder in folders.values():
        measure(folder, layer, warm_up=True)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in folders}
    for _ in range(RUNS):
        for name, folder in folders.items():
            samples[name].append(measure(folder, layer))
    minimal = samples["(minimal handler)"]
    reference_cpu = statistics.median(s["cpu"] for s in minimal)
    reference = statistics.median(s["seconds"] for s in minimal)
    print(
        f"{'function':<20} {'CPU s':>7} {'x minimal':>10} {'wall s':>7} {'x minimal':>10} "
        f"{'peak MB':>8} {'modules':>8}"
    )
    missed = []
    for name, runs in samples.items():
        cpu = statistics.median(s["cpu"] for s in runs)
        seconds = statistics.median(s["seconds"] for s in runs)
        ratio = cpu / reference_cpu
        peak = statistics.median(s["peak_mb"] for s in runs)
        modules = statistics.median(s["modules"] for s in runs)
        flag = "" if name.startswith("(") or ratio <= TARGET else f"  > {TARGET}x"
        if flag:
            missed.append(name)
        print(
            f"{name:<20} {cpu:>7.3f} {ratio:>9.2f}x {seconds:>7.3f} {seconds / reference:>9.2f}x "
            f"{peak:>8.1f} {modules:>8.0f}{flag}"
        )
    verdict = "met" if not missed else f"missed by {', '.join(missed)}"
    print(f"target: every function at most {TARGET}x the minimal handler (CPU time): {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
