"""Cold-start benchmark (issue 18): what each function's first import costs.

Lambda's cold start runs the handler module's imports before the first event; every one of them is
paid again by each new execution environment. For every ``functions/<name>/app.py`` this imports
the module in a fresh interpreter (as Lambda does: the function's folder and the layer's
``python/`` on the path, the template's environment) and records the import's wall time and the
process's peak memory; a minimal handler — boto3, pydantic, and Powertools' Logger, Tracer,
Metrics and REST resolver, which every function of this kind needs — is measured in the same run,
the runs interleaved so that a machine busy with other work weighs on both alike. Medians of
``RUNS`` runs each.

Target: every function's import at most ``TARGET`` times the minimal handler's. Exits 1 when one
misses it. Run with ``python -m bench.coldstart`` (or ``python -m bench coldstart``).
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ROOT / "functions"
LAYER = ROOT / "layers" / "shared" / "python"
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
started = time.perf_counter()
import app
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak_mb, "modules": len(sys.modules)}}))
"""

ENVIRONMENT = {
    # As in Lambda: Powertools' tracer is on (X-Ray SDK imported), a region, the template's names.
    "AWS_LAMBDA_FUNCTION_NAME": "coldstart-bench",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_SERVICE_NAME": "batch-dispatch",
    "POWERTOOLS_METRICS_NAMESPACE": "BatchDispatch",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def measure(folder: Path) -> dict[str, float]:
    environment = {**os.environ, **ENVIRONMENT}
    code = PROBE.format(folder=str(folder), layer=str(LAYER))
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def main() -> int:
    with_minimal = Path(os.environ.get("TMPDIR", "/tmp")) / "coldstart-minimal"
    with_minimal.mkdir(exist_ok=True)
    (with_minimal / "app.py").write_text(MINIMAL)
    folders = {"(minimal handler)": with_minimal} | {
        path.parent.name: path.parent for path in sorted(FUNCTIONS.glob("*/app.py"))
    }
    print(
        f"cold import of each function, {RUNS} runs each, interleaved; {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    for folder in folders.values():  # compiled once, so every run reads the same cached bytecode
        measure(folder)
    samples: dict[str, list[dict[str, float]]] = {name: [] for name in folders}
    for _ in range(RUNS):
        for name, folder in folders.items():
            samples[name].append(measure(folder))
    reference = statistics.median(s["seconds"] for s in samples["(minimal handler)"])
    print(f"{'function':<20} {'import s':>9} {'x minimal':>10} {'peak MB':>8} {'modules':>8}")
    missed = []
    for name, runs in samples.items():
        seconds = statistics.median(s["seconds"] for s in runs)
        ratio = seconds / reference
        peak = statistics.median(s["peak_mb"] for s in runs)
        modules = statistics.median(s["modules"] for s in runs)
        flag = "" if name.startswith("(") or ratio <= TARGET else f"  > {TARGET}x"
        if flag:
            missed.append(name)
        print(f"{name:<20} {seconds:>9.3f} {ratio:>9.2f}x {peak:>8.1f} {modules:>8.0f}{flag}")
    verdict = "met" if not missed else f"missed by {', '.join(missed)}"
    print(f"target: every function at most {TARGET}x the minimal handler: {verdict}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
