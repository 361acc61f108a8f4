"""The local stack's template resolver: what it resolves is what the functions get."""

from __future__ import annotations

from pathlib import Path

import pytest

from local.template import Resolver, load

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver(load(ROOT / "template.yaml"), {"Stage": "local"})


def test_parameters_default_from_the_template(resolver: Resolver) -> None:
    assert resolver.parameters["SendConcurrency"] == "1"
    assert resolver.parameters["Stage"] == "local"


def test_sub_ref_and_getatt(resolver: Resolver) -> None:
    assert resolver.resolve({"Fn::Sub": "x-${Stage}-${AWS::Region}"}) == "x-local-us-east-1"
    assert resolver.resolve({"Ref": "UploadBucket"}) == "batch-dispatch-local-123456789012-us-east-1"
    assert resolver.resolve({"Fn::GetAtt": ["GenerateFunction", "Arn"]}).endswith(
        ":function:batch-dispatch-local-GenerateFunction"
    )
    assert resolver.resolve({"Ref": "BatchStateMachine"}).endswith(":stateMachine:batch-dispatch-local")
    assert resolver.resolve({"Fn::If": ["IsProd", 1, 5]}) == 5


def test_an_unknown_intrinsic_fails_loudly(resolver: Resolver) -> None:
    with pytest.raises(KeyError, match="Fn::ImportValue"):
        resolver.resolve({"Fn::ImportValue": "x"})


def test_a_resource_whose_condition_is_false_is_not_part_of_the_stack() -> None:
    """SenderDomainIdentity exists only with a SenderDomain (as CloudFormation decides)."""
    without = Resolver(load(ROOT / "template.yaml"), {"Stage": "local"})
    assert "SenderDomainIdentity" not in without.resources
    assert "SenderDomainIdentity" in without.template["Resources"]
    domain = Resolver(load(ROOT / "template.yaml"), {"Stage": "local", "SenderDomain": "mail.example.com"})
    assert domain.condition("HasSenderDomain") is True
    identity = domain.resources["SenderDomainIdentity"]["Properties"]
    assert domain.resolve(identity["EmailIdentity"]) == "mail.example.com"
    assert domain.resolve(identity["MailFromAttributes"]["MailFromDomain"]) == "bounce.mail.example.com"


def test_the_console_distribution_resolves_to_a_stand_in_or_to_the_local_console(resolver: Resolver) -> None:
    origin = {"Fn::Sub": "https://${ConsoleDistribution.DomainName}"}
    assert resolver.resolve(origin) == "https://batch-dispatch-local-ConsoleDistribution.cloudfront.local"
    local = Resolver(
        resolver.template, {"Stage": "local"}, {"ConsoleDistribution.DomainName": "127.0.0.1:3001"}
    )
    assert local.resolve(origin) == "https://127.0.0.1:3001"


def test_the_console_origin_follows_its_own_domain_when_one_is_given(resolver: Resolver) -> None:
    """The template's origin expression (!Sub with !If [HasConsoleDomain, …], Fn::Not inside)."""
    origin = resolver.template["Outputs"]["ConsoleUrl"]["Value"]
    assert resolver.resolve(origin) == "https://batch-dispatch-local-ConsoleDistribution.cloudfront.local"
    own = Resolver(resolver.template, {"Stage": "local", "ConsoleDomainName": "console.example.com"})
    assert own.resolve(origin) == "https://console.example.com"
