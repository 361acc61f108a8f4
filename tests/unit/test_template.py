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
        "LettersFunction",
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
    assert len(tables) == 3
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


def test_the_bucket_is_versioned_and_old_versions_expire(template: dict[str, Any]) -> None:
    """Events name the version they announce (so the bucket keeps versions), and every prefix that
    keeps files lets its noncurrent versions go after the same time."""
    bucket = template["Resources"]["UploadBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    prefixes = {rule["Prefix"] for rule in rules.values() if "Prefix" in rule}
    assert prefixes == {
        "staging/",
        "exports/",
        "reports/",
        "uploads/",
        "drop/",
        "imports/",
        "rejected/",
        "sources/",
        "letters/",
    }
    for rule in rules.values():
        if "Prefix" in rule:
            assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"], rule["Id"]
    assert rules["expired-delete-markers"]["ExpiredObjectDeleteMarker"] is True


def test_rejected_drops_are_alarmed_on_the_metric_the_validation_function_adds(
    template: dict[str, Any],
) -> None:
    from dispatch.batches import rejections

    alarm = template["Resources"]["RejectedDropsAlarm"]["Properties"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        variables["POWERTOOLS_METRICS_NAMESPACE"],
        rejections.METRIC,
    )
    assert alarm["Dimensions"] == [{"Name": "service", "Value": variables["POWERTOOLS_SERVICE_NAME"]}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_account_protection_pauses_are_alarmed_on_the_metric_the_events_function_adds(
    template: dict[str, Any],
) -> None:
    from dispatch.deliverability import protection

    alarm = template["Resources"]["AccountProtectionAlarm"]["Properties"]
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert (alarm["Namespace"], alarm["MetricName"]) == (
        variables["POWERTOOLS_METRICS_NAMESPACE"],
        protection.METRIC,
    )
    assert alarm["Dimensions"] == [{"Name": "service", "Value": variables["POWERTOOLS_SERVICE_NAME"]}]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_a_sender_domain_gets_easy_dkim_an_aligned_mail_from_and_its_dns_records_as_outputs(
    template: dict[str, Any],
) -> None:
    identity = template["Resources"]["SenderDomainIdentity"]
    assert identity["Condition"] == "HasSenderDomain"
    props = identity["Properties"]
    assert props["DkimAttributes"] == {"SigningEnabled": True}
    assert props["DkimSigningAttributes"] == {"NextSigningKeyLength": "RSA_2048_BIT"}
    assert props["MailFromAttributes"]["BehaviorOnMxFailure"] == "REJECT_MESSAGE"
    assert props["ConfigurationSetAttributes"] == {"ConfigurationSetName": {"Ref": "SesConfigurationSet"}}
    outputs = template["Outputs"]
    records = [
        "SenderDomainDkimRecords",
        "SenderDomainMailFromMxRecord",
        "SenderDomainMailFromSpfRecord",
        "SenderDomainDmarcRecord",
    ]
    assert all(outputs[name]["Condition"] == "HasSenderDomain" for name in records)
    dkim = str(outputs["SenderDomainDkimRecords"]["Value"])
    assert all(f"DkimDNSTokenName{n}" in dkim and f"DkimDNSTokenValue{n}" in dkim for n in (1, 2, 3))
    assert "v=spf1 include:amazonses.com" in str(outputs["SenderDomainMailFromSpfRecord"]["Value"])
    assert "v=DMARC1" in str(outputs["SenderDomainDmarcRecord"]["Value"])


def test_the_validation_function_reads_exact_versions_and_moves_only_incoming_files_aside(
    template: dict[str, Any],
) -> None:
    """Exactly what intake needs in S3: the announced version of an incoming file (read, or copied
    to rejected/ and deleted), its staged chunks and report; nothing of the latest version by key."""
    policies = template["Resources"]["ValidateFunction"]["Properties"]["Policies"]
    granted = set()
    for policy in policies:
        for statement in policy.get("Statement", []) if isinstance(policy, dict) else []:
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            for action in statement["Action"]:
                if action.startswith("s3:"):
                    for resource in resources:
                        path = resource["Fn::Sub"].split("${AWS::Region}", 1)[1]
                        granted.add((action, path))
    assert granted == {
        ("s3:GetObjectVersion", "/uploads/*"),
        ("s3:GetObjectVersion", "/drop/*"),
        ("s3:GetObjectVersion", "/imports/*"),
        ("s3:DeleteObjectVersion", "/uploads/*"),
        ("s3:DeleteObjectVersion", "/drop/*"),
        ("s3:DeleteObjectVersion", "/imports/*"),
        ("s3:PutObject", "/rejected/*"),
        ("s3:AbortMultipartUpload", "/rejected/*"),
        ("s3:PutObject", "/staging/*"),
        ("s3:DeleteObject", "/staging/*"),
        ("s3:PutObject", "/reports/*"),
        ("s3:DeleteObject", "/reports/*"),
        ("s3:ListBucket", ""),
    }


@pytest.mark.parametrize("bucket", ["UploadBucket", "ConsoleBucket"])
def test_bucket_access_is_logged_to_a_private_tls_only_log_bucket(
    template: dict[str, Any], bucket: str
) -> None:
    resources = template["Resources"]
    logging = resources[bucket]["Properties"]["LoggingConfiguration"]
    assert logging["DestinationBucketName"] == {"Ref": "AccessLogBucket"}
    logs = resources["AccessLogBucket"]["Properties"]
    assert all(logs["PublicAccessBlockConfiguration"].values())
    # server access logging delivers only into SSE-S3 buckets
    [rule] = logs["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}
    assert logs["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == {"Ref": "LogRetentionDays"}
    statements = resources["AccessLogBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    writers = [s for s in statements if s["Effect"] == "Allow"]
    assert {s["Principal"]["Service"] for s in writers} == {
        "logging.s3.amazonaws.com"
    }  # S3, and nothing else
    [writer] = [s for s in writers if s["Resource"]["Fn::Sub"].endswith(f"/{logging['LogFilePrefix']}*")]
    assert writer["Action"] == "s3:PutObject"
    assert writer["Resource"] == {"Fn::Sub": f"${{AccessLogBucket.Arn}}/{logging['LogFilePrefix']}*"}
    assert "aws:SourceAccount" in writer["Condition"]["StringEquals"]
    source = writer["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    assert source == "arn:${AWS::Partition}:s3:::" + resources[bucket]["Properties"]["BucketName"]["Fn::Sub"]
    assert any(
        s["Effect"] == "Deny" and s["Condition"]["Bool"]["aws:SecureTransport"] == "false" for s in statements
    )


def test_api_access_is_logged_without_tokens_or_personal_data(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    api = resources["BatchApi"]
    setting = api["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    line = json.loads(setting["Format"])  # one JSON object per request
    assert line["route"] == "$context.resourcePath"  # the template: /c/{token}, never the token
    variables = set(re.findall(r"\$context\.[\w.]+", setting["Format"]))
    assert not variables & {"$context.path", "$context.identity.sourceIp", "$context.authorizer.claims.email"}
    assert resources["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert api["DependsOn"] == "ApiGatewayAccount"  # the account's CloudWatch role must exist first
    account_role = resources["ApiGatewayAccount"]["Properties"]["CloudWatchRoleArn"]
    assert account_role == {"Fn::GetAtt": ["ApiGatewayLogsRole", "Arn"]}


def test_ses_events_topic_is_encrypted_with_a_key_ses_may_use(template: dict[str, Any]) -> None:
    """SES can publish to an encrypted topic only under a customer-managed key that lets it
    generate data keys; the AWS-managed SNS key's policy cannot allow that."""
    resources = template["Resources"]
    assert resources["SesEventsTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "SesEventsKey"}
    key = resources["SesEventsKey"]["Properties"]
    assert key["EnableKeyRotation"] is True
    statements = key["KeyPolicy"]["Statement"]
    [ses] = [s for s in statements if s["Principal"] == {"Service": "ses.amazonaws.com"}]
    assert sorted(ses["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert ses["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    # SNS delivers to the queue without the key: the queue is SSE-SQS, which needs no key policy
    queue = resources["DeliveryEventsQueue"]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert "KmsMasterKeyId" not in queue


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


def test_the_scheduler_role_can_only_fire_the_schedule_function(template: dict[str, Any]) -> None:
    role = template["Resources"]["SchedulerRole"]["Properties"]
    [assume] = role["AssumeRolePolicyDocument"]["Statement"]
    assert assume["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert "aws:SourceAccount" in assume["Condition"]["StringEquals"]
    [policy] = role["Policies"]
    actions = sorted(a for s in policy["PolicyDocument"]["Statement"] for a in s["Action"])
    assert actions == ["lambda:InvokeFunction", "sqs:SendMessage"]


CONSOLE_HOST = {
    "ConsoleHost": {
        "Fn::If": [
            "HasConsoleDomain",
            {"Ref": "ConsoleDomainName"},
            {"Fn::GetAtt": ["ConsoleDistribution", "DomainName"]},
        ]
    }
}
CONSOLE_ORIGIN = {"Fn::Sub": ["https://${ConsoleHost}", CONSOLE_HOST]}
CONSOLE_ORIGIN_QUOTED = {"Fn::Sub": ["'https://${ConsoleHost}'", CONSOLE_HOST]}


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
    assert config["Logging"]["Bucket"] == {"Fn::GetAtt": ["AccessLogBucket", "RegionalDomainName"]}
    assert config["Logging"]["IncludeCookies"] is False


def test_the_console_on_its_own_domain_needs_tls_1_2_and_becomes_the_one_origin(
    template: dict[str, Any],
) -> None:
    """With ConsoleDomainName (and its certificate) the distribution answers on that name at TLS 1.2
    or later, and every place the console's origin appears follows it (CORS, sign-in, ConsoleUrl)."""
    config = template["Resources"]["ConsoleDistribution"]["Properties"]["DistributionConfig"]
    condition, custom, default = config["ViewerCertificate"]["Fn::If"]
    assert condition == "HasConsoleDomain"
    assert custom["MinimumProtocolVersion"] in {"TLSv1.2_2021", "TLSv1.2_2025", "TLSv1.3_2025"}
    assert (custom["AcmCertificateArn"], custom["SslSupportMethod"]) == (
        {"Ref": "ConsoleCertificateArn"},
        "sni-only",
    )
    assert default == {"CloudFrontDefaultCertificate": True}
    assert config["Aliases"]["Fn::If"][:2] == ["HasConsoleDomain", [{"Ref": "ConsoleDomainName"}]]
    assert template["Outputs"]["ConsoleUrl"]["Value"] == CONSOLE_ORIGIN
    text = json.dumps(template)
    uses = text.count(json.dumps(CONSOLE_HOST))
    assert uses == 12
    distribution_host = {"Fn::GetAtt": ["ConsoleDistribution", "DomainName"]}
    assert text.count(json.dumps(distribution_host)) == uses  # used nowhere else


def test_console_sign_in_is_the_code_flow_back_to_the_console_only(template: dict[str, Any]) -> None:
    client = template["Resources"]["UserPoolClient"]["Properties"]
    assert client["GenerateSecret"] is False  # a browser cannot keep a secret: PKCE instead
    assert client["AllowedOAuthFlows"] == ["code"]
    assert client["AllowedOAuthFlowsUserPoolClient"] is True
    assert client["CallbackURLs"] == [{"Fn::Sub": ["https://${ConsoleHost}/callback", CONSOLE_HOST]}]
    assert client["LogoutURLs"] == [{"Fn::Sub": ["https://${ConsoleHost}/", CONSOLE_HOST]}]
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


def test_users_cannot_rewrite_their_email_and_a_new_one_counts_only_once_verified(
    template: dict[str, Any],
) -> None:
    """Identity is the user id; still, the email shown (and used to link an agent) is one the
    user proved: the app client cannot write it, and an update needs verification first."""
    pool = template["Resources"]["UserPool"]["Properties"]
    assert pool["UserAttributeUpdateSettings"]["AttributesRequireVerificationBeforeUpdate"] == ["email"]
    assert "email" in pool["AutoVerifiedAttributes"]
    client = template["Resources"]["UserPoolClient"]["Properties"]
    assert client["WriteAttributes"]  # Cognito reads an empty list as "every standard attribute"
    assert "email" not in client["WriteAttributes"]
    assert not any(name.startswith("custom:") for name in client["WriteAttributes"])


def test_the_api_checks_organisation_senders_and_the_senders_send_from_any_verified_identity(
    template: dict[str, Any],
) -> None:
    identities = {"Fn::Sub": "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*"}
    role = template["Resources"]["ApiFunction"]["Properties"]["Policies"]
    statements = [s for policy in role for s in policy.get("Statement", [])]
    [check] = [s for s in statements if "ses:GetEmailIdentity" in s["Action"]]
    assert (check["Action"], check["Resource"]) == (["ses:GetEmailIdentity"], identities)
    for function in ("SendFunction", "AgentsFunction", "ApiFunction"):
        policies = template["Resources"][function]["Properties"]["Policies"]
        [send] = [s for p in policies for s in p.get("Statement", []) if "ses:SendEmail" in s["Action"]]
        assert identities in send["Resource"], f"{function} cannot send from an organisation's sender"


# Event sources whose service invokes the function asynchronously (InvocationType Event).
ASYNC_EVENT_TYPES = {
    "S3",
    "SNS",
    "Schedule",
    "ScheduleV2",
    "EventBridgeRule",
    "CloudWatchEvent",
    "CloudWatchLogs",
}


def _asynchronously_invoked(template: dict[str, Any]) -> set[str]:
    """Functions invoked asynchronously, found from the template: an asynchronous event source, a
    role of a service (EventBridge Scheduler) allowed to invoke it, or another function allowed to
    invoke it (functions invoke functions only through ``dispatch.functions``, as ``Event``)."""
    resources = template["Resources"]
    functions = {n for n, s in resources.items() if s["Type"] == "AWS::Serverless::Function"}
    found = {
        name
        for name in functions
        for event in resources[name]["Properties"].get("Events", {}).values()
        if event["Type"] in ASYNC_EVENT_TYPES
    }
    for name in functions:
        for policy in resources[name]["Properties"].get("Policies", []):
            if isinstance(policy, dict) and "LambdaInvokePolicy" in policy:
                found |= _references(policy["LambdaInvokePolicy"]) & functions
    for spec in resources.values():
        if spec["Type"] == "AWS::IAM::Role":
            for policy in spec["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    if "lambda:InvokeFunction" in statement["Action"]:
                        found |= _references(statement["Resource"]) & functions
    return found


def test_functions_invoke_functions_only_asynchronously() -> None:
    """What _asynchronously_invoked relies on: every Lambda invoke in the code is an Event."""
    calls = [
        (path, line)
        for folder in ("layers", "functions")
        for path in (ROOT / folder).rglob("*.py")
        for line in path.read_text().splitlines()
        if 'client("lambda")' in line or ".invoke(" in line
    ]
    assert calls, "no Lambda invocation found: the scan is stale"
    for path, _ in calls:
        assert 'InvocationType="Event"' in path.read_text(), path


def test_every_asynchronously_invoked_function_keeps_its_failures_and_alarms_on_errors(
    template: dict[str, Any], expanded: dict[str, Any]
) -> None:
    resources = template["Resources"]
    asynchronous = _asynchronously_invoked(template)
    assert asynchronous == {
        "ValidateFunction",  # S3 notifications
        "LifecycleFunction",  # clones, invoked as Event by the API
        "ExportFunction",  # invoked as Event by the API
        "ScheduleFunction",  # EventBridge Scheduler
        "SweepFunction",  # EventBridge Scheduler (ScheduleV2)
    }
    alarms = [s["Properties"] for s in resources.values() if s["Type"] == "AWS::CloudWatch::Alarm"]
    for name in sorted(asynchronous):
        config = resources[name]["Properties"].get("EventInvokeConfig")
        assert config, f"{name} is invoked asynchronously but has no EventInvokeConfig"
        assert 0 <= config["MaximumRetryAttempts"] <= 2
        assert 60 <= config["MaximumEventAgeInSeconds"] <= 21600
        on_failure = config["DestinationConfig"]["OnFailure"]
        assert on_failure["Type"] == "SQS"
        [queue] = _references(on_failure["Destination"])
        assert resources[queue]["Type"] == "AWS::SQS::Queue"
        assert any(
            (a["Namespace"], a["MetricName"]) == ("AWS/Lambda", "Errors")
            and a["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": name}}]
            for a in alarms
        ), f"no Errors alarm on {name}"
        assert any(
            (a["Namespace"], a["MetricName"]) == ("AWS/SQS", "ApproximateNumberOfMessagesVisible")
            and a["Dimensions"] == [{"Name": "QueueName", "Value": {"Fn::GetAtt": [queue, "QueueName"]}}]
            for a in alarms
        ), f"no depth alarm on {queue}"
        role = expanded["Resources"][f"{name}Role"]["Properties"]
        assert any(
            statement["Action"] in ("sqs:SendMessage", ["sqs:SendMessage"])
            and statement["Resource"] == {"Fn::GetAtt": [queue, "Arn"]}
            for policy in role["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]
        ), f"{name} cannot send to {queue}"
