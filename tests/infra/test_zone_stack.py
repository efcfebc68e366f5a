"""One zone stack in detail, plus a snapshot of the finance zone's template."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from aws_cdk.assertions import Match

from infra.composer import Lake

SNAPSHOT = Path(__file__).parent / "snapshots" / "zone-finance.json"


def test_workgroup_enforces_encrypted_results_in_the_zone_prefix_and_a_scan_cutoff(templates: dict) -> None:
    templates["Zone-finance"].has_resource_properties("AWS::Athena::WorkGroup", {
        "Name": "InsightLake-dev-finance",
        "WorkGroupConfiguration": {
            "EnforceWorkGroupConfiguration": True,
            "PublishCloudWatchMetricsEnabled": True,
            "BytesScannedCutoffPerQuery": 10 * 1024**3,
            "EngineVersion": {"SelectedEngineVersion": "Athena engine version 3"},
            "ResultConfiguration": {
                "OutputLocation": Match.any_value(),  # s3://<results bucket>/finance/ (checked below)
                "EncryptionConfiguration": {"EncryptionOption": "SSE_KMS", "KmsKey": Match.any_value()},
                "ExpectedBucketOwner": "111111111111",
            },
        },
    })
    wg = next(iter(templates["Zone-finance"].find_resources("AWS::Athena::WorkGroup").values()))
    location = wg["Properties"]["WorkGroupConfiguration"]["ResultConfiguration"]["OutputLocation"]
    assert location["Fn::Join"][1][-1] == "/finance/"


def test_reader_policy_queries_only_the_zone_workgroup(templates: dict) -> None:
    t = templates["Zone-finance"]
    t.has_resource_properties("AWS::IAM::ManagedPolicy", {
        "Roles": Match.array_with(["finance_analyst", "finance_auditor"]),
        "PolicyDocument": {"Statement": Match.array_with([Match.object_like({
            "Sid": "QueryInTheZoneWorkgroup",
            "Resource": "arn:aws:athena:eu-west-1:111111111111:workgroup/InsightLake-dev-finance"})])}})


def test_zone_alerts_reach_owners_and_stewards_through_an_encrypted_topic(templates: dict) -> None:
    t = templates["Zone-finance"]
    t.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    emails = {s["Properties"]["Endpoint"] for s in t.find_resources("AWS::SNS::Subscription").values()}
    assert emails == {"fiona.reyes@example.com", "omar.haddad@example.com"}
    for s in t.find_resources("AWS::SNS::Subscription").values():
        assert "RedrivePolicy" in s["Properties"]


def test_glue_jobs_run_glue5_with_the_zone_security_configuration(lake: Lake, templates: dict) -> None:
    t = templates["Zone-finance"]
    t.resource_count_is("AWS::Glue::Job", 2)
    t.resource_properties_count_is("AWS::Glue::Job", {
        "GlueVersion": "5.0", "SecurityConfiguration": {"Ref": Match.any_value()},
        "Command": {"Name": "glueetl", "PythonVersion": "3", "ScriptLocation": Match.any_value()},
        "DefaultArguments": Match.object_like({"--datalake-formats": "iceberg", "--zone": "finance",
                                               "--extra-py-files": Match.any_value()}),
    }, 2)
    t.has_resource_properties("AWS::Glue::SecurityConfiguration", {"EncryptionConfiguration": {
        "S3Encryptions": [Match.object_like({"S3EncryptionMode": "SSE-KMS"})],
        "CloudWatchEncryption": Match.object_like({"CloudWatchEncryptionMode": "SSE-KMS"}),
        "JobBookmarksEncryption": Match.object_like({"JobBookmarksEncryptionMode": "CSE-KMS"})}})
    # executive has no datasets: no to_ods job, only projections
    templates["Zone-executive"].resource_count_is("AWS::Glue::Job", 1)


def test_promotion_state_machine_is_logged_traced_and_triggered(templates: dict) -> None:
    t = templates["Zone-finance"]
    t.has_resource_properties("AWS::StepFunctions::StateMachine", {
        "TracingConfiguration": {"Enabled": True},
        "LoggingConfiguration": Match.object_like({"Level": "ALL"})})
    t.has_resource_properties("AWS::Events::Rule", {"EventPattern": {
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [Match.any_value()]}, "object": {"key": [{"prefix": "finance/"}]}}}})
    definition = json.dumps(next(iter(t.find_resources("AWS::StepFunctions::StateMachine").values())))
    for state in ("PromoteToOds", "BuildProjectionsAfterOds", "AnnounceTables", "AlertZone"):
        assert state in definition
    templates["Zone-executive"].has_resource_properties("AWS::Events::Rule", {"EventPattern": {
        "source": ["insight-lake"], "detail-type": ["Tables Updated"],
        "detail": {"tables": ["customer_success_analytics.account_pipeline", "finance_analytics.expense_summary"]}}})


def _sort_asset_lists(node: object) -> object:
    # Lists ordered by asset hash (CDK sorts merged policy resources) keep no meaningful order.
    if isinstance(node, dict):
        return {k: _sort_asset_lists(v) for k, v in node.items()}
    if isinstance(node, list):
        items = [_sort_asset_lists(v) for v in node]
        if items and all(isinstance(v, str) and "<asset-hash>" in v for v in items):
            return sorted(items)  # type: ignore[type-var]
        return items
    return node


def normalized(template: dict) -> dict:
    """The template without what changes with every code edit or dependency bump."""
    text = json.dumps(template, indent=1, sort_keys=True)
    text = re.sub(r"[0-9a-f]{64}", "<asset-hash>", text)
    # Dependency pins come from requirements.txt; they are not this stack's design.
    text = re.sub(r'"--additional-python-modules": "[^"]*"', '"--additional-python-modules": "<pins>"', text)
    return _sort_asset_lists(json.loads(text))  # type: ignore[return-value]


def test_finance_zone_stack_matches_its_snapshot(templates: dict) -> None:
    """Review any diff: regenerate with UPDATE_SNAPSHOTS=1 when the change is intended."""
    current = normalized(templates["Zone-finance"].to_json())
    if os.environ.get("UPDATE_SNAPSHOTS") or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
    assert current == json.loads(SNAPSHOT.read_text())
