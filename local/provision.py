"""Creates the emulated resources of template.yaml in moto, through the AWS APIs.

Each resource type the application uses has a small creator here; the types that have no local
meaning (logs, alarms, policies, Cognito, API Gateway, CloudFront, layers) are listed and skipped. A type that
is neither fails loudly, so the template can never silently drift from the local stack. Creators run
type by type in the order of ``provision``, so what a resource points at exists before it.
"""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from local import s3_events, ses_events, ses_suppression
from local.lambdas import InProcessRuntime, LocalFunction
from local.template import ACCOUNT_ID, REGION, Resolver

SKIPPED = frozenset(
    {
        "AWS::Serverless::LayerVersion",  # the dispatch package and its dependencies are installed in .venv
        "AWS::Serverless::Api",  # served by local.apigw
        "AWS::Logs::LogGroup",
        "AWS::CloudWatch::Alarm",
        "AWS::S3::BucketPolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::Cognito::UserPool",  # replaced by local development tokens
        "AWS::Cognito::UserPoolClient",
        "AWS::Cognito::UserPoolGroup",
        "AWS::Cognito::UserPoolDomain",  # the hosted UI: the local console has the development sign-in
        "AWS::CloudFront::Distribution",  # the console: served by local.console (its headers included)
        "AWS::CloudFront::OriginAccessControl",
        "AWS::CloudFront::ResponseHeadersPolicy",  # read by local.console for the same security headers
        "AWS::CloudFront::Function",  # its SPA routing: local.console serves index.html for screens
        "AWS::SES::ConfigurationSetEventDestination",  # emulated from the template by local.ses_events
        "AWS::SQS::QueuePolicy",  # moto enforces no resource policies: SNS delivers to the queue without it
        "AWS::KMS::Key",  # the events topic's key: moto's SNS does not encrypt, and SES events are simulated
        "AWS::ApiGateway::Account",  # the CloudWatch role for API access logs (local.apigw keeps none)
    }
)
# Queue properties that are SQS attributes of the same name (the redrive policy is resolved apart).
_QUEUE_ATTRIBUTES = ("DelaySeconds", "MessageRetentionPeriod", "SqsManagedSseEnabled", "VisibilityTimeout")
LAMBDA_ROLE = f"arn:aws:iam::{ACCOUNT_ID}:role/batch-dispatch-local-lambda"


class Provisioner:
    def __init__(
        self,
        root: Path,
        resolver: Resolver,
        endpoint: str | None,
        runtime: InProcessRuntime,
        base_environment: dict[str, str],
        *,
        notifications: bool = True,
    ) -> None:
        self.notifications = notifications
        self.root = root
        self.resolver = resolver
        self.runtime = runtime
        self.base_environment = base_environment
        self._clients: dict[str, Any] = {}
        self._endpoint = endpoint
        self._queues: set[str] = set()

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, endpoint_url=self._endpoint, region_name=REGION)
        return self._clients[service]

    def provision(self) -> None:
        creators: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::S3::Bucket": self._bucket,
            "AWS::DynamoDB::Table": self._table,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::SNS::Topic": self._topic,
            "AWS::SQS::Queue": self._queue,
            "AWS::SNS::Subscription": self._subscription,  # after the topics and queues it joins
            "AWS::SES::ConfigurationSet": self._configuration_set,
            "AWS::SES::EmailIdentity": self._email_identity,  # a SenderDomain: verified at once here
            "AWS::IAM::Role": self._role,
            "AWS::Scheduler::ScheduleGroup": self._schedule_group,  # its schedules: local.scheduler
            "AWS::Serverless::Function": self._function,
            "AWS::Serverless::StateMachine": self._state_machine,
        }
        resources = self.resolver.resources
        unknown = {spec["Type"] for spec in resources.values()} - set(creators) - SKIPPED
        if unknown:
            raise NotImplementedError(f"the local stack does not know {sorted(unknown)}")
        self.client("iam").create_role(
            RoleName=LAMBDA_ROLE.rsplit("/", 1)[-1],
            AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}),
        )
        ses_events.verify_at_once()  # no mailbox or DNS here to complete a verification
        self.client("ses").verify_email_identity(EmailAddress=self.resolver.parameters["SenderEmail"])
        # From now on, emails keep what their SES events need, whenever a simulator publishes them,
        # and S3 notifications carry the object version and the writer, as AWS's do.
        ses_events.install()
        ses_suppression.install()  # moto has no account-level suppression list
        s3_events.install()
        for kind, create in creators.items():  # in order: functions before the state machine
            for logical_id, spec in resources.items():
                if spec["Type"] == kind:
                    create(logical_id, spec.get("Properties", {}))
        if self.notifications:
            self._notifications()

    def _bucket(self, logical_id: str, props: dict[str, Any]) -> None:
        """The bucket, versioned as the template says (events then name the version they announce).
        Lifecycle rules are not applied: moto never expires objects."""
        name = self.resolver.physical_name(logical_id)
        self.client("s3").create_bucket(Bucket=name)
        versioning = self.resolver.resolve(props.get("VersioningConfiguration"))
        if versioning:
            self.client("s3").put_bucket_versioning(
                Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
            )

    def _table(self, logical_id: str, props: dict[str, Any]) -> None:
        request: dict[str, Any] = {
            "TableName": self.resolver.physical_name(logical_id),
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
        }
        if props.get("GlobalSecondaryIndexes"):
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        self.client("dynamodb").create_table(**request)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            self.client("dynamodb").update_time_to_live(
                TableName=request["TableName"], TimeToLiveSpecification=ttl
            )

    def _secret(self, logical_id: str, props: dict[str, Any]) -> None:
        length = int(props.get("GenerateSecretString", {}).get("PasswordLength", 64))
        self.client("secretsmanager").create_secret(
            Name=self.resolver.physical_name(logical_id), SecretString=secrets.token_urlsafe(length)[:length]
        )

    def _topic(self, logical_id: str, props: dict[str, Any]) -> None:
        self.client("sns").create_topic(Name=self.resolver.physical_name(logical_id))

    def _queue(self, logical_id: str, props: dict[str, Any]) -> None:
        """Creates the queue, its dead-letter queue first: SQS refuses a redrive to a missing queue."""
        if logical_id in self._queues:
            return
        attributes = {
            key: _attribute(self.resolver.resolve(props[key])) for key in _QUEUE_ATTRIBUTES if key in props
        }
        if "RedrivePolicy" in props:
            policy = self.resolver.resolve(props["RedrivePolicy"])
            target = self._queue_named_by(policy["deadLetterTargetArn"])
            self._queue(target, self.resolver.resources[target].get("Properties", {}))
            attributes["RedrivePolicy"] = json.dumps(policy)
        self.client("sqs").create_queue(
            QueueName=self.resolver.physical_name(logical_id), Attributes=attributes
        )
        self._queues.add(logical_id)

    def _queue_named_by(self, arn: str) -> str:
        for logical_id, spec in self.resolver.resources.items():
            if spec["Type"] == "AWS::SQS::Queue" and self.resolver.arn(logical_id) == arn:
                return logical_id
        raise KeyError(f"no queue of the template has the ARN {arn}")

    def _subscription(self, logical_id: str, props: dict[str, Any]) -> None:
        self.client("sns").subscribe(
            TopicArn=self.resolver.resolve(props["TopicArn"]),
            Protocol=props["Protocol"],
            Endpoint=self.resolver.resolve(props["Endpoint"]),
            Attributes={"RawMessageDelivery": _attribute(bool(props.get("RawMessageDelivery", False)))},
        )

    def _email_identity(self, logical_id: str, props: dict[str, Any]) -> None:
        identity = self.resolver.resolve(props["EmailIdentity"])
        self.client("sesv2").create_email_identity(EmailIdentity=identity)

    def _configuration_set(self, logical_id: str, props: dict[str, Any]) -> None:
        self.client("ses").create_configuration_set(
            ConfigurationSet={"Name": self.resolver.physical_name(logical_id)}
        )

    def _role(self, logical_id: str, props: dict[str, Any]) -> None:
        """The role exists so that what names it resolves; its policies are not attached (moto
        enforces no IAM policy)."""
        self.client("iam").create_role(
            RoleName=self.resolver.physical_name(logical_id),
            AssumeRolePolicyDocument=json.dumps(self.resolver.resolve(props["AssumeRolePolicyDocument"])),
        )

    def _schedule_group(self, logical_id: str, props: dict[str, Any]) -> None:
        self.client("scheduler").create_schedule_group(Name=self.resolver.physical_name(logical_id))

    def function_environment(self, props: dict[str, Any]) -> dict[str, str]:
        globals_env = self.resolver.template.get("Globals", {}).get("Function", {}).get("Environment", {})
        merged = {
            **self.resolver.resolve(globals_env.get("Variables", {})),
            **self.resolver.resolve(props.get("Environment", {}).get("Variables", {})),
        }
        # The local facts (the API's URL, the log level) apply to every function: in AWS the API
        # function learns its URL from each request instead.
        return {key: str(value) for key, value in {**merged, **self.base_environment}.items()}

    def _function(self, logical_id: str, props: dict[str, Any]) -> None:
        name = self.resolver.physical_name(logical_id)
        environment = self.function_environment(props)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as bundle:
            bundle.writestr("README", "code runs in-process from " + str(props["CodeUri"]))
        self.client("lambda").create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=LAMBDA_ROLE,
            Handler=props["Handler"],
            Code={"ZipFile": archive.getvalue()},
            Environment={"Variables": environment},
            Timeout=int(props.get("Timeout", 60)),
        )
        invoke_config = self.resolver.resolve(props.get("EventInvokeConfig", {}))
        self.runtime.register(
            LocalFunction(
                name=name,
                code_dir=self.root / str(props["CodeUri"]),
                handler=str(props["Handler"]),
                environment=environment,
                timeout=int(props.get("Timeout", 60)),
                max_retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
                on_failure=self._on_failure(invoke_config.get("DestinationConfig", {}).get("OnFailure")),
            )
        )

    def _on_failure(self, destination: dict[str, Any] | None) -> Callable[[dict[str, Any]], None] | None:
        """An SQS on-failure destination as a callable that queues Lambda's destination record."""
        if destination is None:
            return None
        if destination.get("Type") != "SQS":
            raise NotImplementedError(f"the local stack has no on-failure destination of type {destination}")
        url = self.resolver.queue_url(self._queue_named_by(destination["Destination"]))
        sqs = self.client("sqs")
        return lambda record: sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record, default=str))

    def _state_machine(self, logical_id: str, props: dict[str, Any]) -> None:
        definition = (self.root / str(props["DefinitionUri"])).read_text()
        for key, value in self.resolver.resolve(props.get("DefinitionSubstitutions", {})).items():
            definition = definition.replace("${" + key + "}", str(value))
        json.loads(definition)  # a substitution that broke the JSON fails here, not mid-execution
        self.client("stepfunctions").create_state_machine(
            name=self.resolver.physical_name(logical_id),
            definition=definition,
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/batch-dispatch-local-states",
            type=props.get("Type", "STANDARD"),
        )

    def _notifications(self) -> None:
        """S3 events of the functions become the bucket's notification configuration."""
        by_bucket: dict[str, list[dict[str, Any]]] = {}
        for logical_id, event_id, props in self.resolver.function_events("S3"):
            bucket = self.resolver.resolve(props["Bucket"])
            events = props["Events"] if isinstance(props["Events"], list) else [props["Events"]]
            config: dict[str, Any] = {
                "Id": f"{logical_id}-{event_id}",
                "LambdaFunctionArn": self.resolver.arn(logical_id),
                "Events": events,
            }
            if "Filter" in props:
                config["Filter"] = {"Key": {"FilterRules": props["Filter"]["S3Key"]["Rules"]}}
            by_bucket.setdefault(bucket, []).append(config)
        for bucket, configs in by_bucket.items():
            self.client("s3").put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": configs}
            )


def _attribute(value: Any) -> str:
    """An attribute value as SQS and SNS take it: strings, booleans spelled ``true``/``false``."""
    return str(value).lower() if isinstance(value, bool) else str(value)
