"""`lake run` promotes a local lake's datasets two at a time (lake/local/run.py: promote_all), each on a
session copy with SQLite connections of its own: the same report, ledger, records and tables as one
after the other, and the caller's session sees what the copies committed."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.demo.samples import generate
from lake.local.ingest import drop_file
from lake.local.run import run
from lake.runtime.context import Context
from lake.spark import local_session
from tests.conftest import REPO

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def test_datasets_promote_side_by_side_as_they_would_one_after_the_other(spark, tmp_path: Path) -> None:  # noqa: ANN001
    ctx = Context.local(tmp_path / "home", REPO / "insight_zones")
    samples = generate(tmp_path / "samples")
    for s in samples:
        if s.dataset in ("cost_centers", "accounts"):
            drop_file(ctx, s.path, s.zone, s.dataset)
    session = local_session(ctx.home.warehouse)

    first = run(ctx, spark=session)
    order = [f"{z.name}_ods.{d}" for z in ctx.cfg.zones.values() for d in z.datasets]
    assert [p.table for p in first.promotions] == order  # reported in the configuration's order
    assert {p.table: p.rows_out for p in first.promotions if p.ingests} == {
        "finance_ods.cost_centers": 6, "customer_success_ods.accounts": 20}
    assert session.table("finance_ods.cost_centers").count() == 6  # the caller's session reads it
    assert session.table("finance_ods.expenses").count() == 0  # created, nothing staged yet

    # The caller's session has read finance's tables; a second run's copies commit new snapshots of them.
    for s in samples:
        if s.dataset in ("expenses", "applications"):
            drop_file(ctx, s.path, s.zone, s.dataset)
    second = run(ctx, spark=session)
    assert second.ok
    assert {p.table: p.rows_out for p in second.promotions if p.ingests} == {
        "finance_ods.expenses": 160, "customer_success_ods.applications": 56}
    assert session.table("finance_ods.expenses").count() == 160  # what the copies committed
    assert session.table("finance_analytics.expense_summary").count() == 93
    assert not any(ctx.ledger.pending_promotion(z, d) for z in ctx.cfg.zones for d in ctx.cfg.zones[z].datasets)
    runs = [(r["table_name"], r["status"]) for r in ctx.records.rows("runs")
            if r["task"] == "to_ods" and r["parent_run_id"] == second.run_id]
    assert sorted(runs) == sorted([(t, "succeeded" if t in ("finance_ods.expenses",
                                                           "customer_success_ods.applications") else "skipped")
                                   for t in order])
