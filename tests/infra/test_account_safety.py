"""Deploying never harms the account (issue 15 §3), read from the synthesized templates.

Two synths: the default dev stage (the session's ``templates``), and prod moved into dev's account
(another region: the catalog is one per account and region) with every opt-in flag on and every
principal an IAM Identity Center role.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.composer import Lake
from tests.infra.conftest import cdk_context, synth
from tests.infra.helpers import flatten

ACCOUNT = "111111111111"
SSO = f"arn:aws:iam::{ACCOUNT}:role/aws-reserved/sso.amazonaws.com/us-east-1/"
SSO_ADMIN = SSO + "AWSReservedSSO_LakeAdmin_0123456789abcdef"
# zone.yaml's principal names, each mapped to a permission set's role
ZONE_PRINCIPALS = ("crm_export", "applications_cdc", "cs_analyst", "cs_auditor", "exec_analyst", "expense_system",
                   "erp_export", "finance_analyst", "finance_auditor")


def prod_in_dev_account(**flags: object) -> dict[str, Any]:
    envs = cdk_context()["lake:environments"]
    prod = {**envs["prod"], "account": ACCOUNT, "region": "us-east-1", "lakeAdmins": [SSO_ADMIN],
            "sdkForPandasLayerArn": "arn:aws:lambda:us-east-1:336392948345:layer:AWSSDKPandas-Python314-Arm64:6"}
    return {"lake:stage": "prod", "lake:environments": {**envs, "prod": prod}, **flags}


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory, lake: Lake) -> tuple[Lake, dict[str, Template]]:
    names = {n for z in lake.cfg.zones.values() for n in [*z.spec.producers, *z.spec.readers, *z.spec.pii_readers]}
    assert names == set(ZONE_PRINCIPALS)  # the mapping below covers every principal of the sample zones
    principals = {n: SSO + f"AWSReservedSSO_{n}_0123456789abcdef" for n in names}
    return synth(tmp_path_factory.mktemp("cdk.out.prod"), **prod_in_dev_account(**{
        "lake:catalogEncryption": "true", "lake:reservedConcurrency": "true", "lake:principals": principals}))


# --- Lake Formation settings: add admins, keep the account's -------------------------------------

def test_lake_formation_settings_append_the_admins_and_change_no_default(storage: Template) -> None:
    settings = storage.find_resources("AWS::LakeFormation::DataLakeSettings")
    assert len(settings) == 1
    props = next(iter(settings.values()))["Properties"]
    # REPLACE (CloudFormation's default) would remove every administrator not in this list.
    assert props["MutationType"] == "APPEND"
    admins = [flatten(a["DataLakePrincipalIdentifier"]) for a in props["Admins"]]
    assert f"arn:aws:iam::{ACCOUNT}:role/InsightLakeAdmin" in admins
    assert any("cfn-exec-role" in a for a in admins)  # the deployer creates LF-tags and grants
    # The account's default permissions (other workloads may rely on IAMAllowedPrincipals) are not touched ...
    assert not {"CreateDatabaseDefaultPermissions", "CreateTableDefaultPermissions"} & set(props)


def test_the_lakes_own_databases_give_new_tables_no_iam_allowed_principals(templates: dict[str, Template]) -> None:
    # ... the lake's databases opt out instead, so Lake Formation stays the only way into its tables.
    databases = [d for t in templates.values() for d in t.find_resources("AWS::Glue::Database").values()]
    assert len(databases) == 10  # 3 zones x (staging, ods, analytics) + platform
    for db in databases:
        assert db["Properties"]["DatabaseInput"]["CreateTableDefaultPermissions"] == [], db


# --- Account-wide Glue catalog encryption: opt-in ------------------------------------------------

def test_catalog_encryption_is_left_alone_by_default(storage: Template) -> None:
    storage.resource_count_is("AWS::Glue::DataCatalogEncryptionSettings", 0)


def test_catalog_encryption_with_the_lake_key_when_the_flag_opts_in(prod: tuple[Lake, dict]) -> None:
    prod[1]["Storage"].has_resource_properties("AWS::Glue::DataCatalogEncryptionSettings", {
        "CatalogId": ACCOUNT, "DataCatalogEncryptionSettings": {
            "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": Match.any_value()},
            "ConnectionPasswordEncryption": Match.object_like({"ReturnConnectionPasswordEncrypted": True})}})


# --- Reserved concurrency: opt-in ----------------------------------------------------------------

def test_no_function_reserves_concurrency_by_default_queues_bound_it_instead(templates: dict[str, Template]) -> None:
    functions = [f for t in templates.values() for f in t.find_resources("AWS::Lambda::Function").values()]
    assert functions
    assert all("ReservedConcurrentExecutions" not in f["Properties"] for f in functions)
    mappings = templates["Pipeline"].find_resources("AWS::Lambda::EventSourceMapping")
    assert sorted(m["Properties"]["ScalingConfig"]["MaximumConcurrency"] for m in mappings.values()) == [20, 20]


def test_reserved_concurrency_flag_reserves_it(prod: tuple[Lake, dict]) -> None:
    got = sorted(f["Properties"].get("ReservedConcurrentExecutions")
                 for f in prod[1]["Pipeline"].find_resources("AWS::Lambda::Function").values()
                 if f["Properties"].get("Handler", "").startswith(("lambdas.", "infra.")))
    assert got == [2, 5, 20, 20]  # sweep, governor, receiver, validator (no manual dataset: no approval Lambda)


# --- Freshness alarms before a first load --------------------------------------------------------

def test_freshness_alarms_are_quiet_before_a_first_load_and_a_stopped_sweep_alarms(
        templates: dict[str, Template]) -> None:
    alarms = [a["Properties"] for t in templates.values()
              for a in t.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "HoursSinceLoad"}}
                                        ).values()]
    assert len(alarms) == 4
    # No datapoint (the table never loaded, so the sweep publishes nothing for it) is not stale.
    assert {a["TreatMissingData"] for a in alarms} == {"notBreaching"}
    # The sweep that publishes them stopping is an alarm of its own, where missing data breaches.
    templates["Pipeline"].has_resource_properties("AWS::CloudWatch::Alarm", {
        "MetricName": "Invocations", "Namespace": "AWS/Lambda", "Statistic": "Sum", "Period": 3600,
        "ComparisonOperator": "LessThanThreshold", "Threshold": 1, "EvaluationPeriods": 2,
        "TreatMissingData": "breaching", "AlarmActions": [Match.any_value()]})


# --- Two stages in one account -------------------------------------------------------------------

IAM_GLOBAL = {"AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group",
              "AWS::IAM::InstanceProfile"}
# One per account and region, whatever name: two stacks managing it would fight over it.
SINGLETONS = {"AWS::LakeFormation::DataLakeSettings", "AWS::Glue::DataCatalogEncryptionSettings"}
# "...Name" properties that refer to another resource, or name something inside one resource.
NOT_A_NAME = {"DisplayName", "MetricName", "FunctionName", "PolicyName", "IndexName", "AttributeName",
              "DatabaseName", "TableName", "BucketName", "RuleName", "StateMachineName_ref"}


def physical_names(lake: Lake, templates: dict[str, Template]) -> dict[tuple[str, str, str], str]:
    """Every name a template sets explicitly, as (type, where, name) -> stack: ``where`` is the
    region, or "global" for IAM. A name built from another resource's generated name is unique."""
    out: dict[tuple[str, str, str], str] = {}
    for stack in lake.stacks:
        sub = {"<AWS::StackName>": stack.stack_name, "<AWS::Region>": stack.region,
               "<AWS::AccountId>": stack.account, "<AWS::Partition>": "aws", "<AWS::URLSuffix>": "amazonaws.com"}

        def name(value: Any, sub: dict[str, str] = sub, stack: Any = stack) -> str:
            text = flatten(value)
            for k, v in sub.items():
                text = text.replace(k, v)
            # what is left in <...> is another resource of this stack: a generated, unique name
            return re.sub(r"<([^>]+)>", lambda m: f"<{stack.stack_name}/{m.group(1)}>", text)

        for res in templates[stack.node.id].to_json()["Resources"].values():
            kind, props = res["Type"], res.get("Properties", {})
            where = "global" if kind in IAM_GLOBAL else stack.region
            found = [name(v) for k, v in props.items()
                     if (k == "Name" or k.endswith("Name")) and k not in NOT_A_NAME and not isinstance(v, list)]
            found += [f"{name(props.get('DatabaseName', ''))}.{name(props[k]['Name'])}".lstrip(".")
                      for k in ("DatabaseInput", "TableInput") if k in props]
            if kind == "AWS::LakeFormation::DataCellsFilter":
                found += [f"{name(props['DatabaseName'])}.{name(props['TableName'])}.{name(props['Name'])}"]
            if kind == "AWS::LakeFormation::Tag":
                found += [name(props["TagKey"])]
            if kind in SINGLETONS:
                found += [f"the account's {kind}"]
            for n in found:
                out[(kind, where, n)] = stack.stack_name
    return out


def test_dev_and_prod_in_one_account_set_no_colliding_physical_name(
        lake: Lake, templates: dict[str, Template], prod: tuple[Lake, dict]) -> None:
    dev_names, prod_names = physical_names(lake, templates), physical_names(*prod)
    # The comparison sees the names it must: not vacuous.
    assert ("AWS::Athena::WorkGroup", "eu-west-1", "InsightLake-dev-finance") in dev_names
    assert ("AWS::Glue::Database", "us-east-1", "finance_ods") in prod_names
    assert ("AWS::IAM::ManagedPolicy", "global", "InsightLake-prod-finance-readers") in prod_names
    assert ("AWS::Backup::BackupVault", "eu-west-1", "InsightLake-dev-lake") in dev_names
    collisions = sorted(set(dev_names) & set(prod_names))
    assert not collisions, "\n".join(f"{k}: {dev_names[k]} and {prod_names[k]}" for k in collisions)


# --- Identity Center roles as admins and readers -------------------------------------------------

def test_identity_center_roles_get_lake_formation_grants_and_nothing_attached(prod: tuple[Lake, dict]) -> None:
    templates = prod[1]
    attached = [r for t in templates.values()
                for kind in ("AWS::IAM::ManagedPolicy", "AWS::IAM::Policy")
                for p in t.find_resources(kind).values() for r in p["Properties"].get("Roles", [])]
    assert attached  # the lake's own roles still get theirs
    assert not [r for r in attached if "AWSReservedSSO" in flatten(r)], attached
    # Lake Formation knows a role by its ARN without the path (what a session of it presents).
    grantees = {flatten(p["Properties"]["Principal"]["DataLakePrincipalIdentifier"])
                for t in templates.values()
                for p in t.find_resources("AWS::LakeFormation::PrincipalPermissions").values()}
    plain = f"arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_"
    assert {f"{plain}finance_analyst_0123456789abcdef", f"{plain}finance_auditor_0123456789abcdef",
            f"{plain}exec_analyst_0123456789abcdef"} <= grantees
    assert not [g for g in grantees if "aws-reserved" in g]
    admins = templates["Storage"].find_resources("AWS::LakeFormation::DataLakeSettings")
    assert {"DataLakePrincipalIdentifier": f"{plain}LakeAdmin_0123456789abcdef"} in \
        next(iter(admins.values()))["Properties"]["Admins"]
    # What their permission sets reference instead (customer managed policies, by name).
    names = {flatten(p["Properties"].get("ManagedPolicyName", "")) for t in templates.values()
             for p in t.find_resources("AWS::IAM::ManagedPolicy").values()}
    assert {"InsightLake-prod-finance-readers", "InsightLake-prod-finance-producers",
            "InsightLake-prod-erasure-submitters"} <= names
    # The landing bucket still refuses them, by the ARN (with path) their sessions carry.
    deny = next(s for p in templates["Storage"].find_resources("AWS::S3::BucketPolicy").values()
                for s in p["Properties"]["PolicyDocument"]["Statement"]
                if s.get("Sid") == "ZonePrincipalsNeverReadLanding")
    assert SSO + "AWSReservedSSO_finance_analyst_0123456789abcdef" in deny["Condition"]["ArnLike"]["aws:PrincipalArn"]


def test_default_stage_still_attaches_to_ordinary_roles(templates: dict[str, Template]) -> None:
    templates["Zone-finance"].has_resource_properties("AWS::IAM::ManagedPolicy", {
        "ManagedPolicyName": "InsightLake-dev-finance-readers",
        "Roles": Match.array_with(["finance_analyst", "finance_auditor"])})

