"""`make deploy`'s console step: the bundle and config.json into the console bucket, then an
invalidation of the files that name the rest (moto stands in for S3 and CloudFront)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from deploy.publish_console import publish

REGION = "us-east-1"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / ".vite").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "assets" / "index-abc.js").write_text("export {}")
    (tmp_path / ".vite" / "manifest.json").write_text("{}")
    return tmp_path


def outputs(distribution_id: str) -> dict[str, str]:
    return {
        "ApiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/dev/",
        "UserPoolId": "us-east-1_Pool",
        "UserPoolClientId": "client-1",
        "HostedUiUrl": "https://batch-dispatch-dev-123456789012.auth.us-east-1.amazoncognito.com",
        "ConsoleBucketName": "console-bucket",
        "ConsoleDistributionId": distribution_id,
    }


def distribution(cloudfront: Any) -> str:
    config = {
        "CallerReference": "test",
        "Comment": "console",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [
                {
                    "Id": "s3",
                    "DomainName": "console-bucket.s3.amazonaws.com",
                    "S3OriginConfig": {"OriginAccessIdentity": ""},
                }
            ],
        },
        "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https"},
    }
    return str(cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"])


@mock_aws
def test_the_bundle_and_config_json_are_uploaded_with_their_cache_rules_then_invalidated(dist: Path) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    cloudfront = boto3.client("cloudfront", region_name=REGION)
    s3.create_bucket(Bucket="console-bucket")
    distribution_id = distribution(cloudfront)

    config = publish(dist, outputs(distribution_id), REGION, s3, cloudfront)

    assert config == {
        "apiUrl": "https://abc123.execute-api.us-east-1.amazonaws.com/dev",
        "auth": {
            "mode": "cognito",
            "authority": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool",
            "clientId": "client-1",
            "domain": "https://batch-dispatch-dev-123456789012.auth.us-east-1.amazoncognito.com",
        },
    }
    keys = {item["Key"] for item in s3.list_objects_v2(Bucket="console-bucket")["Contents"]}
    assert keys == {"index.html", "assets/index-abc.js", "config.json"}  # not Vite's manifest
    stored = s3.get_object(Bucket="console-bucket", Key="config.json")
    assert json.loads(stored["Body"].read()) == config
    assert stored["CacheControl"] == "no-cache"
    asset = s3.head_object(Bucket="console-bucket", Key="assets/index-abc.js")
    assert asset["CacheControl"] == "public, max-age=31536000, immutable"
    assert asset["ContentType"] in {"text/javascript", "application/javascript"}
    [invalidation] = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"][
        "Items"
    ]
    paths = cloudfront.get_invalidation(DistributionId=distribution_id, Id=invalidation["Id"])
    assert paths["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] == ["/index.html", "/config.json"]


def test_nothing_is_published_without_a_build_or_without_the_stacks_outputs(
    dist: Path, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError, match="make build"):
        publish(tmp_path / "empty", outputs("E1"), REGION, object(), object())
    with pytest.raises(KeyError, match="ConsoleBucketName"):
        publish(
            dist,
            {k: v for k, v in outputs("E1").items() if k != "ConsoleBucketName"},
            REGION,
            object(),
            object(),
        )
