"""Static checks of template.yaml and the state machine definition."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode
from samtranslator.translator.transform import transform

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded, problems = decode(str(ROOT / "template.yaml"))
    assert loaded is not None, problems
    return dict(loaded)


@pytest.fixture(scope="module")
def expanded(template: dict[str, Any], monkeypatch_module: pytest.MonkeyPatch) -> dict[str, Any]:
    """The template after the SAM transform, as CloudFormation would receive it."""
    import copy

    local = copy.deepcopy(template)
    for resource in local["Resources"].values():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "DefinitionUri", "ContentUri"):
            if key in props:
                props[key] = "s3://bucket/key"

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    monkeypatch_module.setenv("AWS_DEFAULT_REGION", "us-east-1")
    return dict(transform(local, {}, NoManagedPolicies()))


@pytest.fixture(scope="module")
def monkeypatch_module() -> Any:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _references(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str):
                found.add(item)
            elif key == "Fn::GetAtt":
                found.add(item[0] if isinstance(item, list) else item.split(".")[0])
            elif key == "Fn::Sub":
                text = item if isinstance(item, str) else item[0]
                found.update(re.findall(r"\$\{([^}!.]+)", text))
                found |= _references(item)
            else:
                found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


def test_no_dependency_cycle_after_the_sam_transform(expanded: dict[str, Any]) -> None:
    resources = expanded["Resources"]
    graph = {name: _references(spec) & set(resources) for name, spec in resources.items()}
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> None:
        assert node not in visiting, f"dependency cycle: {' -> '.join([*path, node])}"
        if node in done:
            return
        visiting.add(node)
        for target in graph[node]:
            visit(target, [*path, node])
        visiting.discard(node)
        done.add(node)

    for name in graph:
        visit(name, [])


def _statements(expanded: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, spec in expanded["Resources"].items():
        if spec["Type"] != "AWS::IAM::Role":
            continue
        for policy in spec["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                found.append((name, statement))
    return found


def test_no_wildcard_actions_in_any_role(expanded: dict[str, Any]) -> None:
    statements = _statements(expanded)
    assert statements, "the transform produced no roles"
    for role, statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        for action in actions:
            assert action != "*", f"{role} allows every action"
            assert not str(action).endswith(":*"), f"{role} allows {action}"


def test_every_function_has_its_own_role_and_an_app_module(template: dict[str, Any]) -> None:
    functions = {n: s for n, s in template["Resources"].items() if s["Type"] == "AWS::Serverless::Function"}
    assert set(functions) == {
        "ValidateFunction",
        "GenerateFunction",
        "SendFunction",
        "LifecycleFunction",
        "ApiFunction",
        "SweepFunction",
        "EventsFunction",
        "AgentsFunction",
        "LinksFunction",
        "ExportFunction",
        "ScheduleFunction",
    }
    for spec in functions.values():
        props = spec["Properties"]
        module, _, attribute = props["Handler"].rpartition(".")
        source = (ROOT / props["CodeUri"] / f"{module}.py").read_text()
        assert f"def {attribute}(" in source
        assert props["Policies"], "every function declares its own least-privilege policies"


def test_tables_have_pitr_encryption_and_on_demand_billing(template: dict[str, Any]) -> None:
    tables = [s for s in template["Resources"].values() if s["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == 2
    for table in tables:
        props = table["Properties"]
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert props["TimeToLiveSpecification"]["Enabled"] is True


def test_bucket_is_private_encrypted_and_tls_only(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["UploadBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    policy = template["Resources"]["UploadBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in policy
    )


def _states(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, state in definition["States"].items():
        found.append((name, state))
        if "ItemProcessor" in state:
            found.extend(_states(state["ItemProcessor"]))
    return found


def test_state_machine_substitutions_and_retries(template: dict[str, Any]) -> None:
    machine = template["Resources"]["BatchStateMachine"]["Properties"]
    text = (ROOT / machine["DefinitionUri"]).read_text()
    placeholders = set(re.findall(r"\$\{(\w+)\}", text))
    assert placeholders == set(machine["DefinitionSubstitutions"])
    definition = json.loads(text)
    tasks = [(name, state) for name, state in _states(definition) if state["Type"] == "Task"]
    assert tasks
    for name, state in tasks:
        assert state.get("Retry"), f"task {name} has no Retry"
    maps = [state for _, state in _states(definition) if state["Type"] == "Map"]
    assert maps, "generation and sending run per chunk in Map states"
    assert machine["Logging"]["Destinations"]
    assert machine["Tracing"]["Enabled"] is True


def test_only_the_links_function_serves_public_routes_and_it_holds_little(template: dict[str, Any]) -> None:
    """The unauthenticated surface: card links, unsubscribe and ring_all accept links, in a
    function that can read cards and processes, record accesses, suppress addresses and queue agent
    work — no sending, no state machines, no S3."""
    public = {
        (name, event["Properties"]["Path"])
        for name, spec in template["Resources"].items()
        if spec["Type"] == "AWS::Serverless::Function"
        for event in spec["Properties"].get("Events", {}).values()
        if event["Type"] == "Api" and event["Properties"].get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert public == {
        ("ApiFunction", "/health"),
        ("LinksFunction", "/c/{token}"),
        ("LinksFunction", "/c/{token}/data"),
        ("LinksFunction", "/unsubscribe/{token}"),
        ("LinksFunction", "/offers/{token}"),
    }
    policies = template["Resources"]["LinksFunction"]["Properties"]["Policies"]
    actions = {
        action
        for policy in policies
        for statement in policy.get("Statement", [])
        for action in statement["Action"]
    }
    assert actions == {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:PutItem", "sqs:SendMessage"}


def test_agent_work_is_queued_with_a_dead_letter_queue_and_sent_by_one_function(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    queue = resources["AgentQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    agents = resources["AgentsFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * agents["Timeout"]
    [source] = agents["Events"].values()
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    senders = {
        name
        for name, spec in resources.items()
        if spec["Type"] == "AWS::Serverless::Function"
        for policy in spec["Properties"].get("Policies", [])
        if isinstance(policy, dict)
        for statement in policy.get("Statement", [])
        if "sqs:SendMessage" in statement["Action"]
        and statement["Resource"] == {"Fn::GetAtt": ["AgentQueue", "Arn"]}
    }
    assert senders == {
        "SendFunction",
        "SweepFunction",
        "ApiFunction",
        "LinksFunction",
        "AgentsFunction",
        "ScheduleFunction",
    }


def test_delivery_events_are_buffered_with_a_dead_letter_queue(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    queue = resources["DeliveryEventsQueue"]["Properties"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
    events = resources["EventsFunction"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * events["Timeout"]  # AWS's advice for SQS event sources
    [source] = events["Events"].values()
    assert source["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    subscription = resources["DeliveryEventsSubscription"]["Properties"]
    assert (subscription["Protocol"], subscription["RawMessageDelivery"]) == ("sqs", True)
    assert "KmsMasterKeyId" not in resources["SesEventsTopic"]["Properties"]  # SES could not publish


def test_the_scheduler_role_can_only_fire_the_schedule_function(template: dict[str, Any]) -> None:
    role = template["Resources"]["SchedulerRole"]["Properties"]
    [assume] = role["AssumeRolePolicyDocument"]["Statement"]
    assert assume["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceAccount" in assume["Condition"]["StringEquals"]
    [policy] = role["Policies"]
    actions = sorted(a for s in policy["PolicyDocument"]["Statement"] for a in s["Action"])
    assert actions == ["lambda:InvokeFunction", "sqs:SendMessage"]


CONSOLE_ORIGIN = {"Fn::Sub": "https://${ConsoleDistribution.DomainName}"}
CONSOLE_ORIGIN_QUOTED = {"Fn::Sub": "'https://${ConsoleDistribution.DomainName}'"}


def test_the_console_bucket_is_private_tls_only_and_read_only_by_its_distribution(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    bucket = resources["ConsoleBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert "BucketEncryption" in bucket
    statements = resources["ConsoleBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    allows = [statement for statement in statements if statement["Effect"] == "Allow"]
    assert [statement["Principal"] for statement in allows] == [{"Service": "cloudfront.amazonaws.com"}]
    assert allows[0]["Action"] == "s3:GetObject"
    assert "${ConsoleDistribution}" in str(allows[0]["Condition"]["StringEquals"]["AWS:SourceArn"])
    assert any(
        statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for statement in statements
    )


def test_the_console_distribution_is_https_only_with_oac_strict_headers_and_screen_routing(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    config = resources["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    [origin] = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["ConsoleOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}  # no legacy OAI, no public website
    behaviour = config["DefaultCacheBehavior"]
    assert behaviour["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
    assert behaviour["AllowedMethods"] == ["GET", "HEAD"]
    assert behaviour["FunctionAssociations"][0]["EventType"] == "viewer-request"
    headers = resources["ConsoleHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"
    ]
    csp = str(headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"])
    directives = {part.split()[0]: part.split()[1:] for part in csp.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == directives["base-uri"] == directives["frame-ancestors"] == ["'none'"]
    assert "'unsafe-eval'" not in csp
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"


def test_console_sign_in_is_the_code_flow_back_to_the_console_only(template: dict[str, Any]) -> None:
    client = template["Resources"]["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False  # a browser cannot keep a secret: PKCE instead
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["CallbackURLs"] == [{"Fn::Sub": "https://${ConsoleDistribution.DomainName}/callback"}]
    assert client["LogoutURLs"] == [{"Fn::Sub": "https://${ConsoleDistribution.DomainName}/"}]
    assert template["Resources"]["UserPoolDomain"]["Properties"]["UserPoolId"] == {"Ref": "UserPool"}


def test_cors_allows_the_console_origin_only_everywhere_the_browser_reads(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    api = resources["BatchApi"]["Properties"]
    assert api["Cors"]["AllowOrigin"] == CONSOLE_ORIGIN_QUOTED
    assert api["Auth"]["AddDefaultAuthorizerToCorsPreflight"] is False  # preflights carry no token
    for name, response in api["GatewayResponses"].items():
        assert (
            response["ResponseParameters"]["Headers"]["Access-Control-Allow-Origin"] == CONSOLE_ORIGIN_QUOTED
        ), name
    environment = resources["ApiFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["DISPATCH_CONSOLE_ORIGIN"] == CONSOLE_ORIGIN
    [rule] = resources["UploadBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [CONSOLE_ORIGIN]


def test_the_card_data_keeps_its_own_preflight_next_to_the_apis_cors(expanded: dict[str, Any]) -> None:
    """SAM adds a mock OPTIONS (the console's origin) to every path without its own; the process
    page's preflight for a card's data must still reach the links function (the card's origin)."""
    paths = expanded["Resources"]["BatchApi"]["Properties"]["Body"]["paths"]
    assert paths["/c/{token}/data"]["options"]["x-amazon-apigateway-integration"]["type"] == "aws_proxy"
    assert paths["/{proxy+}"]["options"]["x-amazon-apigateway-integration"]["type"] == "mock"
