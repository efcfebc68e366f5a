"""`python -m infra.preflight`: the roles a stage grants to exist before a deploy, or a clear error."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from infra import preflight

ACCOUNT = "123456789012"  # moto's
SSO_PATH = "/aws-reserved/sso.amazonaws.com/eu-west-1/"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ZONE_ROLES = ("crm_export", "applications_cdc", "cs_analyst", "cs_auditor", "exec_analyst", "expense_system",
              "erp_export", "finance_analyst", "finance_auditor")


def environments(admins: list[str]) -> str:
    return json.dumps({"dev": {"account": ACCOUNT, "region": "eu-west-1", "lakeAdmins": admins,
                               "sdkForPandasLayerArn": "arn:aws:lambda:eu-west-1:336392948345:layer:x:6"}})


@pytest.fixture
def iam():
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


def run(capsys: pytest.CaptureFixture[str], admins: list[str], principals: dict[str, str] | None = None) -> tuple:
    args = ["--stage", "dev", "-c", f"lake:environments={environments(admins)}"]
    if principals:
        args += ["-c", f"lake:principals={json.dumps(principals)}"]
    code = preflight.main(args)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_missing_roles_fail_naming_each_role_and_where_the_config_names_it(iam, capsys) -> None:
    for name in ZONE_ROLES:
        if name != "finance_auditor":
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    code, text = run(capsys, admins=[f"arn:aws:iam::{ACCOUNT}:role/InsightLakeAdmin"])
    assert code == 1
    assert "2 of 10 principals the stage grants to do not exist" in text
    assert (f"arn:aws:iam::{ACCOUNT}:role/InsightLakeAdmin: no role named InsightLakeAdmin; "
            "named in lake:environments.dev.lakeAdmins") in text
    assert (f"arn:aws:iam::{ACCOUNT}:role/finance_auditor: no role named finance_auditor; "
            "named in insight_zones/finance/zone.yaml pii_readers") in text


def test_identity_center_roles_pass_when_provisioned_and_their_path_is_checked(iam, capsys) -> None:
    for name in ZONE_ROLES:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    sso = iam.create_role(RoleName="AWSReservedSSO_LakeAdmin_0123", Path=SSO_PATH,
                          AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    code, text = run(capsys, admins=[sso])
    assert (code, text.strip()) == (0, "preflight: all 10 principals exist")
    # Named without its path: the role exists, but not as that ARN (a grant to it would not reach it).
    plain = f"arn:aws:iam::{ACCOUNT}:role/AWSReservedSSO_LakeAdmin_0123"
    code, text = run(capsys, admins=[plain])
    assert code == 1 and f"role AWSReservedSSO_LakeAdmin_0123 exists as {sso}, not {plain}" in text
    assert "Identity Center roles live under /aws-reserved/sso.amazonaws.com/<region>/" in text


def test_a_permission_set_not_yet_provisioned_says_so(iam, capsys) -> None:
    for name in ZONE_ROLES:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    sso = f"arn:aws:iam::{ACCOUNT}:role{SSO_PATH}AWSReservedSSO_Readers_0123"
    code, text = run(capsys, admins=[f"arn:aws:iam::{ACCOUNT}:role/x"], principals={"finance_analyst": sso})
    assert code == 1
    assert (f"{sso}: no role named AWSReservedSSO_Readers_0123 (an IAM Identity Center role appears once its "
            "permission set is provisioned to this account); named in insight_zones/finance/zone.yaml readers") in text


def test_bad_settings_exit_2(capsys) -> None:
    assert preflight.main(["--stage", "nope"]) == 2
    assert "lake:stage 'nope' is not one of" in capsys.readouterr().err
