"""The shared pipeline: events, queues, functions, alarms, and each segment's exact S3 reach."""

from __future__ import annotations

import json

from aws_cdk.assertions import Match, Template

from infra.composer import Lake
from tests.infra.helpers import arn_ref, lid, permissions

READ = {"s3:GetObject", "s3:GetObjectVersion"}
WRITE = {"s3:PutObject", "s3:AbortMultipartUpload"}
LIST = {"s3:ListBucket", "s3:GetBucketLocation"}


def s3(template: Template, role: object) -> set[tuple[str, str]]:
    return permissions(template, prefix="s3:", role_lid=lid(role))  # type: ignore[arg-type]


def expect(bucket: str, keys: str, actions: set[str], listing: bool = False) -> set[tuple[str, str]]:
    out = {(a, f"{bucket}/{keys}") for a in actions}
    return out | ({(a, bucket) for a in LIST} if listing else set())


def test_functions_are_arm64_latest_python_traced_encrypted_and_bounded(lake: Lake, templates: dict) -> None:
    t: Template = templates["Pipeline"]
    storage = lake.storage
    t.resource_properties_count_is("AWS::Lambda::Function", {
        "Architectures": ["arm64"], "Runtime": "python3.14", "TracingConfig": {"Mode": "Active"},
        "KmsKeyArn": Match.any_value(), "ReservedConcurrentExecutions": Match.absent(),  # lake:reservedConcurrency
        "DeadLetterConfig": {"TargetArn": Match.any_value()},
        "Layers": Match.array_with(["{{resolve:ssm:/aws/service/powertools/python/arm64/python3.14/3.37.0}}"]),
    }, 4)  # receiver, validator, sweep, catalog governor
    t.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "lambdas.receiver.handler.handler",
        "Environment": {"Variables": Match.object_like({
            "LAKE_BACKEND": "aws", "INGRESS_BUCKET": Match.any_value(), "LANDING_BUCKET": Match.any_value(),
            "STAGING_BUCKET": Match.any_value(), "LEDGER_TABLE": Match.any_value()})}})
    assert storage.ledger is not None


def test_queue_visibility_is_six_times_the_consumer_timeout(templates: dict) -> None:
    resources = templates["Pipeline"].to_json()["Resources"]
    mappings = [r for r in resources.values() if r["Type"] == "AWS::Lambda::EventSourceMapping"]
    assert len(mappings) == 2
    for m in mappings:
        props = m["Properties"]
        fn = resources[props["FunctionName"]["Ref"]]["Properties"]
        queue = resources[props["EventSourceArn"]["Fn::GetAtt"][0]]["Properties"]
        assert queue["VisibilityTimeout"] >= 6 * fn["Timeout"]
        assert queue["RedrivePolicy"]["maxReceiveCount"] == 5
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_every_queue_is_encrypted_and_every_dead_letter_queue_alarmed(templates: dict) -> None:
    for sid, t in templates.items():
        queues = t.find_resources("AWS::SQS::Queue")
        for q in queues.values():
            assert "KmsMasterKeyId" in q["Properties"], sid
        dlqs = [k for k, q in queues.items() if "RedrivePolicy" not in q["Properties"]]
        alarmed = {a["Properties"]["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
                   for a in t.find_resources("AWS::CloudWatch::Alarm").values()
                   if a["Properties"].get("MetricName") == "ApproximateNumberOfMessagesVisible"}
        assert set(dlqs) == alarmed, sid
        for a in t.find_resources("AWS::CloudWatch::Alarm").values():
            assert a["Properties"]["AlarmActions"], sid


def test_alarms_on_function_errors_and_failed_promotions(templates: dict) -> None:
    templates["Pipeline"].resource_properties_count_is(
        "AWS::CloudWatch::Alarm", {"MetricName": "Errors", "Namespace": "AWS/Lambda"}, 4)
    for sid, t in templates.items():
        if sid.startswith("Zone-"):
            t.has_resource_properties("AWS::CloudWatch::Alarm",
                                      {"MetricName": "ExecutionsFailed", "Namespace": "AWS/States"})


def test_event_rules_route_ingress_and_landing_but_not_quarantine_or_erasure_requests(templates: dict) -> None:
    t = templates["Pipeline"]
    # "_": the platform's own keys (_quarantine/, _erasure/requests/); zone names start with a letter.
    t.has_resource_properties("AWS::Events::Rule", {"EventPattern": {
        "source": ["aws.s3"], "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [Match.any_value()]},
                   "object": {"key": [{"anything-but": {"prefix": "_"}}]}}}})
    t.resource_properties_count_is("AWS::Events::Rule", {"ScheduleExpression": "rate(1 hour)"}, 2)
    t.has_resource_properties("AWS::Events::Rule", {"Targets": [Match.object_like(
        {"Input": '{"task":"reconcile"}', "DeadLetterConfig": Match.any_value()})]})


def test_receiver_reads_ingress_and_writes_landing_only(lake: Lake, templates: dict) -> None:
    st, p = lake.storage, lake.pipeline
    assert s3(templates["Pipeline"], p.receiver.role) == (
        expect(arn_ref(st.ingress), "*", READ, listing=True) | expect(arn_ref(st.landing), "*", WRITE)
        | expect(arn_ref(st.staging), "_platform/*", WRITE))  # its runs, as objects Athena reads


def test_validator_reads_landing_and_writes_staging_and_quarantine_only(lake: Lake, templates: dict) -> None:
    st, p = lake.storage, lake.pipeline
    assert s3(templates["Pipeline"], p.validator.role) == (
        expect(arn_ref(st.landing), "*", READ, listing=True) | expect(arn_ref(st.landing), "_quarantine/*", WRITE)
        | expect(arn_ref(st.staging), "*", WRITE))


def test_big_files_go_to_a_glue_job_with_exactly_the_validators_reach(lake: Lake, templates: dict) -> None:
    p, t = lake.pipeline, templates["Pipeline"]
    big, validator = s3(t, p.validate_large.role), s3(t, p.validator.role)
    assert validator <= big
    assert {action for action, _ in big - validator} == {"s3:GetObject"}  # only its own code and script
    job = t.to_json()["Resources"][lid(p.validate_large.job)]
    args = job["Properties"]["DefaultArguments"]
    assert args["--lake_backend"] == "aws" and {"--ledger_table", "--landing_bucket", "--staging_bucket"} <= set(args)
    t.has_resource_properties("AWS::Lambda::Function", {
        "Handler": "lambdas.validator.handler.handler",
        "Environment": {"Variables": Match.object_like({"GLUE_VALIDATE_JOB": Match.any_value()})}})
    assert ("glue:StartJobRun", "*") not in permissions(t, prefix="glue:", role_lid=lid(p.validator.role))
    assert any(a == "glue:StartJobRun" for a, _ in permissions(t, prefix="glue:", role_lid=lid(p.validator.role)))


def test_sweep_reaches_what_receiver_and_validator_reach_together(lake: Lake, templates: dict) -> None:
    st, p = lake.storage, lake.pipeline
    assert s3(templates["Pipeline"], p.sweep.role) == (
        expect(arn_ref(st.ingress), "*", READ, listing=True)
        | expect(arn_ref(st.landing), "*", READ | WRITE, listing=True)
        | expect(arn_ref(st.staging), "*", WRITE))


def test_zone_jobs_read_their_source_and_write_their_target_in_their_zone_only(lake: Lake, templates: dict) -> None:
    st = lake.storage
    for name, z in lake.zones.items():
        t = templates[f"Zone-{name}"]
        temp = expect(arn_ref(st.artifacts), f"glue-temp/{name}/*", READ | WRITE | {"s3:DeleteObject",
                                                                                   "s3:DeleteObjectVersion"})
        temp |= {(a, arn_ref(st.artifacts)) for a in LIST}
        records = expect(arn_ref(st.staging), "_platform/*", WRITE)  # their runs, as objects Athena reads
        if z.to_ods is not None:
            assert s3(t, z.to_ods.role) - _code(t, z.to_ods.role) == (
                expect(arn_ref(st.staging), f"{name}/*", READ) | expect(arn_ref(st.ods), f"{name}/*", READ | WRITE)
                | {(a, arn_ref(st.staging)) for a in LIST} | {(a, arn_ref(st.ods)) for a in LIST} | temp | records)
        if z.projections is not None:
            shared = set()
            for table in z.shared_in:
                db, tname = table.split(".")
                publisher = db.rsplit("_", 1)[0]
                shared |= expect(arn_ref(st.analytics), f"{publisher}/{tname}/*", READ)
            assert s3(t, z.projections.role) - _code(t, z.projections.role) == (
                expect(arn_ref(st.ods), f"{name}/*", READ) | expect(arn_ref(st.analytics), f"{name}/*", READ | WRITE)
                | {(a, arn_ref(st.ods)) for a in LIST} | {(a, arn_ref(st.analytics)) for a in LIST} | shared | temp
                | records)


def _code(t: Template, role: object) -> set[tuple[str, str]]:
    """The job's own script and code zip (CDK asset bucket), read-only."""
    return {(a, r) for a, r in s3(t, role) if a == "s3:GetObject" and "cdk-" in r and "-assets-" in r}


# No role but the erasure jobs' deletes objects in a data layer: tests/infra/test_erasure.py.


def test_functions_publish_alerts_to_each_zone_topic_by_name_and_nothing_else(lake: Lake, templates: dict) -> None:
    t, p = templates["Pipeline"], lake.pipeline
    for fn in (p.receiver, p.validator, p.sweep):
        published = {r for a, r in permissions(t, prefix="sns:", role_lid=lid(fn.role))}
        zone_topics = {f"arn:aws:sns:eu-west-1:111111111111:InsightLake-dev-alerts-{z}" for z in lake.cfg.zones}
        assert published == zone_topics | {f"<{lid(p.alerts)}>"}
    for name in lake.zones:
        templates[f"Zone-{name}"].has_resource_properties("AWS::SNS::Topic", {
            "TopicName": f"InsightLake-dev-alerts-{name}"})
    t.has_resource_properties("AWS::Lambda::Function", {"Environment": {"Variables": Match.object_like({
        "ALERT_TOPIC_ARN_PATTERN": "arn:aws:sns:eu-west-1:111111111111:InsightLake-dev-alerts-{zone}"})}})


def test_every_pipeline_task_keeps_platform_records_in_the_records_table(lake: Lake, templates: dict) -> None:
    st, p, t = lake.storage, lake.pipeline, templates["Pipeline"]
    t.resource_properties_count_is("AWS::Lambda::Function", {"Environment": {"Variables": Match.object_like({
        "RECORDS_TABLE": Match.any_value()})}}, 3)  # receiver, validator, sweep (the governor keeps none)
    jobs = t.find_resources("AWS::Glue::Job").values()
    assert len(jobs) == 3  # validate_large, erase, vacuum
    for job in jobs:
        if "erase" in json.dumps(job) or "validate_large" in json.dumps(job):  # vacuum keeps no records
            assert "--records_table" in job["Properties"]["DefaultArguments"], job["Properties"]["Description"]
    for name in lake.zones:
        for zone_job in templates[f"Zone-{name}"].find_resources("AWS::Glue::Job").values():
            assert "--records_table" in zone_job["Properties"]["DefaultArguments"], name

    def on_records(template: Template, role: object) -> set[str]:
        pairs = permissions(template, prefix="dynamodb:", role_lid=lid(role))  # type: ignore[arg-type]
        return {a for a, r in pairs if r == arn_ref(st.records)}

    adds = {"dynamodb:Query", "dynamodb:PutItem"}
    assert on_records(t, p.receiver.role) == adds
    for role in (p.validator.role, p.validate_large.role, p.sweep.role):  # they close alerts of recovered tables
        assert on_records(t, role) == adds | {"dynamodb:DeleteItem"}
    for name, z in lake.zones.items():
        if z.to_ods is not None:
            # runs, quality results, approvals; closing the alerts of recovered tables
            assert on_records(templates[f"Zone-{name}"], z.to_ods.role) == adds | {"dynamodb:DeleteItem"}
        if z.projections is not None:
            assert on_records(templates[f"Zone-{name}"], z.projections.role) == adds | {"dynamodb:DeleteItem"}
    for sid, template in templates.items():  # nobody scans the records: every read is a Query of one partition
        for plid, res in template.to_json()["Resources"].items():
            if res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
                assert ("dynamodb:Scan", arn_ref(st.records)) not in permissions(template, policy_lid=plid), sid
