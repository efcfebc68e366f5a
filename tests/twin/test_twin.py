"""`make twin`: the demo scenario through the synthesized deployment, offline, against a local run."""

from __future__ import annotations

import pytest

from lake.twin.assembly import Assembly


@pytest.mark.slow
def test_every_component_ran(twin_report) -> None:  # noqa: ANN001
    assert twin_report.problems == []


@pytest.mark.slow
def test_same_answers_as_local(twin_report) -> None:  # noqa: ANN001
    differ = [str(line) for line in twin_report.lines if not line.ok]
    assert twin_report.lines and differ == []
    sections = {line.section for line in twin_report.lines}
    assert {"table", "quarantine report", "ledger", "platform.runs", "alert recipients"} <= sections


@pytest.mark.slow
def test_aws_calls_recorded_per_component(twin_report) -> None:  # noqa: ANN001
    import json

    calls = json.loads(twin_report.calls_file.read_text())["by_component"]
    receiver = next(v for k, v in calls.items() if k.startswith("lambda:") and "Receiver" in k)
    assert receiver.get("s3:CopyObject") or receiver.get("s3:PutObject")
    assert any(k.startswith("glue:") and v.get("s3:PutObject") for k, v in calls.items())
    assert any(k.startswith("states:Zone-finance/") and v.get("glue:StartJobRun") for k, v in calls.items())
    assert calls["producer"] == {"s3:PutObject": 6}
    # What Spark read inside the Glue jobs (lake.twin.sparkreads): to_ods read the staged Parquet it promotes
    saved = json.loads((twin_report.calls_file.parent / "deployment.json").read_text())
    staging = next(v["ref"] for k, v in saved.items() if k.startswith("Storage/StagingBucket"))
    spark_reads = [c["resources"] for c in json.loads(twin_report.calls_file.read_text())["calls"]
                   if c["component"].startswith("glue:Zone-finance/ToOdsJob") and c["action"] == "s3:GetObject"]
    assert any(r["Bucket"] == staging and r["Key"].startswith("finance/") and r["Key"].endswith(".parquet")
               for r in spark_reads), spark_reads[:5]


@pytest.mark.slow
def test_deploys_every_resource_of_the_templates(assembly: Assembly, tmp_path) -> None:  # noqa: ANN001
    from lake.twin.twin import Twin

    twin = Twin.start(assembly, tmp_path)
    try:
        declared = sum(len(s.resources) for s in assembly.stacks)
        assert len(twin.deployment.resources) == declared
        buckets = {b["Name"] for b in twin.client("s3").list_buckets()["Buckets"]}
        assert {r.ref for r in twin.deployment.of_type("AWS::S3::Bucket")} <= buckets
        machines = twin.client("stepfunctions").list_state_machines()["stateMachines"]
        assert len(machines) == len(twin.deployment.of_type("AWS::StepFunctions::StateMachine"))
        # Cross-stack references resolved: a zone job's arguments name the storage stack's bucket.
        staging = next(r.ref for r in twin.deployment.of_type("AWS::S3::Bucket") if r.logical_id.startswith("Staging"))
        jobs = twin.client("glue").get_jobs()["Jobs"]
        assert any(j["DefaultArguments"].get("--staging_bucket") == staging for j in jobs)
    finally:
        twin.stop()
