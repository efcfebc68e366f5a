"""Steward approval on AWS: the approval Lambda with the payload the promotion state machine sends
(tests/events/approval_request.json) under moto (DynamoDB ledger and records, SNS zone topics);
``lake approve``/``reject`` resuming the waiting promotion through Step Functions task tokens.

moto accepts any task token without recording it, so the exact Step Functions calls are checked
with botocore's Stubber on the client ``decide`` is given (the AWS adapter boundary).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
import yaml
from botocore.stub import Stubber

from lake import approvals, cli
from lake.backends.athena_records import AthenaRecords
from lake.backends.dynamodb_ledger import DynamoDbLedger
from lake.backends.dynamodb_records import DynamoDbRecords
from lake.backends.ledger import IngestRecord, now
from lake.local.ingest import LambdaContext
from lake.runtime import context as runtime
from lake.runtime.context import Context
from lambdas.approval import handler as approval
from tests.backends.test_records import records_table
from tests.ingest.test_aws_backends import ledger_table

EVENT = json.loads((Path(__file__).resolve().parents[1] / "events" / "approval_request.json").read_text())
TOKEN, STAGED = EVENT["task_token"], EVENT["staged_key"]
INGEST = "20260504T101500-3f2a9c1b7d4e"
TOPICS = "arn:aws:sns:eu-west-1:123456789012:InsightLake-dev-alerts-{zone}"


def make_manual(zones: Path, dataset: str = "cost_centers") -> None:
    path = zones / f"finance/datasets/{dataset}.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["customProperties"].append({"property": "promotion", "value": "manual"})
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


@pytest.fixture
def deployed(aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, zones_copy: Path) -> Iterator[SimpleNamespace]:
    """The environment the pipeline stack gives the approval Lambda, on moto; one staged ingest waits."""
    make_manual(zones_copy)
    env = {"LAKE_BACKEND": "aws", "LEDGER_TABLE": "ledger", "RECORDS_TABLE": "records", "STAGING_BUCKET": "staging",
           "ALERT_TOPIC_ARN_PATTERN": TOPICS, "PLATFORM_ALERT_TOPIC_ARN": TOPICS.format(zone="platform"),
           "LAKE_CONFIG": str(zones_copy), "LAKE_HOME": str(tmp_path / "tmp"), "POWERTOOLS_LOG_LEVEL": "WARNING",
           "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_METRICS_NAMESPACE": "InsightLake"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    runtime._from_env.cache_clear()
    ledger_table(), records_table()
    boto3.client("s3").create_bucket(Bucket="staging", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    sns, sqs = boto3.client("sns"), boto3.client("sqs")
    inbox = sqs.create_queue(QueueName="finance-inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    for zone in ("finance", "executive", "platform"):
        arn = sns.create_topic(Name=TOPICS.format(zone=zone).rsplit(":", 1)[1])["TopicArn"]
        if zone == "finance":
            sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=inbox_arn)
    ledger = DynamoDbLedger("ledger")
    ledger.claim(IngestRecord(INGEST, "finance", "cost_centers", "ingress", "finance/cost_centers/cc.csv", "v1",
                              "", 10, now()))
    ledger.complete(INGEST, outcome="staged", rows_read=1, rows_staged=1, staged_key=STAGED)

    def alerts() -> list[dict]:
        got = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
        return [json.loads(m["Body"]) for m in got]

    yield SimpleNamespace(ctx=runtime.context_from_env(), alerts=alerts, records=DynamoDbRecords("records"))
    runtime._from_env.cache_clear()


def stepfunctions() -> tuple[object, Stubber]:
    client = boto3.client("stepfunctions", region_name="eu-west-1")
    return client, Stubber(client)


def test_the_aws_context_keeps_records_in_dynamodb(deployed: SimpleNamespace) -> None:
    records = deployed.ctx.records
    assert isinstance(records, AthenaRecords) and records.bucket == "staging"  # history also for Athena
    assert isinstance(records.inner, DynamoDbRecords)
    assert records.inner.zones == ["customer_success", "executive", "finance"]


def test_the_handler_records_the_token_and_asks_the_stewards(deployed: SimpleNamespace) -> None:
    assert approval.handler(EVENT, LambdaContext("approval")) == {"ingest_id": INGEST, "state": "waiting"}
    [req] = deployed.records.rows("approval_requests", "finance")
    assert (req["ingest_id"], req["dataset"], req["task_token"], req["staged_key"]) == (
        INGEST, "cost_centers", TOKEN, STAGED)
    assert req["execution"] == EVENT["execution"] and req["requested_at"]
    [msg] = deployed.alerts()
    assert msg["Subject"] == f"[info] finance: ingest {INGEST} of finance/cost_centers waits for approval"
    body = json.loads(msg["Message"])
    assert f"lake approve finance/cost_centers --ingest {INGEST}" in body["detail"]
    assert "waits 7 days" in body["detail"] and body["context"]["source_key"] == "finance/cost_centers/cc.csv"
    assert body["recipients"]  # the zone's owners and stewards


def test_approving_resumes_every_promotion_waiting_for_the_ingest(deployed: SimpleNamespace) -> None:
    approval.handler(EVENT, LambdaContext("approval"))
    again = {**EVENT, "task_token": "second-delivery-token"}  # EventBridge delivered the staged object twice
    assert approval.handler(again, LambdaContext("approval"))["state"] == "waiting"
    assert len(deployed.alerts()) == 1  # the stewards are asked once
    client, stub = stepfunctions()
    output = json.dumps({"decision": "approved", "ingest_id": INGEST, "reason": ""})
    for token in (TOKEN, "second-delivery-token"):
        stub.add_response("send_task_success", {}, {"taskToken": token, "output": output})
    with stub:
        assert approvals.decide(deployed.ctx, "finance/cost_centers", "approved", tasks=client) == [INGEST]
    stub.assert_no_pending_responses()
    assert approvals.decisions(deployed.ctx, "finance") == {INGEST: "approved"}
    assert approvals.waiting(deployed.ctx, "finance") == []


def test_rejecting_fails_the_task_with_rejected_and_tells_the_zone(deployed: SimpleNamespace) -> None:
    approval.handler(EVENT, LambdaContext("approval"))
    deployed.alerts()  # the request
    client, stub = stepfunctions()
    stub.add_response("send_task_failure", {}, {"taskToken": TOKEN, "error": "Rejected", "cause": "wrong codes"})
    with stub:
        approvals.decide(deployed.ctx, "finance/cost_centers", "rejected", INGEST, reason="wrong codes", tasks=client)
    stub.assert_no_pending_responses()
    [msg] = deployed.alerts()
    alert = json.loads(msg["Message"])
    assert alert["subject"].endswith("rejected by a steward: wrong codes") and msg["Subject"].startswith("[warning]")
    assert "erp_export" in alert["detail"]  # the producers to tell


def test_a_timed_out_promotion_keeps_the_decision(deployed: SimpleNamespace, caplog: pytest.LogCaptureFixture) -> None:
    approval.handler(EVENT, LambdaContext("approval"))
    client, stub = stepfunctions()
    stub.add_client_error("send_task_success", service_error_code="TaskTimedOut", service_message="Task Timed Out")
    with stub, caplog.at_level(logging.WARNING, logger="lake"):
        assert approvals.decide(deployed.ctx, "finance/cost_centers", "approved", tasks=client) == [INGEST]
    assert approvals.decisions(deployed.ctx, "finance") == {INGEST: "approved"}
    assert "next promotion takes the ingest" in caplog.text


def test_a_decision_made_before_the_promotion_waits_completes_it_at_once(deployed: SimpleNamespace) -> None:
    approvals.decide(deployed.ctx, "finance/cost_centers", "rejected", INGEST, reason="duplicate export")
    deployed.alerts()  # the rejection
    client, stub = stepfunctions()
    stub.add_response("send_task_failure", {}, {"taskToken": TOKEN, "error": "Rejected", "cause": "duplicate export"})
    with stub:
        state = approvals.request(deployed.ctx, zone="finance", dataset="cost_centers", staged_key=STAGED,
                                  task_token=TOKEN, tasks=client)
    stub.assert_no_pending_responses()
    assert state == "rejected" and deployed.alerts() == []  # nobody is asked again


def test_an_automatic_dataset_never_waits(deployed: SimpleNamespace) -> None:
    with pytest.raises(ValueError, match="does not wait for approval"):
        approvals.request(deployed.ctx, zone="finance", dataset="expenses", task_token=TOKEN,
                          staged_key="finance/expenses/ingest_date=2026-05-04/x.parquet")


def test_lake_approve_runs_against_aws(deployed: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    approval.handler(EVENT, LambdaContext("approval"))  # moto's Step Functions takes the token as it is
    assert cli.main(["approve", "finance/cost_centers"]) == cli.OK
    out = capsys.readouterr().out
    assert f"approved ingest {INGEST}" in out and "continue on AWS" in out
    [row] = deployed.records.rows("approvals", "finance")
    assert (row["ingest_id"], row["decision"]) == (INGEST, "approved")
    # ... and where Athena reads platform.approvals, in the zone's partition
    [obj] = boto3.client("s3").list_objects_v2(Bucket="staging", Prefix="_platform/approvals/zone=finance/")["Contents"]
    body = json.loads(boto3.client("s3").get_object(Bucket="staging", Key=obj["Key"])["Body"].read())
    assert (body["ingest_id"], body["decision"]) == (INGEST, "approved")


def test_lake_approve_on_aws_names_what_is_missing(deployed: SimpleNamespace, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("RECORDS_TABLE")
    assert cli.main(["approve", "finance/cost_centers"]) == cli.USAGE
    assert "set RECORDS_TABLE" in capsys.readouterr().err


def test_locally_nothing_talks_to_step_functions(tmp_path: Path) -> None:
    ctx = Context.local(tmp_path / "home")
    assert approvals.resume(ctx, "finance", INGEST, "approved") == (0, 0)  # no token recorded, no client made
