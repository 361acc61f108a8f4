"""Each function loads only what its path needs (issue 18): an import-graph check, not a timing.

A Lambda cold start pays for every module imported before the first event, and again for those
the first event's path imports. For each function this imports ``app`` in a fresh interpreter (the
function's folder and the layer on the path, as in Lambda), builds the services its handler asks
:mod:`dispatch.services` for, and compares what was loaded with the function's row of ``MAY_LOAD``:
the heavy libraries it may use, and the modules of the capability packages (``dispatch.<package>.…``)
it may load, named by dotted prefix under ``dispatch``. The package's top-level modules
(``dispatch.config``, ``dispatch.clock``…) are shared infrastructure, loaded by any function.

A new function, or a function that starts using a capability, gets its row here; a factory that
imports more than its function uses fails here first (the speed itself is ``python -m bench
coldstart``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYER = ROOT / "layers" / "shared" / "python"
HEAVY = frozenset({"openpyxl", "jinja2", "email_validator", "phonenumbers", "fpdf", "segno"})

# The data every function reads: the stores and the models they answer with.
STORES = (
    "batches.models",
    "batches.store",
    "batches.lifecycle",
    "cards.models",
    "cards.store",
    "cards.links",
    "contacts.models",  # a card's postal address
    "deliverability.policy",  # a batch's deferred cards, an organisation's quiet hours
    "deliverability.reputation",  # a chunk's recount adds its sends to account protection's tallies
    "processes.models",
    "processes.store",
    "organisations.models",
    "organisations.store",
    "assignment.models",
    "assignment.hours",  # organisations' business hours
    "delivery.backoff",
)
# An email address in its canonical form (dispatch.emails); email-validator loads on the first one checked.
EMAILS = ("ingest.email_addresses", "ingest.invalid")
# A phone number read or placed in its time zones, by phonenumbers.
PHONES = ("ingest.phones", "ingest.invalid", "phonenumbers")
# Assignment writes (a prospect's block is noted by the rotation's writer before the card).
AGENTS = ("assignment.store", "assignment.rotation", "assignment.prospects", "assignment.messages")
# Generating, sending and moving a batch along (dispatch.batches.workflow): templates, the
# channels, account protection and recipients' quiet hours (the zones of their numbers), and the
# assignment engine for the cards that reach agents.
WORKFLOW = (
    *STORES,
    *EMAILS,
    *PHONES,
    *AGENTS,
    "assignment.engine",
    "batches",
    "cards.context",
    "cards.generation",
    "deliverability.protection",
    "deliverability.quiet_hours",
    "delivery.channels",
    "delivery.events",
    "delivery.ratelimit",
    "delivery.sender",
    "ingest.models",
    "ingest.staging",
    "jinja2",
)
# A communication's working list: contacts staged as the batch's rows.
WORKING_LIST = ("communications.working_list", "contacts", "ingest.values", "exports.upload")
# Letters laid out as PDF (fpdf2, segno for the QR code) and merged into bundles.
LETTERS = ("letters", "exports.upload", "fpdf", "segno")
# Reading a recipients file (the ingest capability) and writing XLSX with openpyxl.
FILES = ("ingest", "openpyxl")


@dataclass(frozen=True)
class Function:
    may_load: tuple[str, ...]
    builds: tuple[str, ...] = ()  # the dispatch.services factories its handler calls


MAY_LOAD: dict[str, Function] = {
    "links": Function(
        (*STORES, *EMAILS, *AGENTS, "http", "cards", "organisations", "assignment.offers"),
        builds=("card_links", "offer_desk"),
    ),
    "events": Function(
        (
            *STORES,
            *EMAILS,
            "cards.counted",
            "deliverability.protection",
            "deliverability.watched_events",
            "delivery.events",
            "delivery.feedback",
            "organisations",
        ),
        builds=("delivery_events",),
    ),
    "validate": Function(
        (
            *STORES,
            *EMAILS,
            *PHONES,
            *FILES,
            "batches.execution",
            "batches.intake",
            "batches.rejections",
            "contacts",
        ),
        builds=("intake", "contact_importer"),
    ),
    "generate": Function(WORKFLOW, builds=("workflow",)),
    "send": Function(WORKFLOW, builds=("workflow",)),
    # Each step builds what it needs: letters are loaded by the step that records them printed.
    "lifecycle": Function(
        (*WORKFLOW, *WORKING_LIST, *LETTERS),
        builds=("workflow", "cloner", "working_list", "letter_service"),
    ),
    "letters": Function((*WORKFLOW, *LETTERS), builds=("letter_service",)),
    "sweep": Function(
        (*WORKFLOW, "assignment.drain", "deliverability"),
        builds=("workflow", "unassigned_drain", "deferred_resume", "sms_opt_outs", "ses_suppressions"),
    ),
    # Notices are written, not rendered from templates: no jinja2.
    "agents": Function(
        (*STORES, *EMAILS, "assignment", "delivery.channels", "delivery.ratelimit"),
        builds=("agent_work",),
    ),
    "export": Function(
        (*STORES, *EMAILS, *PHONES, "exports", "ingest.header", "ingest.models", "ingest.values", "openpyxl"),
        builds=("export_service",),
    ),
    "schedule": Function(
        (*WORKFLOW, *WORKING_LIST, *FILES, "schedules", "assignment.retrieval", "communications"),
        builds=("schedule_runner", "communication_service"),
    ),
    # One function behind every route: all capabilities may be used, but its routes' modules load
    # only their models at import; the services come with the first request of each route.
    "api": Function(
        (
            *STORES,
            *EMAILS,
            "http",
            "communications.models",
            "contacts.filters",
            "deliverability.suppressions",
            "exports.models",
            "letters.models",
            "organisations.suppression",  # the canonical form of a suppressed address
            "processes.example_file",
            "schedules.models",
        ),
    ),
}


def loaded_by(function: str, builds: tuple[str, ...]) -> set[str]:
    """The modules loaded once ``functions/<function>/app.py`` is imported and its services built."""
    probe = (
        "import json, sys\n"
        f"sys.path[:0] = [{str(ROOT / 'functions' / function)!r}, {str(LAYER)!r}]\n"
        "import app\n"
        "from dispatch import services\n"
        f"for name in {list(builds)!r}:\n"
        "    getattr(services, name)()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    environment = {**os.environ, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=environment
    )
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def unexpected(modules: set[str], may_load: tuple[str, ...]) -> list[str]:
    """The heavy libraries and capability modules loaded that ``may_load`` does not allow."""
    allowed = set(may_load)
    found = {module.split(".")[0] for module in modules} & HEAVY - allowed
    for module in modules:
        parts = module.split(".")
        if parts[0] != "dispatch" or len(parts) < 3:
            continue  # not ours, or a top-level module of the package
        name = ".".join(parts[1:])
        if not any(name == prefix or name.startswith(prefix + ".") for prefix in allowed):
            found.add(module)
    return sorted(found)


def test_every_function_has_a_row() -> None:
    assert sorted(MAY_LOAD) == sorted(path.parent.name for path in (ROOT / "functions").glob("*/app.py"))


@pytest.mark.parametrize("function", sorted(MAY_LOAD))
def test_a_function_loads_only_what_its_path_uses(function: str) -> None:
    row = MAY_LOAD[function]
    modules = loaded_by(function, row.builds)
    assert unexpected(modules, row.may_load) == []


def test_the_check_sees_a_capability_the_row_does_not_allow() -> None:
    modules = {"dispatch.config", "dispatch.cards.store", "dispatch.schedules.runs", "openpyxl.cell"}
    assert unexpected(modules, ("cards",)) == ["dispatch.schedules.runs", "openpyxl"]
