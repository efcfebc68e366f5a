"""A dead-letter queue: KMS-encrypted, TLS-only, kept 14 days, alarmed as soon as it holds a message."""

from __future__ import annotations

import re

from aws_cdk import Duration, Tags
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from lake.backends.dead_letters import DEAD_LETTERS_TAG


class DeadLetterQueue(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, alarm_topic: sns.ITopic, what: str) -> None:
        super().__init__(scope, id)
        self.queue = sqs.Queue(self, "Queue", encryption=sqs.QueueEncryption.KMS, encryption_master_key=key,
                               enforce_ssl=True, retention_period=Duration.days(14))
        # How `lake status` on AWS finds the lake's dead letters (lake/backends/dead_letters.py).
        # Tag values allow letters, digits, spaces and _.:/=+-@ only (a quote fails the deploy).
        Tags.of(self.queue).add(DEAD_LETTERS_TAG, re.sub(r"[^\w\s.:/=+\-@]", "", what))
        self.alarm = cloudwatch.Alarm(
            self, "DepthAlarm",
            alarm_description=f"{what} failed and wait in a dead-letter queue",
            metric=self.queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(5),
                                                                            statistic="Maximum"),
            threshold=0, comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1, treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        self.alarm.add_alarm_action(actions.SnsAction(alarm_topic))
