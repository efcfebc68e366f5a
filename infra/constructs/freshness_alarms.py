"""One CloudWatch alarm per dataset whose contract promises freshness (``slaProperties``):
hours since the table's last load, as the scheduled freshness sweep publishes it (lake/metrics.py),
above the SLA — to the owning zone's topic, and again when it is fresh (OK).

The sweep publishes a value every run for every such table that has loaded; a table that never
loaded publishes nothing, so missing data is not breaching: a dataset whose first file has not
arrived yet is not an alarm (its zone would be paged from the first deploy on). A sweep that stopped
running is caught by the pipeline's ``SweepStoppedAlarm`` instead (no invocation for two hours).
Two sweep intervals are evaluated, both must breach: a sweep that lands a little late in its
period (scheduled runs drift) is not an alarm, a stale table still is one interval later.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.settings import catalog_prefix_of
from lake.config import Zone
from lake.metrics import FRESHNESS_METRIC, NAMESPACE, freshness_dimensions


class FreshnessAlarms(Construct):
    def __init__(self, scope: Construct, id: str, *, zone: Zone, topic: sns.ITopic, sweep_every: Duration) -> None:
        super().__init__(scope, id)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for name, ds in sorted(zone.datasets.items()):
            if ds.freshness_hours is None:
                continue
            table = f"{zone.name}_ods.{name}"
            metric = cloudwatch.Metric(namespace=NAMESPACE, metric_name=FRESHNESS_METRIC,
                                       dimensions_map=freshness_dimensions(table, catalog_prefix_of(self)),
                                       statistic="Maximum", period=sweep_every)
            alarm = cloudwatch.Alarm(
                self, f"{name.title().replace('_', '')}Stale",
                alarm_description=(f"{table} is stale: no load for more than its contract's freshness SLA "
                                   f"({ds.freshness_hours:g} h); before its first load it is never in alarm"),
                metric=metric, threshold=ds.freshness_hours,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                evaluation_periods=2, datapoints_to_alarm=2,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING)
            alarm.add_alarm_action(actions.SnsAction(topic))
            alarm.add_ok_action(actions.SnsAction(topic))
            self.alarms[table] = alarm
