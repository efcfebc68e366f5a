"""``lake run --zone Z`` writes Z's tables only (so it needs Z's lock only); the projections of a
zone whose inputs another zone's run changed catch up on that zone's next run."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.demo.samples import generate
from lake.local.ingest import drop_file
from lake.local.run import run
from lake.runtime.context import Context
from tests.conftest import ZONES

pytestmark = [pytest.mark.spark, pytest.mark.slow]
SPEND = "executive_analytics.spend_by_department"


def snapshots(spark, table: str) -> list[int]:  # noqa: ANN001
    return [r["snapshot_id"] for r in spark.sql(f"SELECT snapshot_id FROM {table}.snapshots").collect()]


def total(spark, table: str) -> float:  # noqa: ANN001
    return float(spark.sql(f"SELECT sum(total_amount) AS t FROM {table}").first()["t"])


def test_a_zone_run_builds_and_alerts_only_its_own_tables(tmp_path: Path, spark) -> None:  # noqa: ANN001
    ctx = Context.local(tmp_path / "home", ZONES)
    finance = [s for s in generate(tmp_path / "samples") if s.zone == "finance"]
    for s in finance[:2]:
        drop_file(ctx, s.path, s.zone, s.dataset)

    report = run(ctx, "finance")
    assert {b.table.split("_analytics.")[0] for b in report.builds} == {"finance"}
    assert not spark.catalog.tableExists(SPEND)

    report = run(ctx, "executive")
    assert {b.table for b in report.builds} == {SPEND, "executive_analytics.hiring_by_region"}
    assert [b.status for b in report.builds if b.table == SPEND] == ["built"]
    # Its input (customer success's pipeline) was never built: it waits for it, it has not failed.
    assert [b.status for b in report.builds if b.table.endswith("hiring_by_region")] == ["waiting"]
    assert not [a for a in ctx.alerts.read() if "hiring_by_region" in a.subject]
    before, spent = snapshots(spark, SPEND), total(spark, SPEND)

    drop_file(ctx, finance[2].path, "finance", "expenses")  # day 2: new and resubmitted claims
    report = run(ctx, "finance")
    assert report.ok or all(b.table != SPEND for b in report.builds)
    assert SPEND not in {b.table for b in report.builds} and snapshots(spark, SPEND) == before

    report = run(ctx, "executive")  # finance's summary changed since the executive table was built
    assert [b.status for b in report.builds if b.table == SPEND] == ["built"]
    assert total(spark, SPEND) == pytest.approx(total(spark, "finance_analytics.expense_summary")) != spent

    report = run(ctx, "executive")  # nothing changed since: nothing is rebuilt
    assert [b.status for b in report.builds if b.table == SPEND] == ["unchanged"]


def test_a_projection_whose_other_input_has_not_arrived_waits(tmp_path: Path, spark) -> None:  # noqa: ANN001
    """As on AWS: cost centers arrive before any expense, and their zone's promotion runs the two tasks
    its Glue jobs run (to_ods for the dataset of the event, then the projections). The summary (it joins
    both) and the anomalies (expenses) wait for the expenses' first load, with no alert; they used to fail
    the zone's promotion there. (A local `lake run` creates every ODS table of the zone, so it never
    meets the case.)"""
    from lake.spark import use_warehouse
    from lake.tasks.projections.task import project
    from lake.tasks.to_ods.promote import promote_task

    ctx = Context.local(tmp_path / "home", ZONES)
    spark = use_warehouse(spark, ctx.home.warehouse)  # as the Glue job's session is this lake's catalog
    centers = next(s for s in generate(tmp_path / "samples") if s.dataset == "cost_centers")
    drop_file(ctx, centers.path, "finance", "cost_centers")
    promote_task(spark, ctx, "finance", "cost_centers", "run-1")
    assert not spark.catalog.tableExists("finance_ods.expenses")

    builds = project(spark, ctx, {"finance_ods.cost_centers"}, "run-1", zone="finance")
    assert {b.table: b.status for b in builds} == {
        "finance_analytics.expense_summary": "waiting", "finance_analytics.expense_anomalies": "waiting"}
    assert not [a for a in ctx.alerts.read() if "analytics" in a.subject]
