"""``make audit``: pip-audit of the Lambda layer's lock file (layers/dependencies/requirements.txt).

Strict: a known vulnerability fails it, and so does a locked dependency that could not be audited.

pip-audit reads ``https://pypi.org/pypi/<name>/<version>/json``. Where PyPI is reached through a
mirror that serves only the package index and each project's own JSON (these machines: the
per-version URL answers 404), a dependency pip-audit skips is audited from the project's JSON
instead, whose ``vulnerabilities`` are those of the project's newest release: exact for a
dependency locked at that release. A dependency locked below its newest release cannot be audited
there; it is named, and the audit still passes only when it is in the lock just because other
dependencies need it (their constraints choose its version, so re-locking cannot mend it).
Anything else unaudited fails, and so does any vulnerability.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "layers" / "dependencies" / "requirements.txt"
PROJECT_JSON = "https://pypi.org/pypi/{name}/json"


@dataclass(frozen=True)
class Locked:
    name: str
    version: str
    via: list[str] = field(default_factory=list)

    @property
    def transitive(self) -> bool:
        """In the lock only because other dependencies need it (never ``-r`` the requirements)."""
        return bool(self.via) and not any(source.startswith("-r") for source in self.via)


@dataclass(frozen=True)
class Finding:
    dependency: Locked
    vulns: list[str]
    audited: bool
    note: str = ""


def parse_lock(text: str) -> dict[str, Locked]:
    """``name==version`` lines with their ``# via`` sources, as uv writes them."""
    locked: dict[str, Locked] = {}
    current: Locked | None = None
    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            requirement, _, rest = line.partition("==")
            name = requirement.split("[", 1)[0].strip().lower()
            current = locked[name] = Locked(name, rest.split()[0] if rest.split() else rest.strip())
        elif current is not None and line.strip().startswith("#"):
            source = line.strip().lstrip("#").strip().removeprefix("via").strip()
            if source:
                current.via.append(source)
    return locked


def pip_audit() -> dict[str, dict[str, Any]]:
    """pip-audit's answer per dependency name: ``vulns``, or a ``skip_reason``."""
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
        dependencies = json.loads(result.stdout)["dependencies"]
    except (json.JSONDecodeError, KeyError) as exc:
        raise SystemExit(f"pip-audit failed:\n{result.stdout}{result.stderr}") from exc
    return {str(d["name"]).lower(): d for d in dependencies}


def project_json(name: str) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(PROJECT_JSON.format(name=name), timeout=30) as response:  # noqa: S310 - a fixed https URL
            return dict(json.load(response))
    except OSError:
        return None


def audit(
    locked: dict[str, Locked],
    answers: dict[str, dict[str, Any]],
    fetch: Callable[[str], dict[str, Any] | None],
) -> list[Finding]:
    """One finding per locked dependency: pip-audit's where it answered, else the project JSON's."""
    findings = []
    for name, dependency in sorted(locked.items()):
        answer = answers.get(name, {"skip_reason": "pip-audit did not report it"})
        if "skip_reason" not in answer:
            findings.append(Finding(dependency, [v["id"] for v in answer.get("vulns", [])], audited=True))
            continue
        project = fetch(name)
        if project is None:
            findings.append(Finding(dependency, [], audited=False, note=str(answer["skip_reason"])))
            continue
        newest = str(project["info"]["version"])
        if newest != dependency.version:
            note = (
                f"locked below the newest release, {newest}, the only one PyPI gives vulnerabilities for here"
            )
            findings.append(Finding(dependency, [], audited=False, note=note))
            continue
        vulns = [str(vuln["id"]) for vuln in project.get("vulnerabilities") or []]
        findings.append(Finding(dependency, vulns, audited=True, note="from the project's JSON"))
    return findings


def verdict(findings: list[Finding]) -> tuple[int, list[str]]:
    lines = [
        f"VULNERABLE {f.dependency.name} {f.dependency.version}: {vuln}" for f in findings for vuln in f.vulns
    ]
    unaudited = [f for f in findings if not f.audited]
    for finding in unaudited:
        why = "" if finding.dependency.transitive else " (a direct dependency: re-lock or audit elsewhere)"
        lines.append(
            f"NOT AUDITED {finding.dependency.name} {finding.dependency.version}: {finding.note}{why}"
        )
    failing = any(f.vulns for f in findings) or any(not f.dependency.transitive for f in unaudited)
    summary = f"{len(findings) - len(unaudited)} of {len(findings)} locked dependencies audited"
    if unaudited and not failing:
        summary += "; the rest are versions other dependencies choose (named above)"
    lines.append(("FAILED: " if failing else "no known vulnerabilities: ") + summary)
    return (1 if failing else 0), lines


def main() -> int:
    code, lines = verdict(audit(parse_lock(LOCK.read_text()), pip_audit(), project_json))
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
