"""An alert counts as told only once it is published: a failed publish is sent again when the
failure is next raised, never silently recorded as open."""

from __future__ import annotations

import dataclasses
import json

import boto3

from lake.backends.alerts import Alert, recover, route
from lake.backends.aws_alerts import SnsAlerts
from lake.runtime.context import Context

TABLE, CAUSE = "finance_ods.expenses", "halted"


class FlakyAlerts:
    """A publisher that fails for the zones in ``down`` (SNS throttled, a topic gone)."""

    def __init__(self, down: set[str]):
        self.down, self.sent = down, []

    def send(self, alert: Alert) -> None:
        if alert.zone in self.down:
            raise ConnectionError(f"publish to {alert.zone} failed")
        self.sent.append(alert)


def halt(ctx: Context) -> list[Alert]:
    return route(ctx, "finance", "error", f"quality gate halted promotion of {TABLE}", table=TABLE, cause=CAUSE)


def open_zones(ctx: Context) -> list[str] | None:
    rows = [r for r in ctx.records.rows("open_alerts") if r["table_name"] == TABLE]
    return json.loads(rows[0]["zones"]) if rows else None


def test_a_failed_publish_is_not_recorded_as_open_and_goes_out_next_time(ctx: Context) -> None:
    flaky = FlakyAlerts(down={"finance", "executive"})
    ctx = dataclasses.replace(ctx, alerts=flaky)
    assert halt(ctx) == []  # nobody heard: the task goes on, nothing is marked as told
    assert open_zones(ctx) is None

    flaky.down = {"executive"}  # the owner's topic is back, the downstream zone's is not
    assert [a.zone for a in halt(ctx)] == ["finance"]
    assert open_zones(ctx) == ["finance"]

    flaky.down = set()
    assert [a.zone for a in halt(ctx)] == ["executive"]  # only the zone that missed it
    assert open_zones(ctx) == ["executive", "finance"]
    assert halt(ctx) == []  # everyone told: silent until it recovers
    assert sorted(a.zone for a in flaky.sent) == ["executive", "finance"]


def test_a_recovery_that_could_not_be_published_is_sent_on_the_next_recovery(ctx: Context) -> None:
    flaky = FlakyAlerts(down=set())
    ctx = dataclasses.replace(ctx, alerts=flaky)
    halt(ctx)
    flaky.down = {"executive"}
    assert [a.zone for a in recover(ctx, TABLE, [CAUSE])] == ["finance"]
    assert open_zones(ctx) == ["executive"]  # still open for the zone that was not told it is over
    flaky.down = set()
    assert [a.zone for a in recover(ctx, TABLE, [CAUSE])] == ["executive"]
    assert open_zones(ctx) is None


def test_an_sns_publish_to_a_missing_topic_stays_unsent_until_the_topic_exists(ctx: Context, aws: None) -> None:
    sns = boto3.client("sns")
    prefix = "arn:aws:sns:eu-west-1:123456789012:InsightLake-dev-alerts-"
    alerts = SnsAlerts(prefix + "{zone}", fallback_topic_arn=None, known_zones=set(ctx.cfg.zones), client=sns)
    ctx = dataclasses.replace(ctx, alerts=alerts)
    assert halt(ctx) == []  # no topic: NotFound, nothing recorded as told
    assert open_zones(ctx) is None
    for zone in ("finance", "executive"):
        sns.create_topic(Name=f"InsightLake-dev-alerts-{zone}")
    assert sorted(a.zone for a in halt(ctx)) == ["executive", "finance"]
    assert open_zones(ctx) == ["executive", "finance"]
