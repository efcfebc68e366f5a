"""``lake demo``: a fresh lake, the sample files dropped, promoted, built and queried."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lake.home import LakeHome
from lake.output import write

QUERIES = [
    ("finance", "Approved spend per department (finance_analytics.expense_summary)",
     "SELECT department, currency, SUM(total_amount) AS total, SUM(expense_count) AS claims "
     "FROM finance_analytics.expense_summary GROUP BY department, currency ORDER BY department, currency"),
    ("finance", "Latest version of each claim in ODS (upserts applied)",
     "SELECT COUNT(*) AS claims, COUNT(DISTINCT expense_id) AS distinct_ids, SUM(amount) AS total_amount "
     "FROM finance_ods.expenses"),
    ("finance", "Largest claims for their category (Python projection finance_analytics.expense_anomalies)",
     "SELECT expense_id, category, currency, amount, anomaly_score FROM finance_analytics.expense_anomalies "
     "ORDER BY anomaly_score DESC, expense_id LIMIT 5"),
    ("customer_success", "Pipeline per region (customer_success_analytics.account_pipeline)",
     "SELECT region, COUNT(*) AS accounts, SUM(open_applications) AS open_apps, SUM(hires) AS hires "
     "FROM customer_success_analytics.account_pipeline GROUP BY region ORDER BY region"),
    ("executive", "As the executive zone: spend by department, from finance's published summary",
     "SELECT department, currency, total_amount, expense_count FROM executive_analytics.spend_by_department "
     "ORDER BY department, currency"),
    ("executive", "As the executive zone: hiring by region, from customer success's published pipeline",
     "SELECT region, accounts, open_applications, hires FROM executive_analytics.hiring_by_region ORDER BY region"),
]


def _section(title: str) -> None:
    print(f"\n== {title}")


def demo(home: str | None, config: str | None) -> int:
    from lake.spark import local_session

    started = time.monotonic()
    h = LakeHome.resolve(home)
    if h.root.exists():
        shutil.rmtree(h.root)  # a fresh lake every time: the demo is reproducible
    # Spark's JVM starts (seconds of its own) on a thread while the rest of the platform is imported,
    # the configuration loaded and the files dropped (none of which needs Spark).
    with ThreadPoolExecutor(1, thread_name_prefix="spark-start") as pool, \
            tempfile.TemporaryDirectory(prefix="lake-samples-") as work:
        session = pool.submit(local_session, h.warehouse)
        from lake.demo.samples import generate
        from lake.local.ingest import drop_file
        from lake.local.run import run
        from lake.query import QueryEngine
        from lake.runtime.context import Context

        ctx = Context.local(h.root, config)
        _section(f"1. Dropping sample files into {h.ingress}")
        surprises = 0
        # The producers' files live outside the lake home: ingress keeps the copies, and `lake forget`
        # can vouch for everything under the home.
        for s in generate(Path(work)):
            for rec in drop_file(ctx, s.path, s.zone, s.dataset):
                reason = f" — {rec.reason}" if rec.reason else ""
                print(f"  {rec.outcome:<11} {s.zone}/{s.dataset}/{s.path.name}: {rec.rows_staged} rows staged, "
                      f"{rec.rows_quarantined} quarantined{reason}")
                surprises += rec.outcome != s.expect
        session.result()
    spark = local_session(ctx.home.warehouse)  # the session started, made this thread's (lake/spark.py)
    _section("2. Promoting staging -> ODS (PySpark, Iceberg) and building projections")
    report = run(ctx, spark=spark)
    for p in report.promotions:
        if p.ingests:
            print(f"  promoted {p.table}: {p.rows_in} staged rows -> {p.rows_out} rows")
    for b in report.builds:
        print(f"  {b.status} {b.table}: {b.rows if b.status == 'built' else b.error}")
    engines: dict[str, QueryEngine] = {}  # one per zone: each costs a DuckDB connection and its views
    for zone, title, sql in QUERIES:
        _section(f"{title}  [lake query --zone {zone}]")
        if zone not in engines:
            engines[zone] = QueryEngine(ctx.cfg, ctx.home, zone)
        write(engines[zone].batches(sql), "table")
    _section("Zone isolation: executive asks for finance's unpublished ODS table")
    try:
        (engines.get("executive") or QueryEngine(ctx.cfg, ctx.home, "executive")).check(
            "SELECT * FROM finance_ods.expenses")
        print("  !! allowed — isolation is broken")
        surprises += 1
    except PermissionError as err:
        print(f"  {err}")
    print(f"\nDemo finished in {time.monotonic() - started:.0f} s. Lake home: {h.root}")
    print("Try: lake query --zone finance \"SELECT * FROM finance_ods.expenses LIMIT 5\"")
    if surprises or not report.ok:
        print("demo: some steps did not end as expected (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(demo(None, None))
