"""Projections at run time: what Spark resolves is checked before anything is read or written."""

from __future__ import annotations

import shutil

import pytest

from lake.config import Projection
from lake.query.grants import AccessDenied
from lake.runtime.context import Context
from lake.tasks.projections import guard
from lake.tasks.projections.build import build
from tests.conftest import ZONES
from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, spark) -> Lake:  # noqa: ANN001
    """One small lake for the module (a run costs seconds): finance expenses, one account."""
    tmp = tmp_path_factory.mktemp("isolation")
    shutil.copytree(ZONES, tmp / "insight_zones")
    lake = Lake(Context.local(tmp / "home", tmp / "insight_zones"), tmp)
    lake.drop("finance", "expenses", [expense(1)])
    lake.drop("customer_success", "accounts", [{"account_id": "A1", "name": "Acme", "region": "EMEA",
                                                "owner_email": "owner@example.com",
                                                "updated_at": "2026-11-01T00:00:00Z"}])
    assert lake.run().ok
    return lake


def sneaked(lake: Lake, sql: str, reads: set[str]) -> Projection:
    """A projection that skipped `lake validate` (e.g. the config changed under a running job)."""
    path = lake.tmp / "sneaked.sql"
    path.write_text(sql)
    return Projection("finance", "sneaked", path, sql, frozenset(reads))


def denied_and_unwritten(lake: Lake, spark, p: Projection, expect: str) -> None:  # noqa: ANN001
    with pytest.raises(AccessDenied, match="access denied") as err:
        build(spark, p, lake.ctx.cfg)
    assert expect in str(err.value)
    assert not spark.catalog.tableExists(p.table)


@pytest.mark.parametrize(("sql", "expect"), [
    ("SELECT * FROM IDENTIFIER('customer_success_ods.accounts')", "access denied"),
    ("SELECT * FROM range(5)", "table function range"),
    ("SELECT * FROM customer_success_ods.accounts", "customer_success_ods.accounts"),
    ("SELECT * FROM finance_ods.expenses.snapshots", "finance_ods.expenses.snapshots"),
])
def test_sql_escapes_fail_the_build_and_write_nothing(built: Lake, spark, sql: str, expect: str) -> None:  # noqa: ANN001
    denied_and_unwritten(built, spark, sneaked(built, sql, {"finance_ods.expenses"}), expect)


def test_a_path_relation_is_denied_before_spark_reads_it(built: Lake, spark) -> None:  # noqa: ANN001
    staged = next((built.ctx.home.staging / "customer_success" / "accounts").rglob("*.parquet")).parent
    sql = f'SELECT * FROM parquet."{staged}"'
    denied_and_unwritten(built, spark, sneaked(built, sql, {"finance_ods.expenses"}), "reads files by path")


def test_the_analyzed_plan_catches_what_spark_resolved(built: Lake, spark) -> None:  # noqa: ANN001
    granted = {"finance_ods.expenses"}
    assert guard.plan_violations(spark, spark.sql("SELECT * FROM IDENTIFIER('finance_ods.expenses')"), granted) == []
    other = spark.sql("SELECT * FROM IDENTIFIER('customer_success_ods.accounts')")
    assert guard.plan_violations(spark, other, granted) == ["reads customer_success_ods.accounts"]
    staged = next((built.ctx.home.staging / "customer_success" / "accounts").rglob("*.parquet"))
    [files] = guard.plan_violations(spark, spark.read.parquet(str(staged)), granted)
    assert files.startswith("reads files by path (") and staged.name in files
    assert guard.plan_violations(spark, spark.range(3), granted) == ["reads Range (not a table)"]
    hidden = spark.sql("SELECT expense_id FROM finance_ods.expenses WHERE category IN "
                       "(SELECT region FROM customer_success_ods.accounts)")
    assert guard.plan_violations(spark, hidden, granted) == ["reads customer_success_ods.accounts"]
    assert guard.plan_violations(spark, spark.sql("SELECT java_method('java.lang.System', 'getenv', 'HOME')"),
                                 granted) == ["CallMethodViaReflection calls Java methods"]


PYTHON_ESCAPES = {
    "spark_table": 'e.sparkSession.table("customer_success_ods.accounts")',
    "active_session": 'SparkSession.getActiveSession().table("customer_success_ods.accounts")',
    "read_path": 'e.sparkSession.read.parquet(STAGED)',
    "joined_in": 'e.crossJoin(e.sparkSession.table("customer_success_ods.accounts").select("owner_email"))',
    "collected": 'e.sparkSession.createDataFrame(e.sparkSession.table("customer_success_ods.accounts").collect())',
    "switched": '(e.sparkSession.catalog.setCurrentCatalog("spark_catalog"), e)[1]',
}


def test_python_projections_reaching_past_their_inputs_are_denied(built: Lake, spark) -> None:  # noqa: ANN001
    staged = next((built.ctx.home.staging / "customer_success" / "accounts").rglob("*.parquet"))
    for name, body in PYTHON_ESCAPES.items():
        (built.ctx.cfg.root / f"finance/projections/nosy_{name}.py").write_text(
            "from pyspark.sql import SparkSession\n\n"
            'INPUTS = ["finance_ods.cost_centers"]\n'
            f"STAGED = {str(staged)!r}\n\n"
            "def transform(inputs):\n"
            '    e = inputs["finance_ods.cost_centers"]\n'
            f"    return {body}\n")
    built.reload()
    builds = {b.table: b for b in built.run().builds}
    for name in PYTHON_ESCAPES:
        table = f"finance_analytics.nosy_{name}"
        assert builds[table].status == "failed", name
        assert builds[table].error.startswith(f"access denied: projection {table}"), builds[table].error
        assert not spark.catalog.tableExists(table)
    assert "jobs inside transform()" in builds["finance_analytics.nosy_collected"].error
    assert "switched the session's catalog" in builds["finance_analytics.nosy_switched"].error
    assert spark.catalog.tableExists("finance_analytics.expense_anomalies")  # well-behaved ones are untouched
    with pytest.raises(Exception, match="not built yet"):
        built.q("finance", "SELECT * FROM finance_analytics.nosy_spark_table")
    for name in PYTHON_ESCAPES:
        (built.ctx.cfg.root / f"finance/projections/nosy_{name}.py").unlink()
    built.reload()


def test_column_sources_follow_the_plan(built: Lake, spark) -> None:  # noqa: ANN001
    from pyspark.sql import functions as F

    from lake.tasks.projections.pii_check import column_sources

    e, c = spark.table("finance_ods.expenses"), spark.table("finance_ods.cost_centers")
    df = (e.join(c, "cost_center_id", "left")
          .select(F.lower(e.employee_email).alias("who"), "amount", c.department.alias("dept"))
          .groupBy("who", "dept").agg(F.sum("amount").alias("total")))
    assert column_sources(df) == {"who": {("finance_ods.expenses", "employee_email")},
                                  "dept": {("finance_ods.cost_centers", "department")},
                                  "total": {("finance_ods.expenses", "amount")}}
    union = e.select(e.category.alias("x")).union(c.select(c.owner_email))
    assert column_sources(union) == {"x": {("finance_ods.expenses", "category"),
                                           ("finance_ods.cost_centers", "owner_email")}}


def test_python_pii_declaration_is_held_to_the_plan(built: Lake, spark) -> None:  # noqa: ANN001
    root = built.ctx.cfg.root / "finance/projections"
    body = ('INPUTS = ["finance_ods.expenses"]\nPII_COLUMNS = {decl}\n\n'
            "def transform(inputs):\n    e = inputs['finance_ods.expenses']\n"
            "    return e.select(e.employee_email.alias('contact'), 'amount')\n")
    (root / "claims_undeclared.py").write_text(body.format(decl="[]"))
    (root / "claims_declared.py").write_text(body.format(decl='["contact"]'))
    built.reload()
    builds = {b.table: b for b in built.run().builds}
    wrong = builds["finance_analytics.claims_undeclared"]
    assert wrong.status == "failed" and "PII_COLUMNS does not list: contact (from " \
        "finance_ods.expenses.employee_email)" in str(wrong.error)
    assert not spark.catalog.tableExists("finance_analytics.claims_undeclared")
    assert builds["finance_analytics.claims_declared"].status == "built"
    assert [set(r) for r in built.q("finance", "SELECT * FROM finance_analytics.claims_declared")] == \
        [{"amount", "_promoted_at"}]
    for name in ("claims_undeclared", "claims_declared"):
        (root / f"{name}.py").unlink()
    built.reload()
