"""Steward approval on AWS: a zone with `promotion: manual` datasets waits in its state machine on a
task token (the approval Lambda), its stewards get a policy to decide, and nothing of it exists
while no dataset is manual (the sample zones). The manual lake is the sample config with
finance/cost_centers made manual; its synth runs cdk-nag, and checkov runs on it too."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Match, Template

from infra.composer import Lake, build
from infra.constructs.promotion_workflow import APPROVAL_WAIT, RUN_TIMEOUT
from lake.config import load_config
from lambdas.approval.handler import ApprovalRequest
from tests.conftest import ZONES
from tests.infra.conftest import ROOT, cdk_context
from tests.infra.helpers import arn_ref, flatten, lid, permissions, statements
from tests.infra.test_checkov import CHECKOV
from tests.lambdas.test_approval import make_manual

DAY = 24 * 3600


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory) -> tuple[Lake, dict[str, Template]]:
    zones = tmp_path_factory.mktemp("manual") / "insight_zones"
    shutil.copytree(ZONES, zones)
    make_manual(zones)  # finance/cost_centers
    app = cdk.App(outdir=str(tmp_path_factory.mktemp("cdk.out.manual")), context=cdk_context())
    lake = build(app, cfg=load_config(zones))
    app.synth()  # cdk-nag included: raises on any unacknowledged finding
    return lake, {s.node.id: Template.from_stack(s) for s in lake.stacks}


def definition(template: Template) -> dict:
    [machine] = template.find_resources("AWS::StepFunctions::StateMachine").values()
    _, parts = machine["Properties"]["DefinitionString"]["Fn::Join"]
    # the JSON text as is, each reference (Ref, GetAtt, import) as flatten() shows it
    return json.loads("".join(p if isinstance(p, str) else flatten(p) for p in parts))


def test_without_manual_datasets_nothing_waits(lake: Lake, templates: dict[str, Template]) -> None:
    assert lake.pipeline.approval is None
    for name, z in lake.zones.items():
        assert z.stewards is None and z.manual == []
        d = definition(templates[f"Zone-{name}"])
        assert d["TimeoutSeconds"] == RUN_TIMEOUT.to_seconds() and "WaitForApproval" not in d["States"]


def test_a_manual_dataset_waits_for_a_steward_on_a_task_token(manual: tuple[Lake, dict[str, Template]]) -> None:
    lake, templates = manual
    d = definition(templates["Zone-finance"])
    states = d["States"]
    assert states["DatasetFromKey"]["Next"] == "NeedsApproval"
    assert states["NeedsApproval"]["Choices"] == [
        {"Variable": "$.promotion.dataset", "StringEquals": "cost_centers", "Next": "WaitForApproval"}]
    # expenses: promoted at once (through the coalesced promotion, which starts by reading the ingest)
    assert states["NeedsApproval"]["Default"] == "ReadIngest"
    wait = states["WaitForApproval"]
    assert wait["Resource"].endswith(":states:::lambda:invoke.waitForTaskToken") and wait["Next"] == "ReadIngest"
    assert wait["TimeoutSeconds"] == APPROVAL_WAIT.to_seconds() == 7 * DAY
    payload = wait["Parameters"]["Payload"]
    assert payload["task_token.$"] == "$$.Task.Token" and payload["staged_key.$"] == "$.detail.object.key"
    assert {k.removesuffix(".$") for k in payload} == set(ApprovalRequest.model_fields)  # what the handler reads
    assert wait["Parameters"]["FunctionName"] == f"<{lid(lake.pipeline.approval.function)}.Arn>"  # type: ignore[union-attr]
    catches = [(c["ErrorEquals"], c["Next"]) for c in wait["Catch"]]
    assert catches == [(["Rejected"], "RejectedNothingToPromote"), (["States.Timeout"], "AlertApprovalTimedOut"),
                       (["States.ALL"], "AlertZone")]
    assert states["RejectedNothingToPromote"]["Type"] == "Succeed"
    assert states["AlertApprovalTimedOut"]["Resource"].endswith(":states:::sns:publish")
    assert states[states["AlertApprovalTimedOut"]["Next"]]["Type"] == "Succeed"
    # the execution outlives the wait; zones without manual datasets keep the short timeout
    assert d["TimeoutSeconds"] == APPROVAL_WAIT.to_seconds() + RUN_TIMEOUT.to_seconds()
    other = definition(templates["Zone-customer_success"])
    assert other["TimeoutSeconds"] == RUN_TIMEOUT.to_seconds() and "WaitForApproval" not in other["States"]


def test_the_state_machine_may_invoke_the_approval_function(manual: tuple[Lake, dict[str, Template]]) -> None:
    lake, templates = manual
    z, fn = lake.zones["finance"], lake.pipeline.approval
    assert fn is not None
    invoked = permissions(templates["Zone-finance"], prefix="lambda:", role_lid=lid(z.workflow.state_machine.role))
    arn = f"<{lid(fn.function)}.Arn>"
    assert invoked == {("lambda:InvokeFunction", arn), ("lambda:InvokeFunction", f"{arn}:*")}


def test_the_approval_function_completes_tokens_of_waiting_zones_only(manual: tuple[Lake, dict[str, Template]]) -> None:
    """When the steward decided first, the approval function completes the token itself."""
    lake, templates = manual
    fn = lake.pipeline.approval
    assert fn is not None
    for name, z in lake.zones.items():
        t = templates[f"Zone-{name}"]
        policies = [res["Properties"] for res in t.find_resources("AWS::IAM::Policy").values()
                    if [flatten(r) for r in res["Properties"]["Roles"]] == [f"<{lid(fn.role)}>"]]
        if not z.manual:
            assert policies == [], name
            continue
        [policy] = policies
        [statement] = policy["PolicyDocument"]["Statement"]
        assert statement["Action"] == ["states:SendTaskFailure", "states:SendTaskSuccess"]
        assert statement["Resource"] == {"Ref": lid(z.workflow.state_machine)}
    assert not any(a.startswith("states:") for a, _ in permissions(templates["Pipeline"], role_lid=lid(fn.role)))


def test_the_approval_function_reaches_approval_records_the_ledger_and_alerts_only(
        manual: tuple[Lake, dict[str, Template]]) -> None:
    lake, templates = manual
    t, fn, st = templates["Pipeline"], lake.pipeline.approval, lake.storage
    assert fn is not None
    t.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "lambdas.approval.handler.handler",
        "Environment": {"Variables": Match.object_like({"LAKE_BACKEND": "aws", "RECORDS_TABLE": Match.any_value(),
                                                         "LEDGER_TABLE": Match.any_value(),
                                                         "ALERT_TOPIC_ARN_PATTERN": Match.any_value()})}})
    role = lid(fn.role)
    approvals = f"{arn_ref(st.staging)}/_platform/approvals/*"  # the objects platform.approvals reads
    assert permissions(t, prefix="s3:", role_lid=role) == {("s3:PutObject", approvals),
                                                           ("s3:AbortMultipartUpload", approvals)}
    db = permissions(t, prefix="dynamodb:", role_lid=role)
    assert {a for a, r in db if r == arn_ref(st.records)} == {"dynamodb:Query", "dynamodb:PutItem"}
    assert {a for a, r in db if r.startswith(arn_ref(st.ledger))} == {"dynamodb:GetItem", "dynamodb:Query"}
    [records] = [s for s in statements(t, role_lid=role) if flatten(s["Resource"]) == arn_ref(st.records)]
    assert records["Condition"] == {"ForAllValues:StringLike": {
        "dynamodb:LeadingKeys": ["approvals#*", "approval_requests#*"]}}
    topics = {r for _, r in permissions(t, prefix="sns:", role_lid=role)}
    assert {f"arn:aws:sns:eu-west-1:111111111111:InsightLake-dev-alerts-{z}" for z in lake.zones} <= topics


def test_stewards_get_a_policy_to_decide_on_their_zone_only(manual: tuple[Lake, dict[str, Template]]) -> None:
    lake, templates = manual
    z, st, t = lake.zones["finance"], lake.storage, templates["Zone-finance"]
    assert z.stewards is not None and lake.zones["customer_success"].stewards is None
    policy = lid(z.stewards)
    sts = list(statements(t, policy_lid=policy))
    pairs = permissions(t, policy_lid=policy)
    machine = f"<{lid(z.workflow.state_machine)}>"
    assert {(a, r) for a, r in pairs if a.startswith("states:")} == {
        ("states:SendTaskSuccess", machine), ("states:SendTaskFailure", machine)}
    [records] = [s for s in sts if flatten(s["Resource"]) == arn_ref(st.records)]
    assert records["Condition"] == {"ForAllValues:StringLike": {
        "dynamodb:LeadingKeys": ["approvals#finance", "approval_requests#finance"]}}
    assert set(records["Action"]) == {"dynamodb:Query", "dynamodb:PutItem"}
    assert {a for a, r in pairs if r.startswith(arn_ref(st.ledger))} == {"dynamodb:GetItem", "dynamodb:Query"}
    assert {r for a, r in pairs if a == "sns:Publish"} == {f"<{lid(z.alerts)}>"}
    mine = f"{arn_ref(st.staging)}/_platform/approvals/zone=finance/*"  # its decisions, for platform.approvals
    assert {(a, r) for a, r in pairs if a.startswith("s3:")} == {("s3:PutObject", mine),
                                                                 ("s3:AbortMultipartUpload", mine)}
    assert not any(a.startswith(("glue:", "athena:")) for a, _ in pairs)
    t.has_output("StewardPolicyArn", {"Value": {"Ref": policy}})


def test_the_manual_lake_has_no_unacknowledged_nag_finding(manual: tuple[Lake, dict[str, Template]]) -> None:
    outdir = Path(manual[0].storage.node.root.outdir)  # type: ignore[attr-defined]
    report = json.loads((outdir / "validation-report.json").read_text())
    packs = {p["pluginName"]: p for p in report["pluginReports"] if p["pluginName"] in ("AwsSolutions", "Serverless")}
    assert set(packs) == {"AwsSolutions", "Serverless"}
    for plugin in packs.values():
        assert plugin["violations"] == [], plugin["pluginName"]


@pytest.mark.skipif(not CHECKOV.exists(), reason="checkov's venv is missing: run infra/checkov.sh once")
def test_checkov_passes_on_the_manual_lake(manual: tuple[Lake, dict[str, Template]]) -> None:
    outdir = Path(manual[0].storage.node.root.outdir)  # type: ignore[attr-defined]
    result = subprocess.run([str(CHECKOV), "--config-file", str(ROOT / ".checkov.yaml"), "--directory", str(outdir),
                             "--output", "json"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    summary = next(r["summary"] for r in reports if r.get("check_type") == "cloudformation")
    failed = [(c["check_id"], c["resource"]) for r in reports for c in r.get("results", {}).get("failed_checks", [])]
    assert summary["failed"] == 0, failed
