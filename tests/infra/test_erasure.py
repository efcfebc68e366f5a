"""Erasure on AWS: the jobs and their role (the only one that deletes lake data), the workflow,
who may submit, and the lifecycle that makes deleted versions physically go."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra.composer import Lake
from lake.config.personal_data import pii_zones
from tests.infra.helpers import arn_ref, as_list, flatten, lf_grants, lid

PII_ZONES = ["customer_success", "finance"]  # executive declares no personal data
READ = {"s3:GetObject", "s3:GetObjectVersion"}
WRITE = {"s3:PutObject", "s3:AbortMultipartUpload"}
DELETES = {"s3:DeleteObject", "s3:DeleteObjectVersion"}


def definition(template: Template, state_machine: Any) -> dict:
    """The state machine's definition, with references shown as <LogicalId>."""
    props = template.to_json()["Resources"][lid(state_machine)]["Properties"]
    parts = props["DefinitionString"]["Fn::Join"][1]
    return json.loads("".join(p if isinstance(p, str) else flatten(p) for p in parts))


def policies_of(template: Template, role_lid: str) -> list[tuple[str, dict]]:
    return [(k, r) for k, r in template.to_json()["Resources"].items()
            if r["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
            and {"Ref": role_lid} in (r["Properties"].get("Roles") or [])]


def s3_pairs(template: Template, role_lid: str) -> set[tuple[str, str]]:
    return {(a, flatten(r)) for _, res in policies_of(template, role_lid)
            for st in res["Properties"]["PolicyDocument"]["Statement"] if st["Effect"] == "Allow"
            for a in as_list(st["Action"]) if a.startswith("s3:") for r in as_list(st["Resource"])}


def test_the_sample_zones_holding_personal_data(lake: Lake) -> None:
    assert pii_zones(lake.cfg) == PII_ZONES


def test_erase_and_vacuum_are_glue5_iceberg_jobs_with_the_backend_arguments(lake: Lake, templates: dict) -> None:
    t, jobs = templates["Pipeline"], lake.pipeline.erasure_jobs
    role = {"Fn::GetAtt": [lid(jobs.role), "Arn"]}
    for job, script in ((jobs.erase, "erase"), (jobs.vacuum, "vacuum")):
        props = t.to_json()["Resources"][lid(job.job)]["Properties"]
        assert props["Role"] == role, script  # the one erasure role
        assert props["GlueVersion"] == "5.0" and props["Command"]["Name"] == "glueetl"
        assert props["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
        assert props["SecurityConfiguration"] == {"Ref": lid(lake.pipeline.glue_security.configuration)}
        args = props["DefaultArguments"]
        assert args["--datalake-formats"] == "iceberg"
        assert "catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog" in args["--conf"]
        assert args["--lake_backend"] == "aws" and "--extra-py-files" in args  # the lake's code zip, like every job
        assert {"--ledger_table", "--ingress_bucket", "--landing_bucket", "--staging_bucket",
                "--alert_topic_arn_pattern", "--platform_alert_topic_arn"} <= set(args)
        assert flatten(args["--TempDir"]).endswith("/glue-temp/erasure/")
    vacuum = t.to_json()["Resources"][lid(jobs.vacuum.job)]["Properties"]["DefaultArguments"]
    assert json.loads(vacuum["--zones"]) == PII_ZONES
    assert int(vacuum["--orphan_min_age_minutes"]) >= 360  # the longest a writer (the erase job) runs


def test_the_erasure_role_deletes_exactly_where_personal_data_may_live(lake: Lake, templates: dict) -> None:
    """Raw layers: the zones holding PII. Iceberg layers: every zone's tables, which erase searches for the
    value itself, rebuilds downstream of what it changed (executive's projections read finance) and sweeps
    of orphan files (the access proof denied them on the erasure drill when only the PII zones had them)."""
    st, role = lake.storage, lid(lake.pipeline.erasure_jobs.role)
    pairs = s3_pairs(templates["Pipeline"], role)
    deletes = {(a, r) for a, r in pairs if a.startswith("s3:Delete")}
    own = [f"{z}/" for z in PII_ZONES]
    every = [f"{z}/" for z in sorted(lake.cfg.zones)]
    landing = [*own, *(f"_quarantine/{p}" for p in own), "_quarantine/_unroutable/", "_erasure/requests/"]
    want = set()
    for bucket, prefixes, actions in ((st.ingress, own, DELETES), (st.landing, landing, DELETES),
                                      (st.staging, own, DELETES),
                                      # replicated Iceberg layers: delete markers only (they replicate)
                                      (st.ods, every, {"s3:DeleteObject"}), (st.analytics, every, {"s3:DeleteObject"})):
        want |= {(a, f"{arn_ref(bucket)}/{p}*") for p in prefixes for a in actions}
    want |= {(a, f"{arn_ref(st.artifacts)}/glue-temp/erasure/*") for a in DELETES}  # its Spark temp dir
    assert deletes == want
    # ingress files are rewritten without the subject (the new version is claimed in the ledger first)
    assert {(a, f"{arn_ref(st.ingress)}/{p}*") for p in own for a in WRITE} <= pairs
    assert {(a, f"{arn_ref(st.landing)}/_erasure/requests/*") for a in READ} <= pairs
    # erase lists the raw layers whole (files named after the subject, stray keys): keys, not contents
    assert {("s3:ListBucket", arn_ref(b)) for b in (st.ingress, st.landing, st.staging)} <= pairs


def test_no_other_role_may_delete_objects_in_a_data_layer(lake: Lake, templates: dict) -> None:
    data = {arn_ref(b) for b in lake.storage.data_buckets.values()}
    erasure = lid(lake.pipeline.erasure_jobs.role)
    registration = lid(lake.storage.lake_formation.registration_role)
    for sid, t in templates.items():
        for plid, res in t.to_json()["Resources"].items():
            if res["Type"] not in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                continue
            roles = {r.get("Ref") if isinstance(r, dict) else r for r in res["Properties"].get("Roles") or []}
            if (sid == "Pipeline" and roles == {erasure}) or (sid == "Storage" and roles == {registration}):
                continue  # Lake Formation vends DELETE only to principals granted DELETE on a table
            for st in res["Properties"]["PolicyDocument"]["Statement"]:
                actions = [a for a in as_list(st["Action"]) if a.startswith("s3:Delete") or a in ("s3:*", "*")]
                resources = [flatten(r) for r in as_list(st.get("Resource", []))]
                touched = [r for r in resources if r == "*" or any(r.startswith(d) for d in data)]
                assert not (st["Effect"] == "Allow" and actions and touched), (sid, plid, actions, touched)


def test_lake_formation_lets_the_erasure_role_change_every_table_of_every_zone(
        lake: Lake, templates: dict) -> None:
    """Every zone (see above): erase searches, rebuilds and sweeps tables beyond the zones holding PII."""
    arn = f"<{lid(lake.pipeline.erasure_jobs.role)}.Arn>"
    zones = set(lake.cfg.zones)
    grants = [g for g in lf_grants(templates["Pipeline"]) if g["principal"] == arn]
    layers = {"staging", "ods", "analytics"}
    assert {(g["type"], frozenset(g["permissions"])): g["expression"] for g in grants} == {
        ("DATABASE", frozenset({"DESCRIBE"})): {"zone": zones, "layer": layers},
        ("TABLE", frozenset({"SELECT", "INSERT", "DELETE", "ALTER", "DESCRIBE"})):
            {"zone": zones, "layer": layers, "sensitivity": {"pii", "general"}},
    }
    assert all(not g["grantable"] for g in grants)


def test_the_workflow_checks_the_request_then_erases_then_removes_history(lake: Lake, templates: dict) -> None:
    t, jobs, sm = templates["Pipeline"], lake.pipeline.erasure_jobs, lake.pipeline.erasure.state_machine
    t.has_resource_properties("AWS::StepFunctions::StateMachine", {
        "TracingConfiguration": {"Enabled": True},
        "LoggingConfiguration": Match.object_like({"Level": "ALL", "IncludeExecutionData": False})})
    states = definition(t, sm)["States"]
    assert states["RequestKey"]["Parameters"] == {
        "key.$": "States.Format('_erasure/requests/{}.json', $.request_id)"}
    assert states["IsAnErasureRequest"]["Choices"] == [
        {"Variable": "$.request_key", "StringEqualsPath": "$.expected.key", "Next": "Erase"}]
    assert states["IsAnErasureRequest"]["Default"] == "NotAnErasureRequest"
    erase = states["Erase"]
    assert erase["Resource"].endswith(":states:::glue:startJobRun.sync")
    assert erase["Parameters"] == {"JobName": f"<{lid(jobs.erase.job)}>", "Arguments": {
        "--request_id.$": "$.request_id", "--request_key.$": "$.request_key", "--run_id.$": "$$.Execution.Name"}}
    assert erase["Next"] == "RemoveHistory"
    vacuum = states["RemoveHistory"]
    assert vacuum["Resource"].endswith(":states:::glue:startJobRun.sync")
    assert vacuum["Parameters"]["JobName"] == f"<{lid(jobs.vacuum.job)}>" and vacuum["Next"] == "Erased"
    for task in (erase, vacuum):
        assert task["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "AlertPlatform"}]
        assert any(r["ErrorEquals"] == ["Glue.ConcurrentRunsExceededException"] for r in task["Retry"])
    assert not any("States.TaskFailed" in r["ErrorEquals"] for r in erase["Retry"])  # not known to be idempotent
    alert = states["AlertPlatform"]
    assert alert["Resource"].endswith(":states:::sns:publish") and alert["Next"] == "Failed"
    assert alert["Parameters"]["TopicArn"] == f"<{lid(lake.pipeline.alerts)}>"
    assert alert["Parameters"]["Message"]["error.$"] == "$.error.Error"  # never the cause: it may quote data
    # the raw value is never an input, an argument or a message
    assert "value" not in json.dumps(definition(t, sm))


def test_erasure_failures_and_time_outs_alarm_the_platform(lake: Lake, templates: dict) -> None:
    templates["Pipeline"].has_resource_properties("AWS::CloudWatch::Alarm", {
        "AlarmActions": [{"Ref": lid(lake.pipeline.alerts)}],
        "Metrics": Match.array_with([Match.object_like({"Expression": "FILL(failed, 0) + FILL(timedOut, 0)"})])})


def test_submitters_put_requests_and_start_erasures_and_nothing_else(lake: Lake, templates: dict) -> None:
    t, p = templates["Pipeline"], lake.pipeline
    policy = t.to_json()["Resources"][lid(p.erasure_submitters.policy)]["Properties"]
    assert policy["Roles"] == ["InsightLakeAdmin"]  # the stage's lakeAdmins
    pairs = {(a, flatten(r)) for st in policy["PolicyDocument"]["Statement"]
             for a in as_list(st["Action"]) for r in as_list(st["Resource"])}
    landing = arn_ref(lake.storage.landing)
    assert {(a, r) for a, r in pairs if a.startswith("s3:")} == {
        (a, f"{landing}/_erasure/requests/*") for a in WRITE}
    assert ("states:StartExecution", f"<{lid(p.erasure.state_machine)}>") in pairs
    outputs = t.to_json()["Outputs"]
    assert outputs["ErasureStateMachineArn"]["Value"] == {"Ref": lid(p.erasure.state_machine)}
    assert {"LandingBucketName", "ErasureSubmitterPolicyArn"} <= set(outputs)


def test_old_versions_where_personal_data_may_live_expire_in_a_day(lake: Lake, storage: Template) -> None:
    resources = storage.to_json()["Resources"]

    def rules(bucket: Any) -> dict[str, dict]:
        """Per prefix, what its rules say together."""
        out: dict[str, dict] = {}
        for r in resources[lid(bucket)]["Properties"]["LifecycleConfiguration"]["Rules"]:
            out.setdefault(r.get("Prefix", ""), {}).update(r)
        return out

    st = lake.storage
    for bucket, prefixes in ((st.ingress, st.pii_prefixes["ingress"]), (st.landing, st.pii_prefixes["landing"]),
                             (st.staging, st.pii_prefixes["staging"]), (st.ods, st.pii_prefixes["ods"]),
                             (st.analytics, st.pii_prefixes["analytics"])):
        got = rules(bucket)
        for prefix in prefixes:
            assert got[prefix]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}, prefix
            assert got[prefix]["ExpiredObjectDeleteMarker"] is True
        assert "executive/" not in got  # no personal data declared: old versions keep 90 days
        assert got[""]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert {"finance/", "_quarantine/finance/", "_quarantine/_unroutable/", "_erasure/requests/"} <= set(rules(
        st.landing))
    storage.has_resource_properties("AWS::S3::Bucket", {"LifecycleConfiguration": {"Rules": Match.array_with([
        Match.object_like({"Prefix": "_erasure/requests/", "ExpirationInDays": 30})])}})


def _worst_case(node: Any) -> Any:
    """The document as IAM would count it, each value CloudFormation fills in at its longest
    (a bucket ARN: 13 + 63 characters)."""
    if isinstance(node, list):
        return [_worst_case(n) for n in node]
    if not isinstance(node, dict):
        return node
    if "Fn::Join" in node:
        return node["Fn::Join"][0].join(str(_worst_case(i)) for i in node["Fn::Join"][1])
    if {"Ref", "Fn::GetAtt", "Fn::ImportValue"} & node.keys():
        return "arn:aws:s3:::" + "b" * 63
    return {k: _worst_case(v) for k, v in node.items()}


@pytest.mark.slow
def test_with_fifty_zones_the_erasure_role_fits_iam_limits(fifty: tuple[Lake, dict[str, Template]]) -> None:
    lake, templates = fifty
    t, role = templates["Pipeline"], lid(lake.pipeline.erasure_jobs.role)
    policies = policies_of(t, role)
    sizes = {k: len(json.dumps(_worst_case(r["Properties"]["PolicyDocument"]), separators=(",", ":")))
             for k, r in policies}
    managed = [k for k, r in policies if r["Type"] == "AWS::IAM::ManagedPolicy"]
    inline = [k for k, r in policies if r["Type"] == "AWS::IAM::Policy"]
    assert len(managed) <= 10, sizes  # managed policies per role (default quota)
    assert all(sizes[k] <= 6144 for k in managed), sizes
    assert sum(sizes[k] for k in inline) <= 10240, sizes
    pairs = s3_pairs(t, role)
    for layer, bucket in lake.storage.data_buckets.items():
        assert ("s3:DeleteObject", f"{arn_ref(bucket)}/zone49/*") in pairs, layer
