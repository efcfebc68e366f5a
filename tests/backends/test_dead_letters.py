"""``lake status`` on AWS names the lake's dead-letter queues that hold messages (moto)."""

from __future__ import annotations

import boto3

from lake.backends.dead_letters import DEAD_LETTERS_TAG, dead_letters


def test_only_the_lakes_tagged_queues_with_messages_are_reported(aws: None) -> None:  # noqa: ARG001
    sqs = boto3.client("sqs")
    full = sqs.create_queue(QueueName="InsightLake-dev-Pipeline-ReceiverDlq-1",
                            tags={DEAD_LETTERS_TAG: "Ingress events the receiver could not process"})["QueueUrl"]
    sqs.create_queue(QueueName="InsightLake-dev-Pipeline-ValidatorDlq-2", tags={DEAD_LETTERS_TAG: "empty"})
    work = sqs.create_queue(QueueName="InsightLake-dev-Pipeline-Work-3")["QueueUrl"]  # not a dead-letter queue
    other = sqs.create_queue(QueueName="OtherApp-Dlq", tags={DEAD_LETTERS_TAG: "not ours"})["QueueUrl"]
    for url in (full, full, work, other):
        sqs.send_message(QueueUrl=url, MessageBody="{}")
    assert dead_letters() == [{"queue": "InsightLake-dev-Pipeline-ReceiverDlq-1",
                               "what": "Ingress events the receiver could not process", "messages": 2}]
    assert dead_letters(prefix="InsightLake-prod-") == []
