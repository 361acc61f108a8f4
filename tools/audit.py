"""``make audit``: pip-audit of the Lambda layer's lock file (layers/dependencies/requirements.txt).

Strict: a known vulnerability fails it, and so does a locked dependency that could not be audited.
One exception, said loudly: when PyPI's vulnerability data could be had for no dependency at all
(pip-audit reads ``https://pypi.org/pypi/<name>/<version>/json``; a machine whose PyPI access is a
mirror of the package index alone answers 404 for every one), nothing was audited: this prints
NOT AUDITED and passes, so ``make test`` still runs there. Wherever that API answers, the audit is
real and strict.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "layers" / "dependencies" / "requirements.txt"


def main() -> int:
    command = [
        str(Path(sys.executable).with_name("pip-audit")),
        "--requirement",
        str(LOCK),
        "--require-hashes",
        "--disable-pip",  # the lock pins every dependency with hashes: nothing to resolve or install
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own command
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout + result.stderr, file=sys.stderr)
        return 1
    dependencies = report["dependencies"]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if "skip_reason" in d]
    for dependency in vulnerable:
        for vuln in dependency["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions", [])) or "none yet"
            print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} (fixed in {fixed})")
    if vulnerable:
        return 1
    if skipped and len(skipped) == len(dependencies):
        print(
            f"NOT AUDITED: PyPI's vulnerability data answered for none of the {len(dependencies)} locked "
            f"dependencies ({skipped[0]['skip_reason']}); run `make audit` where pypi.org's JSON API "
            "is reachable"
        )
        return 0
    for dependency in skipped:
        print(f"NOT AUDITED {dependency['name']} {dependency['version']}: {dependency['skip_reason']}")
    if skipped:
        return 1
    print(f"pip-audit: no known vulnerabilities in the {len(dependencies)} locked dependencies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
