"""The Lambda handlers with the event JSON AWS delivers (fixtures under tests/events/)."""

from __future__ import annotations

import json
from pathlib import Path

from lake.local.ingest import LambdaContext
from lake.runtime.context import using
from lake.runtime.events import object_created, object_refs, sqs_event
from lambdas.receiver import handler as receiver
from lambdas.validator import handler as validator
from tests.ingest.conftest import FIXTURES

EVENTS = Path(__file__).resolve().parents[1] / "events"


def load(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def test_every_delivery_shape_names_the_same_object():
    eb = object_refs(load("eventbridge_object_created.json"))
    sqs = object_refs(load("sqs_eventbridge_object_created.json")["Records"][0])
    s3 = object_refs(load("s3_notification_object_created.json"))
    assert eb == sqs and [r.key for r in s3] == [r.key for r in eb] == ["finance/expenses/march 2024.csv"]
    assert eb[0].version == "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e" and s3[0].version == eb[0].version


def test_receiver_then_validator_handlers(ctx):
    ctx.storage.put_file("ingress", "finance/expenses/march 2024.csv", FIXTURES / "expenses_good.csv")
    event = load("sqs_eventbridge_object_created.json")
    body = json.loads(event["Records"][0]["body"])
    body["detail"]["object"]["size"] = (FIXTURES / "expenses_good.csv").stat().st_size
    event["Records"][0]["body"] = json.dumps(body)
    with using(ctx):
        assert receiver.handler(event, LambdaContext("receiver")) == {"batchItemFailures": []}
        [rec] = ctx.ledger.records()
        assert rec.version == "IYV3p45BT0ac8hjHg1houSdS1a.Mro8e" and rec.arrived_at.startswith("2024-03-01T12:00")
        landing = sqs_event(object_created("landing", rec.landing_key, rec.size, etag=""))
        assert validator.handler(landing, LambdaContext("validator")) == {"batchItemFailures": []}
        assert ctx.ledger.get(rec.ingest_id).outcome == "staged"
        # the same SQS message delivered again: one more ledger line, a duplicate, no new ingest
        receiver.handler(event, LambdaContext("receiver"))
        validator.handler(landing, LambdaContext("validator"))
    outcomes = sorted(r.outcome for r in ctx.ledger.records())
    assert outcomes == ["duplicate", "staged"]


def test_a_broken_message_fails_alone(ctx):
    ctx.storage.put_file("ingress", "finance/expenses/a.csv", FIXTURES / "expenses_good.csv")
    good = sqs_event(object_created("ingress", "finance/expenses/a.csv", 10, "etag-a"))["Records"][0]
    broken = dict(good, messageId="broken", body="{not json")
    with using(ctx):
        out = receiver.handler({"Records": [good, broken]}, LambdaContext("receiver"))
    assert out == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
    assert [r.source_key for r in ctx.ledger.records()] == ["finance/expenses/a.csv"]


def test_scheduled_sweep_receives_unseen_objects(ctx):
    from lambdas.sweep import handler as sweep_handler

    ctx.storage.put_file("ingress", "finance/expenses/missed.csv", FIXTURES / "expenses_good.csv")
    with using(ctx):
        out = sweep_handler.handler(load("scheduled_sweep.json"), LambdaContext("sweep"))
        assert out == {"received": 1, "resumed": 0, "revalidated": 0}
        [rec] = ctx.ledger.records()
        assert rec.outcome == "received" and rec.landing_key  # on AWS the landing event drives the validator
        assert sweep_handler.handler(load("scheduled_sweep.json"), LambdaContext("sweep")) == \
            {"received": 0, "resumed": 0, "revalidated": 0}


def test_scheduled_freshness_alerts_stale_datasets(ctx):
    from lake.backends.ledger import IngestRecord, new_ingest_id
    from lambdas.sweep import handler as sweep_handler

    old = "2024-01-01T00:00:00.000+00:00"
    rec = ctx.ledger.claim(IngestRecord(new_ingest_id(), "finance", "expenses", "ingress", "finance/expenses/a.csv",
                                        "v1", "", 1, old))
    ctx.ledger.complete(rec.ingest_id, outcome="staged", rows_staged=1, completed_at=old)
    with using(ctx):
        assert sweep_handler.handler({"task": "freshness"}, LambdaContext("sweep")) == {"stale": 1}
    [alert] = [a for a in ctx.alerts.read() if a.zone == "finance"]  # executive hears too, as a subscriber
    assert alert.zone == "finance" and alert.subject.startswith("finance_ods.expenses is stale")


def test_freshness_publishes_hours_since_load_for_every_table_with_an_sla(ctx, monkeypatch, capsys):
    """Fresh tables too: the CloudWatch alarm per table reads a missing value as "not fresh"."""
    from lake.backends.ledger import IngestRecord, new_ingest_id, now
    from lake.metrics import FRESHNESS_METRIC, NAMESPACE, freshness_dimensions
    from lambdas.sweep import handler as sweep_handler

    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    loaded = now()
    rec = ctx.ledger.claim(IngestRecord(new_ingest_id(), "finance", "expenses", "ingress", "finance/expenses/a.csv",
                                        "v1", "", 1, loaded))
    ctx.ledger.complete(rec.ingest_id, outcome="staged", rows_staged=1, completed_at=loaded)
    capsys.readouterr()
    with using(ctx):
        assert sweep_handler.handler({"task": "freshness"}, LambdaContext("sweep")) == {"stale": 0}
    docs = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith('{"_aws"')]
    fresh = [d for d in docs if FRESHNESS_METRIC in d]
    # expenses loaded just now; cost_centers and the customer_success tables never loaded: no value
    assert len(fresh) == 1
    [doc] = fresh
    [directive] = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == NAMESPACE
    assert directive["Dimensions"] == [list(freshness_dimensions("finance_ods.expenses"))]
    assert {k: doc[k] for k in freshness_dimensions("x")} == freshness_dimensions("finance_ods.expenses")
    [hours] = doc[FRESHNESS_METRIC]
    assert 0 <= hours < 1


def test_handlers_run_with_the_aws_backends_from_the_environment(monkeypatch, tmp_path):
    from lake.backends.dynamodb_ledger import DynamoDbLedger
    from lake.backends.storage import S3Storage
    from lake.runtime import context as ingest

    for k, v in {"LAKE_BACKEND": "aws", "LEDGER_TABLE": "ledger", "INGRESS_BUCKET": "in-b", "LANDING_BUCKET": "land-b",
                 "STAGING_BUCKET": "stage-b", "AWS_DEFAULT_REGION": "eu-west-1", "LAKE_HOME": str(tmp_path)}.items():
        monkeypatch.setenv(k, v)
    ingest._from_env.cache_clear()
    try:
        ctx = ingest.context_from_env()
        assert isinstance(ctx.storage, S3Storage) and isinstance(ctx.ledger, DynamoDbLedger)
        assert (ctx.buckets.ingress, ctx.buckets.landing, ctx.buckets.staging) == ("in-b", "land-b", "stage-b")
    finally:
        ingest._from_env.cache_clear()



def test_an_event_key_that_was_not_url_encoded_still_finds_its_object(ctx):
    ctx.storage.put_file("ingress", "finance/expenses/a+b.csv", FIXTURES / "expenses_good.csv")
    event = object_created("ingress", "finance/expenses/a+b.csv", 10, "etag-1")
    event["detail"]["object"]["key"] = "finance/expenses/a+b.csv"  # as given, not encoded
    with using(ctx):
        receiver.handler(sqs_event(event), LambdaContext("receiver"))
    [rec] = ctx.ledger.records()
    assert rec.source_key == "finance/expenses/a+b.csv" and rec.version == "etag-1" and rec.landing_key
