"""Handlers against moto (decorator mode), with resources provisioned from template.yaml itself."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws

from dispatch import services
from dispatch.assignment.models import AssignmentConfig
from dispatch.batches.models import Batch
from dispatch.batches.store import BatchStore
from dispatch.config import Settings
from dispatch.processes.models import Process, ProcessState
from dispatch.processes.store import ProcessStore
from local.lambdas import InProcessRuntime
from local.moto_guard import item_level_transactions, serialise_dynamodb, serialise_router_creation
from local.provision import Provisioner
from local.stack import LOCAL_PARAMETERS, ROOT
from local.template import REGION, Resolver, load

API_BASE = "https://api.test"


@dataclass
class Deployment:
    resolver: Resolver
    runtime: InProcessRuntime
    api_event: Callable[..., dict[str, Any]]

    def name(self, logical_id: str) -> str:
        return self.resolver.physical_name(logical_id)

    def invoke(self, logical_id: str, event: Any) -> Any:
        return self.runtime.invoke(self.name(logical_id), event)

    def api(self, method: str, path: str, claims: dict[str, Any] | None, **kwargs: Any) -> tuple[int, Any]:
        result = self.invoke("ApiFunction", self.api_event(method, path, claims=claims, **kwargs))
        body = json.loads(result["body"]) if result.get("body") else None
        return int(result["statusCode"]), body

    def executions(self, logical_id: str = "BatchStateMachine") -> list[dict[str, Any]]:
        arn = self.resolver.arn(logical_id)
        return list(self.client("stepfunctions").list_executions(stateMachineArn=arn)["executions"])

    @property
    def bucket(self) -> str:
        return self.name("UploadBucket")

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)


@pytest.fixture
def chunk_rows() -> str:
    return "100"


@pytest.fixture
def deployed(
    monkeypatch: pytest.MonkeyPatch, api_event: Callable[..., dict[str, Any]], chunk_rows: str
) -> Iterator[Deployment]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    item_level_transactions()  # moto would copy whole tables per transaction
    serialise_router_creation()  # concurrent first requests of a service (the sender's pool)
    with mock_aws():
        resolver = Resolver(load(ROOT / "template.yaml"), {**LOCAL_PARAMETERS, "ChunkRows": chunk_rows})
        runtime = InProcessRuntime()
        Provisioner(
            ROOT, resolver, None, runtime, {"DISPATCH_API_BASE_URL": API_BASE}, notifications=False
        ).provision()
        for key, value in runtime.process_environment.items():  # as the local stack sets them
            monkeypatch.setenv(key, value)
        runtime.install_into_moto()  # asynchronous invokes (Event) run in-process, like the local stack
        yield Deployment(resolver, runtime, api_event)
        runtime.shutdown()


@pytest.fixture
def sending_batch(
    deployed: Deployment, s3_event: Callable[..., dict[str, Any]]
) -> Callable[..., tuple[Settings, Batch]]:
    """A factory: an email batch of ``recipients`` rows, generated, approved and sending, with the
    send function's settings (``email_rate`` replaces the template's rate)."""

    def build(recipients: int, email_rate: float) -> tuple[Settings, Batch]:
        admin = {
            "sub": "sub-admin",
            "email": "admin@org-a.test",
            "cognito:groups": "admin",
            "custom:org_id": "org-a",
        }
        body = {**json.loads((ROOT / "examples" / "process.json").read_text()), "approval_required": False}
        _, process = deployed.api("POST", "/processes", admin, body=body)
        deployed.api("POST", f"/processes/{process['id']}/publish", admin)
        rows = "first_name,email\n" + "".join(f"P{n},p{n}@example.com\n" for n in range(recipients))
        key = f"drop/{process['id']}/list.csv"
        deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=rows.encode())
        [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(rows)))["batches"]
        step = {"batch_id": handled["batch_id"], "org_id": "org-a"}
        environment = deployed.runtime.functions[deployed.name("SendFunction")].environment
        settings = Settings.from_env(environment).model_copy(update={"email_rate_per_second": email_rate})
        batch = BatchStore(settings).get("org-a", handled["batch_id"])
        for chunk in batch.chunks:
            deployed.invoke("GenerateFunction", {**step, "chunk": chunk.model_dump()})
        deployed.invoke("LifecycleFunction", {**step, "action": "after_generation"})
        deployed.invoke("LifecycleFunction", {**step, "action": "start_sending"})
        return settings, BatchStore(settings).get("org-a", batch.id)

    return build


@pytest.fixture
def serialised_moto() -> None:
    """Concurrent senders in one process: moto answers one DynamoDB request at a time (see
    local.moto_guard); the senders stay concurrent."""
    serialise_dynamodb()


@dataclass
class Walk:
    """One batch of a fresh process, walked through the lifecycle's steps by hand, as Step Functions
    would call them (the state machines do not run under moto's decorator mode)."""

    deployed: Deployment
    id: str
    process_id: str

    def step(self, action: str, **extra: Any) -> Any:
        return self.deployed.invoke(
            "LifecycleFunction", {"action": action, "batch_id": self.id, "org_id": "org-a", **extra}
        )

    def get(self) -> dict[str, Any]:
        return dict(self.deployed.api("GET", f"/batches/{self.id}", WALK_ADMIN)[1])

    @property
    def settings(self) -> Settings:
        """The API function's settings (its stores read what the API reads)."""
        return Settings.from_env(
            self.deployed.runtime.functions[self.deployed.name("ApiFunction")].environment
        )

    def stored(self) -> Batch:
        return BatchStore(self.settings).get("org-a", self.id)

    def chunks(self) -> list[dict[str, Any]]:
        return [chunk.model_dump() for chunk in self.stored().chunks]

    def chunk_task(self, index: int) -> dict[str, Any]:
        return {"batch_id": self.id, "org_id": "org-a", "chunk": self.chunks()[index]}

    def generate(self) -> None:
        for index in range(len(self.chunks())):
            self.deployed.invoke("GenerateFunction", self.chunk_task(index))

    def send(self, index: int) -> dict[str, Any]:
        return dict(self.deployed.invoke("SendFunction", self.chunk_task(index)))

    def send_in_process(self) -> list[dict[str, Any]]:
        """Generates the batch, moves it to sending, and sends every chunk through the workflow in
        this process; each chunk's outcome."""
        self.generate()
        self.step("after_generation")
        self.step("start_sending")
        settings = self.settings
        workflow = services.workflow(settings)
        return [
            workflow.send("org-a", self.id, chunk, lambda b: services.chunk_sender(b, settings))
            for chunk in self.stored().chunks
        ]

    def runs(self, logical_id: str) -> list[str]:
        """The names of this batch's executions of one state machine, oldest first."""
        names = [e["name"] for e in self.deployed.executions(logical_id) if e["name"].startswith(self.id)]
        return sorted(names)


WALK_ADMIN = {
    "sub": "sub-admin",
    "email": "admin@org-a.test",
    "cognito:groups": "admin",
    "custom:org_id": "org-a",
}


@pytest.fixture
def walk(deployed: Deployment, s3_event: Callable[..., dict[str, Any]]) -> Callable[..., Walk]:
    """A factory: a validated batch of ``rows`` (CSV text, header first) for a new live process of
    examples/process.json with ``process`` overrides; nothing generated yet."""
    base = json.loads((ROOT / "examples" / "process.json").read_text())

    def build(rows: str, **process: Any) -> Walk:
        _, created = deployed.api("POST", "/processes", WALK_ADMIN, body={**base, **process})
        deployed.api("POST", f"/processes/{created['id']}/publish", WALK_ADMIN)
        key = f"drop/{created['id']}/list.csv"
        deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=rows.encode())
        [handled] = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(rows)))["batches"]
        return Walk(deployed, handled["batch_id"], created["id"])

    return build


@pytest.fixture
def import_contacts(
    deployed: Deployment, s3_event: Callable[..., dict[str, Any]]
) -> Callable[..., dict[str, Any]]:
    """A factory: import ``text`` (a contacts CSV) through ``POST /contacts/imports`` and the upload's
    S3 event, as ``claims``; the finished import as ``GET /contacts/imports/{id}`` shows it."""

    def run(text: str, claims: dict[str, Any] = WALK_ADMIN) -> dict[str, Any]:
        status, created = deployed.api(
            "POST", "/contacts/imports", claims, body={"file_name": "contacts.csv"}
        )
        assert status == 201
        assert created["status"] == "uploading"
        key = f"imports/{claims['custom:org_id']}/{created['id']}/source"
        deployed.client("s3").put_object(Bucket=deployed.bucket, Key=key, Body=text.encode())
        result = deployed.invoke("ValidateFunction", s3_event(deployed.bucket, key, len(text)))
        assert result["imports"][0]["import_id"] == created["id"]
        return dict(deployed.api("GET", f"/contacts/imports/{created['id']}", claims)[1])

    return run


@pytest.fixture
def letter_process(deployed: Deployment) -> Callable[..., dict[str, Any]]:
    """A factory: a live process of examples/process.json with a template set ``notice`` (email and
    letter), with ``process`` overrides (approval not required unless they say so)."""
    base = json.loads((ROOT / "examples" / "process.json").read_text())

    def build(**process: Any) -> dict[str, Any]:
        body = {
            **base,
            "approval_required": False,
            "template_sets": {
                "notice": {
                    "email": {
                        "subject": "Notice for {{ first_name }}",
                        "text": "Due {{ due_date }}: {{ link }}",
                    },
                    "letter": {
                        "title": "Notice",
                        "body": "<p>Dear {{ first_name }}, due <b>{{ due_date }}</b>.</p>",
                    },
                }
            },
            **process,
        }
        _, created = deployed.api("POST", "/processes", WALK_ADMIN, body=body)
        deployed.api("POST", f"/processes/{created['id']}/publish", WALK_ADMIN)
        return dict(created)

    return build


@pytest.fixture
def batch_record(deployed: Deployment) -> Callable[..., Batch]:
    """A factory: a batch record (and its live process) for the cards a test writes itself — what
    reading a card's assignment setting needs: the process's (``process``), the batch's own
    (``batch``)."""
    settings = Settings.from_env(deployed.runtime.functions[deployed.name("ApiFunction")].environment)

    def build(
        batch_id: str = "b1",
        org_id: str = "org-a",
        *,
        process: AssignmentConfig | None = None,
        batch: AssignmentConfig | None = None,
    ) -> Batch:
        return _stored_batch(settings, batch_id, org_id, process, batch)

    return build


@dataclass
class CommunicationWalk:
    """A communication walked through the lifecycle's steps by hand, as Step Functions would call
    them (the state machines do not run under moto's decorator mode)."""

    deployed: Deployment
    id: str

    def step(self, action: str, **extra: Any) -> Any:
        return self.deployed.invoke(
            "LifecycleFunction", {"action": action, "batch_id": self.id, "org_id": "org-a", **extra}
        )

    def get(self) -> dict[str, Any]:
        return dict(self.deployed.api("GET", f"/batches/{self.id}", WALK_ADMIN)[1])

    def stored(self) -> Batch:
        settings = Settings.from_env(
            self.deployed.runtime.functions[self.deployed.name("ApiFunction")].environment
        )
        return BatchStore(settings).get("org-a", self.id)

    def generate(self) -> dict[str, Any]:
        """``generating`` → ``generated``: the working list staged by shard, its chunks generated."""
        staged = [self.step("stage_segment", segment=segment) for segment in range(16)]
        recorded = dict(self.step("record_working_list", staged=staged))
        for chunk in recorded["chunks"]:
            self.deployed.invoke("GenerateFunction", {"batch_id": self.id, "org_id": "org-a", "chunk": chunk})
        self.step("after_generation")
        return recorded

    def build_letters(self, bundle_id: str) -> dict[str, Any]:
        """The letters state machine's steps: a part per chunk, then the merge."""
        step = {"batch_id": self.id, "org_id": "org-a", "bundle_id": bundle_id}
        parts = [
            self.deployed.invoke("LettersFunction", {**step, "action": "render", "chunk": chunk.model_dump()})
            for chunk in self.stored().chunks
        ]
        return dict(self.deployed.invoke("LettersFunction", {**step, "action": "merge", "parts": parts}))


@pytest.fixture
def communication(deployed: Deployment) -> Callable[[str], CommunicationWalk]:
    """A factory: the walk of the communication ``batch_id``."""
    return lambda batch_id: CommunicationWalk(deployed, batch_id)


def _stored_batch(
    settings: Settings,
    batch_id: str,
    org_id: str,
    process: AssignmentConfig | None,
    batch: AssignmentConfig | None,
) -> Batch:
    process_id = f"p-{batch_id}"
    ProcessStore(settings).create(
        Process(
            id=process_id,
            org_id=org_id,
            name="Leads",
            fields=[{"name": "state"}],
            link_base_url="https://forms.example.com/lead",
            templates={"email": {"subject": "Hi", "text": "{{ link }}"}},
            state=ProcessState.live,
            assignment=process or AssignmentConfig(),
            created_at="t",
            created_by="sub-admin",
        )
    )
    record = Batch.awaiting_upload(
        batch_id=batch_id,
        org_id=org_id,
        process_id=process_id,
        process_name="Leads",
        file_name="leads.csv",
        name=None,
        created_by="sub-admin",
        created_by_email=None,
        created_at="t",
        auto_distribute=True,
        **({"assignment": batch} if batch is not None else {}),
    )
    BatchStore(settings).create(record)
    return record
