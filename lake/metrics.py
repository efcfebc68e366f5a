"""CloudWatch metrics the platform publishes and alarms on, named once for both sides: the
Lambda that publishes (lambdas/) and the CDK alarms that watch (infra/)."""

from __future__ import annotations

from lake.namespace import physical_table

NAMESPACE = "InsightLake"

# Published by the scheduled freshness sweep, every run, for every table whose contract has a
# freshness SLA and that has loaded at least once: hours since its last successful load. A table
# that never loaded publishes nothing, and neither does a sweep that did not run: the alarms
# treat a missing value as breaching (nobody can say the table is fresh).
FRESHNESS_METRIC = "HoursSinceLoad"
FRESHNESS_SERVICE = "sweep"


def freshness_dimensions(table: str, prefix: str | None = None) -> dict[str, str]:
    """The dimensions of one table's freshness metric (``table`` is ``<zone>_ods.<dataset>``): the table as
    the stage's catalog names it, so two stages in one account and region never feed each other's alarms."""
    return {"service": FRESHNESS_SERVICE, "table": physical_table(table, prefix)}
