"""template.yaml, read and resolved for the local stack: the template is the single source of truth.

Intrinsics (Ref, Fn::Sub, Fn::GetAtt, Fn::If, Fn::Join, Fn::Select, Fn::Equals, Fn::Not) are resolved
against local parameter values and the physical names the local stack gives each resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cfnlint.decode import decode

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


def load(path: Path) -> dict[str, Any]:
    template, problems = decode(str(path))
    if template is None:
        raise ValueError(f"{path} could not be read: {problems}")
    return dict(template)


@dataclass
class Resolver:
    """Resolves intrinsic functions in template values for one local deployment."""

    template: dict[str, Any]
    parameters: dict[str, str] = field(default_factory=dict)
    # ``Logical.Attribute`` values of resources that exist only in AWS, as the local stack stands in
    # for them (the console distribution's DomainName is the local console's host and port).
    attributes: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        declared = self.template.get("Parameters", {})
        values = {name: str(spec.get("Default", "")) for name, spec in declared.items()}
        values.update(self.parameters)
        self.parameters = values

    @property
    def resources(self) -> dict[str, Any]:
        """The resources the stack has: those whose ``Condition`` holds (as CloudFormation)."""
        return {
            logical_id: spec
            for logical_id, spec in self.template["Resources"].items()
            if "Condition" not in spec or self.condition(spec["Condition"])
        }

    def physical_name(self, logical_id: str) -> str:
        """The name a resource has locally: its template Name property, or stage + logical id."""
        resource = self.resources[logical_id]
        props = resource.get("Properties", {})
        for key in ("BucketName", "Name", "TopicName", "TableName", "FunctionName", "QueueName", "RoleName"):
            if key in props:
                return str(self.resolve(props[key]))
        return f"batch-dispatch-{self.parameters['Stage']}-{logical_id}"

    def function_events(self, event_type: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(function logical id, event id, unresolved properties) of each function event of a type
        (``S3``, ``SQS``, ``Api``, …): what SAM turns into notifications, mappings and routes."""
        for logical_id, spec in self.resources.items():
            if spec["Type"] != "AWS::Serverless::Function":
                continue
            for event_id, event in spec.get("Properties", {}).get("Events", {}).items():
                if event["Type"] == event_type:
                    yield logical_id, event_id, dict(event.get("Properties", {}))

    def kind(self, logical_id: str) -> str:
        return str(self.resources[logical_id]["Type"])

    def arn(self, logical_id: str) -> str:
        kind = self.kind(logical_id)
        name = self.physical_name(logical_id)
        arns = {
            "AWS::Serverless::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
            "AWS::Serverless::StateMachine": f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}",
            "AWS::SNS::Topic": f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{name}",
            "AWS::S3::Bucket": f"arn:aws:s3:::{name}",
            "AWS::DynamoDB::Table": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}",
            "AWS::SecretsManager::Secret": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{name}",
            "AWS::SQS::Queue": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}",
            "AWS::IAM::Role": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
            "AWS::Scheduler::ScheduleGroup": f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule-group/{name}",
        }
        if kind not in arns:
            raise KeyError(f"no local ARN for {kind} ({logical_id})")
        return arns[kind]

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": f"batch-dispatch-{self.parameters['Stage']}",
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        kind = self.kind(name)
        if kind in {"AWS::Serverless::StateMachine", "AWS::SNS::Topic", "AWS::SecretsManager::Secret"}:
            return self.arn(name)
        if kind == "AWS::SQS::Queue":
            return self.queue_url(name)
        return self.physical_name(name)

    def queue_url(self, logical_id: str) -> str:
        """A queue's URL in AWS's form: moto (decorator or server mode) reads only its last segment."""
        return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{self.physical_name(logical_id)}"

    def get_att(self, logical_id: str, attribute: str) -> str:
        if f"{logical_id}.{attribute}" in self.attributes:
            return self.attributes[f"{logical_id}.{attribute}"]
        if attribute == "DomainName" and self.kind(logical_id) == "AWS::CloudFront::Distribution":
            return f"{self.physical_name(logical_id)}.cloudfront.local"  # no local distribution given
        if attribute == "Arn":
            return self.arn(logical_id)
        if attribute == "Name" or (attribute == "QueueName" and self.kind(logical_id) == "AWS::SQS::Queue"):
            return self.physical_name(logical_id)
        raise KeyError(f"unsupported attribute {logical_id}.{attribute}")

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((key, arg),) = value.items()
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.get_att(logical_id, attribute)
        if key == "Fn::Sub":
            return self._sub(arg)
        if key == "Fn::If":
            condition, when_true, when_false = arg
            return self.resolve(when_true if self.condition(condition) else when_false)
        if key == "Fn::Equals":
            left, right = self.resolve(arg)
            return str(left) == str(right)
        if key == "Fn::Not":
            (operand,) = arg
            return not self.resolve(operand)
        if key == "Fn::Join":
            separator, items = arg
            return str(separator).join(str(item) for item in self.resolve(items))
        if key == "Fn::Select":
            index, items = self.resolve(arg)
            return items[int(index)]
        if key.startswith("Fn::"):
            raise KeyError(f"the local stack cannot resolve {key}")
        return {key: self.resolve(arg)}

    def _sub(self, arg: Any) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name:
                logical_id, attribute = name.split(".", 1)
                return self.get_att(logical_id, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, str(text))
