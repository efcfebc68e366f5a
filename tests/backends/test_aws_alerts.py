"""SNS alerts under moto: each zone's alert reaches its topic; the platform topic catches the rest."""

from __future__ import annotations

import json

import boto3
import pytest

from lake.backends.alerts import Alert
from lake.backends.aws_alerts import SnsAlerts

PREFIX = "InsightLake-dev-alerts-"


@pytest.fixture
def sns(aws: None):  # noqa: ANN201
    yield boto3.client("sns"), boto3.client("sqs")


def subscribed_queue(sns, sqs, topic_arn: str) -> str:  # noqa: ANN001
    url = sqs.create_queue(QueueName=topic_arn.rsplit(":", 1)[1] + "-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=arn)
    return url


def received(sqs, url: str) -> list[dict]:  # noqa: ANN001
    out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in out]


def test_an_alert_goes_to_its_zone_topic_with_subject_and_attributes(sns) -> None:  # noqa: ANN001
    client, sqs = sns
    finance = client.create_topic(Name=f"{PREFIX}finance")["TopicArn"]
    platform = client.create_topic(Name=f"{PREFIX}platform")["TopicArn"]
    finance_inbox, platform_inbox = subscribed_queue(client, sqs, finance), subscribed_queue(client, sqs, platform)
    pattern = finance.replace("finance", "{zone}")
    alerts = SnsAlerts(pattern, platform, known_zones={"finance"}, client=client)

    alerts.send(Alert("finance", "error", "expenses_2026.csv quarantined: 12% bad rows " + "x" * 200,
                      "See the report.", {"ingest_id": "i1"}, ["fiona.reyes@example.com"]))

    [msg] = received(sqs, finance_inbox)
    assert msg["Subject"].startswith("[error] finance: expenses_2026.csv quarantined") and len(msg["Subject"]) <= 100
    body = json.loads(msg["Message"])
    assert body["context"] == {"ingest_id": "i1"} and body["recipients"] == ["fiona.reyes@example.com"]
    assert msg["MessageAttributes"]["severity"]["Value"] == "error"
    assert received(sqs, platform_inbox) == []


def test_unknown_zone_or_missing_topic_falls_back_to_the_platform_topic(sns) -> None:  # noqa: ANN001
    client, sqs = sns
    platform = client.create_topic(Name=f"{PREFIX}platform")["TopicArn"]
    inbox = subscribed_queue(client, sqs, platform)
    pattern = platform.replace("platform", "{zone}")
    SnsAlerts(pattern, platform, known_zones={"finance"}, client=client).send(
        Alert("nowhere", "warning", "unroutable file"))
    SnsAlerts(pattern, platform, client=client).send(Alert("finance", "warning", "topic not deployed yet"))
    subjects = sorted(m["Subject"] for m in received(sqs, inbox))
    assert subjects == ["[warning] finance: topic not deployed yet", "[warning] nowhere: unroutable file"]


def test_from_env_reads_the_pattern_the_stacks_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERT_TOPIC_ARN_PATTERN", "arn:aws:sns:eu-west-1:111111111111:InsightLake-dev-alerts-{zone}")
    monkeypatch.setenv("PLATFORM_ALERT_TOPIC_ARN", "arn:aws:sns:eu-west-1:111111111111:InsightLake-dev-alerts-platform")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    alerts = SnsAlerts.from_env({"finance"})
    assert alerts.topic_for("finance").endswith(":InsightLake-dev-alerts-finance")  # type: ignore[union-attr]
    assert alerts.topic_for("hr").endswith(":InsightLake-dev-alerts-platform")  # type: ignore[union-attr]
