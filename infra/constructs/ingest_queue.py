"""A segment's work queue: EventBridge puts S3 events on it, a Lambda consumes them.

KMS-encrypted, TLS-only, with a dead-letter queue after a few receives (alarmed) and an
alarm on the age of the oldest message. The visibility timeout is six times the consumer's
timeout, as AWS recommends for Lambda event sources.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.dead_letter_queue import DeadLetterQueue

MAX_RECEIVES = 5


class IngestQueue(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, consumer_timeout: Duration,
                 alarm_topic: sns.ITopic, max_age: Duration | None = None) -> None:
        super().__init__(scope, id)
        max_age = max_age or Duration.hours(1)
        self.dead_letters = DeadLetterQueue(self, "DeadLetters", key=key, alarm_topic=alarm_topic,
                                            what=f"{id} messages")
        self.dlq = self.dead_letters.queue
        self.queue = sqs.Queue(
            self, "Queue",
            encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True,
            visibility_timeout=Duration.seconds(6 * consumer_timeout.to_seconds()),
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(queue=self.dlq, max_receive_count=MAX_RECEIVES),
        )
        self.age_alarm = cloudwatch.Alarm(
            self, "OldestMessageAlarm",
            alarm_description=f"{id}: the oldest message waits longer than {max_age.to_human_string()}",
            metric=self.queue.metric_approximate_age_of_oldest_message(period=Duration.minutes(5),
                                                                         statistic="Maximum"),
            threshold=max_age.to_seconds(), comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=3, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.age_alarm.add_alarm_action(actions.SnsAction(alarm_topic))
