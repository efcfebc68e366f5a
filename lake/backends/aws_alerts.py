"""Alerts on AWS: one SNS topic per insight zone (its owners' and stewards' subscriptions).

The zone stacks name their topics ``<prefix>-alerts-<zone>``; the pipeline functions get the
pattern as ``ALERT_TOPIC_ARN_PATTERN`` (with ``{zone}``) and the platform topic as
``PLATFORM_ALERT_TOPIC_ARN``, which receives what belongs to no known zone (e.g. an
unroutable file) and whatever a zone topic could not take. Names, not references: the zone
stacks are deployed after the pipeline, so the functions cannot be handed their ARNs.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from typing import Any

from lake.backends.alerts import Alert

SUBJECT_MAX = 100  # SNS: ASCII, at most 100 characters


def _subject(alert: Alert) -> str:
    text = f"[{alert.severity}] {alert.zone}: {alert.subject}"
    text = text.encode("ascii", "replace").decode().replace("\n", " ")
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 3] + "..."


class SnsAlerts:
    def __init__(self, topic_arn_pattern: str, fallback_topic_arn: str | None = None,
                 known_zones: set[str] | None = None, client: Any | None = None):
        import boto3

        self.pattern, self.fallback, self.known = topic_arn_pattern, fallback_topic_arn, known_zones
        self.sns = client or boto3.client("sns")

    @classmethod
    def from_env(cls, known_zones: set[str] | None = None) -> SnsAlerts:
        return cls(os.environ["ALERT_TOPIC_ARN_PATTERN"], os.environ.get("PLATFORM_ALERT_TOPIC_ARN"), known_zones)

    def topic_for(self, zone: str) -> str | None:
        if self.known is not None and zone not in self.known:
            return self.fallback
        return self.pattern.format(zone=zone)

    def _publish(self, topic: str, alert: Alert) -> None:
        self.sns.publish(
            TopicArn=topic, Subject=_subject(alert),
            Message=json.dumps(asdict(alert), default=str, indent=1),
            MessageAttributes={"zone": {"DataType": "String", "StringValue": alert.zone or "-"},
                               "severity": {"DataType": "String", "StringValue": alert.severity}})

    def send(self, alert: Alert) -> None:
        topic = self.topic_for(alert.zone)
        try:
            if topic is None:
                raise LookupError(f"no topic for zone {alert.zone!r}")
            self._publish(topic, alert)
        except (LookupError, self.sns.exceptions.NotFoundException):
            if self.fallback is None or topic == self.fallback:
                raise
            self._publish(self.fallback, alert)  # never lose an alert to a missing zone topic
