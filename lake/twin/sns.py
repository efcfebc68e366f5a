"""Who an alert reached: every message SNS delivered to a subscription of the templates
(e-mail subscriptions are recorded here, since nothing offline sends mail), with its topic.
CloudWatch alarms in ALARM publish to their ``AlarmActions`` topics the same way."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Delivery:
    topic_arn: str
    protocol: str
    endpoint: str
    subject: str | None
    message: str

    @property
    def alert(self) -> dict[str, Any]:
        try:
            body = json.loads(self.message)
        except ValueError:
            return {}
        return body if isinstance(body, dict) else {}


@dataclass
class Deliveries:
    items: list[Delivery] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self) -> Callable[[], None]:
        from moto.sns.models import Subscription

        original = Subscription.publish
        deliveries = self

        def publish(sub: Any, message: str, message_id: str, subject: str | None = None, *args: Any,
                    **kwargs: Any) -> None:
            attributes = kwargs.get("message_attributes") or (args[0] if args else None)
            if sub._filter_policy_matcher is None or sub._filter_policy_matcher.matches(attributes, message):
                with deliveries._lock:
                    deliveries.items.append(Delivery(sub.topic.arn, sub.protocol, sub.endpoint, subject, message))
            original(sub, message, message_id, subject, *args, **kwargs)

        setattr(Subscription, "publish", publish)  # noqa: B010 - patching moto

        def restore() -> None:
            setattr(Subscription, "publish", original)  # noqa: B010

        return restore

    def by_recipient(self) -> list[tuple[str, str]]:
        """(recipient, alert subject) of every e-mail delivery."""
        return sorted((d.endpoint, str(d.alert.get("subject", d.subject))) for d in self.items
                      if d.protocol.startswith("email"))
