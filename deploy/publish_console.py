"""``make deploy``'s last step: the console bundle and its ``config.json`` into the stack's console
bucket, then a CloudFront invalidation of the two files that name everything else.

A post-deploy step, not a custom resource: CloudFormation cannot upload the bundle (it is built on
the deploying machine), so ``config.json`` goes with it in the same step, from the stack's outputs,
and the stack holds no function with write access to the console bucket. The step is idempotent;
running it again after ``sam deploy`` (or alone) brings the console up to date.

    python -m deploy.publish_console --config-env dev [--dist console/dist/aws]
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import boto3

from deploy.console_site import cache_control, cognito_config

ROOT = Path(__file__).resolve().parent.parent
NEEDED = (
    "ApiUrl",
    "UserPoolId",
    "UserPoolClientId",
    "HostedUiUrl",
    "ConsoleBucketName",
    "ConsoleDistributionId",
)


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}


def bundle_files(dist: Path) -> list[Path]:
    """The bundle's files, index.html last: a browser that gets the new index.html finds its chunks."""
    if not (dist / "index.html").is_file():
        raise FileNotFoundError(f"{dist} holds no built console: run `make build` first")
    files = [path for path in dist.rglob("*") if path.is_file() and ".vite" not in path.parts]
    return sorted(files, key=lambda path: (path.name == "index.html", str(path)))


def publish(dist: Path, outputs: dict[str, str], region: str, s3: Any, cloudfront: Any) -> dict[str, Any]:
    """Uploads the bundle and config.json; returns the config written."""
    missing = [name for name in NEEDED if name not in outputs]
    if missing:
        raise KeyError(f"the stack has no output {', '.join(missing)}: deploy template.yaml first")
    bucket = outputs["ConsoleBucketName"]
    config = cognito_config(
        outputs["ApiUrl"], region, outputs["UserPoolId"], outputs["UserPoolClientId"], outputs["HostedUiUrl"]
    )
    for path in bundle_files(dist):
        key = path.relative_to(dist).as_posix()
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=path.read_bytes(),
            ContentType=mimetypes.guess_type(path.name)[0] or "application/octet-stream",
            CacheControl=cache_control(key),
        )
    s3.put_object(
        Bucket=bucket,
        Key="config.json",
        Body=json.dumps(config, indent=2).encode(),
        ContentType="application/json",
        CacheControl=cache_control("config.json"),
    )
    cloudfront.create_invalidation(
        DistributionId=outputs["ConsoleDistributionId"],
        InvalidationBatch={
            "Paths": {"Quantity": 2, "Items": ["/index.html", "/config.json"]},
            "CallerReference": f"publish-console-{time.time_ns()}",
        },
    )
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="publish_console", description=__doc__.split("\n\n")[0])
    parser.add_argument("--config-env", default="default", help="the samconfig.toml environment")
    parser.add_argument("--dist", type=Path, default=ROOT / "console" / "dist" / "aws")
    args = parser.parse_args(argv)
    samconfig = tomllib.loads((ROOT / "samconfig.toml").read_text())
    environment = samconfig.get(args.config_env, {})
    stack_name = environment.get("global", {}).get("parameters", {}).get("stack_name")
    region = environment.get("deploy", {}).get("parameters", {}).get("region", "us-east-1")
    if not stack_name:
        print(f"samconfig.toml has no stack_name for {args.config_env!r}", file=sys.stderr)
        return 2
    outputs = stack_outputs(boto3.client("cloudformation", region_name=region), stack_name)
    publish(args.dist, outputs, region, boto3.client("s3", region_name=region), boto3.client("cloudfront"))
    print(f"console published: {outputs.get('ConsoleUrl', '(no ConsoleUrl output)')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
