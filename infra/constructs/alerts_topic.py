"""An alerts topic: KMS-encrypted, TLS-only, with e-mail subscriptions whose undeliverable
messages land in a dead-letter queue (alarmed to ``dlq_alarm_topic``, by default itself).

Alarms publish to it (the topic policy allows CloudWatch alarms of this account; CloudWatch may use
the lake key by its key policy), so do Step Functions failure handlers.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.constructs.dead_letter_queue import DeadLetterQueue


class AlertsTopic(Construct):
    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, display_name: str, emails: Sequence[str],
                 topic_name: str, dlq_alarm_topic: sns.ITopic | None = None) -> None:
        super().__init__(scope, id)
        # A fixed name: the pipeline functions publish a zone's alerts by name (see alert_topic_name),
        # as the zone stacks are deployed after them and cannot be referenced by them.
        self.topic = sns.Topic(self, "Topic", display_name=display_name, master_key=key, enforce_ssl=True,
                               topic_name=topic_name)
        stack = Stack.of(self)
        any_alarm = stack.format_arn(service="cloudwatch", resource="alarm", resource_name="*",
                                     arn_format=ArnFormat.COLON_RESOURCE_NAME)
        self.topic.add_to_resource_policy(iam.PolicyStatement(
            sid="CloudWatchAlarmsPublish", principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
            actions=["sns:Publish"], resources=[self.topic.topic_arn],
            conditions={"ArnLike": {"aws:SourceArn": any_alarm}, "StringEquals": {"aws:SourceAccount": stack.account}}))
        self.dead_letters = DeadLetterQueue(self, "Undelivered", key=key, alarm_topic=dlq_alarm_topic or self.topic,
                                            what=f"Notifications of {display_name}")
        for email in sorted(set(emails)):
            self.topic.add_subscription(subscriptions.EmailSubscription(
                email, dead_letter_queue=self.dead_letters.queue))


def alert_topic_name(prefix: str, zone: str) -> str:
    """``<prefix>-alerts-<zone>``; the platform's own topic is zone ``platform``."""
    return f"{prefix}-alerts-{zone}"
