"""make audit's decisions (tools/audit.py): what passes, what fails, from which source."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

LOCK = """\
boto3==1.0.0 \\
    --hash=sha256:aa
    # via -r layers/dependencies/requirements.in
python-dateutil==2.9.0 \\
    --hash=sha256:bb
    # via botocore
jmespath==1.1.0 \\
    --hash=sha256:cc
    # via
    #   boto3
    #   botocore
"""


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "tools" / "audit.py"
    spec = importlib.util.spec_from_file_location("tools_audit", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["tools_audit"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _project(version: str, vulns: list[str] | None = None) -> dict[str, Any]:
    return {"info": {"version": version}, "vulnerabilities": [{"id": v} for v in vulns or []]}


def _skipped(*names: str) -> dict[str, dict[str, Any]]:
    return {name: {"name": name, "skip_reason": "Dependency not found on PyPI"} for name in names}


def test_the_lock_is_read_with_where_each_dependency_comes_from(audit: ModuleType) -> None:
    locked = audit.parse_lock(LOCK)
    assert {name: (d.version, d.transitive) for name, d in locked.items()} == {
        "boto3": ("1.0.0", False),
        "python-dateutil": ("2.9.0", True),
        "jmespath": ("1.1.0", True),
    }


def test_pip_audits_own_answer_is_used_where_it_has_one(audit: ModuleType) -> None:
    answers = {
        "boto3": {"name": "boto3", "version": "1.0.0", "vulns": [{"id": "PYSEC-1"}]},
        "python-dateutil": {"name": "python-dateutil", "version": "2.9.0", "vulns": []},
        "jmespath": {"name": "jmespath", "version": "1.1.0", "vulns": []},
    }
    code, lines = audit.verdict(audit.audit(audit.parse_lock(LOCK), answers, lambda name: None))
    assert code == 1
    assert lines[0] == "VULNERABLE boto3 1.0.0: PYSEC-1"


def test_a_skipped_dependency_at_its_newest_release_is_audited_from_the_project_json(
    audit: ModuleType,
) -> None:
    projects = {
        "boto3": _project("1.0.0"),
        "python-dateutil": _project("2.9.0"),
        "jmespath": _project("1.1.0"),
    }
    answers = _skipped("boto3", "python-dateutil", "jmespath")
    code, lines = audit.verdict(audit.audit(audit.parse_lock(LOCK), answers, projects.get))
    assert (code, lines) == (0, ["no known vulnerabilities: 3 of 3 locked dependencies audited"])
    projects["jmespath"] = _project("1.1.0", ["GHSA-x"])
    code, lines = audit.verdict(audit.audit(audit.parse_lock(LOCK), answers, projects.get))
    assert code == 1
    assert "VULNERABLE jmespath 1.1.0: GHSA-x" in lines


def test_a_version_other_dependencies_choose_may_stay_unaudited_a_direct_one_may_not(
    audit: ModuleType,
) -> None:
    answers = _skipped("boto3", "python-dateutil", "jmespath")
    projects = {
        "boto3": _project("1.0.0"),
        "python-dateutil": _project("4.0.0"),
        "jmespath": _project("1.1.0"),
    }
    code, lines = audit.verdict(audit.audit(audit.parse_lock(LOCK), answers, projects.get))
    assert code == 0
    assert lines[0].startswith("NOT AUDITED python-dateutil 2.9.0: locked below the newest release, 4.0.0")
    projects["boto3"] = _project("2.0.0")  # a direct dependency behind: re-lock it
    code, lines = audit.verdict(audit.audit(audit.parse_lock(LOCK), answers, projects.get))
    assert code == 1
    assert any("NOT AUDITED boto3 1.0.0" in line and "direct dependency" in line for line in lines)


def test_nothing_reachable_fails(audit: ModuleType) -> None:
    answers = _skipped("boto3", "python-dateutil", "jmespath")
    code, lines = audit.verdict(audit.audit(audit.parse_lock(LOCK), answers, lambda name: None))
    assert code == 1
    assert lines[-1] == "FAILED: 0 of 3 locked dependencies audited"
