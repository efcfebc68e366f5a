"""OpenLineage events, built with openlineage-python's classes, against the JSON Schema written here from
the specification's required fields; a projection's columnLineage facet traced from its SQL."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from openlineage.client.serde import Serde

from lake.backends.openlineage import event, ol_run_id
from lake.runtime.context import Context
from lake.runtime.runlog import TaskRun
from tests.lineage.schema import problems

# Aliases on the tables, a CTE renaming columns, an expression, an aggregate, a join, a constant.
CTE_SQL = """-- Spend per department, through a CTE.
WITH approved AS (
  SELECT e.amount AS spent, e.cost_center_id AS cc, upper(e.currency) AS ccy
  FROM finance_ods.expenses AS e
  WHERE e.approved
)
SELECT c.department AS dept, a.ccy AS currency_code, SUM(a.spent) AS total, a.cc, 'v1' AS version
FROM approved AS a
JOIN finance_ods.cost_centers AS c ON c.cost_center_id = a.cc
GROUP BY 1, 2, 4
ORDER BY total
"""


def _event(ctx: Context, table: str, state: str = "COMPLETE") -> dict:
    run = TaskRun("projection", table.split("_analytics.")[0], table, "run-parent1", inputs=["finance_ods.expenses"],
                  outputs=[table], rows_out=3, ended_at="2026-11-02T10:00:00.000+00:00")
    return Serde.to_dict(event(ctx, run, state))


@pytest.fixture
def ctx(tmp_path: Path, zones_copy: Path) -> Context:
    (zones_copy / "finance" / "projections" / "dept_spend.sql").write_text(CTE_SQL)
    return Context.local(tmp_path / "home", zones_copy)


def _inputs(facet: dict, column: str) -> set[tuple[str, str, str]]:
    return {(f["name"], f["field"], f["transformations"][0]["subtype"]) for f in facet["fields"][column]["inputFields"]}


def test_projection_column_lineage_through_a_cte_and_aliases(ctx: Context) -> None:
    ev = _event(ctx, "finance_analytics.dept_spend")
    assert problems(ev) == []
    [out] = ev["outputs"]
    facet = out["facets"]["columnLineage"]
    assert set(facet["fields"]) == {"dept", "currency_code", "total", "cc"}  # the constant reads no column
    assert _inputs(facet, "dept") == {("table/finance_ods/cost_centers", "department", "IDENTITY")}
    assert _inputs(facet, "currency_code") == {("table/finance_ods/expenses", "currency", "TRANSFORMATION")}
    assert _inputs(facet, "total") == {("table/finance_ods/expenses", "amount", "AGGREGATION")}
    assert _inputs(facet, "cc") == {("table/finance_ods/expenses", "cost_center_id", "IDENTITY")}
    field = facet["fields"]["total"]["inputFields"][0]
    assert field["namespace"].startswith("arn:aws:glue:") and field["transformations"][0]["type"] == "DIRECT"
    assert ev["job"]["facets"]["sql"]["query"] == CTE_SQL
    # what shapes every row: the CTE's filter, the join keys, the grouping, through the CTE's aliases
    shaping = {(f["name"].split("/")[-1], f["field"], f["transformations"][0]["subtype"]) for f in facet["dataset"]}
    assert shaping == {("expenses", "approved", "FILTER"), ("expenses", "cost_center_id", "JOIN"),
                       ("cost_centers", "cost_center_id", "JOIN"), ("cost_centers", "department", "GROUP_BY"),
                       ("expenses", "currency", "GROUP_BY"), ("expenses", "cost_center_id", "GROUP_BY"),
                       ("expenses", "amount", "SORT")}  # ORDER BY total: the output alias, back to its input
    assert {f["transformations"][0]["type"] for f in facet["dataset"]} == {"INDIRECT"}


def test_lineage_crosses_zones_and_python_projections_carry_none(ctx: Context) -> None:
    ev = _event(ctx, "executive_analytics.spend_by_department")
    facet = ev["outputs"][0]["facets"]["columnLineage"]
    assert _inputs(facet, "total_amount") == {("table/finance_analytics/expense_summary", "total_amount",
                                               "AGGREGATION")}
    py = _event(ctx, "finance_analytics.expense_anomalies")  # Python cannot be traced: no facet, no guess
    assert problems(py) == [] and "columnLineage" not in py["outputs"][0]["facets"]
    assert "sql" not in py["job"]["facets"]


def test_start_and_fail_events_conform(ctx: Context) -> None:
    run = TaskRun("to_ods", "finance", "finance_ods.expenses", "run-abc", inputs=["s3://staging/finance/x.parquet"],
                  outputs=["finance_ods.expenses"], status="failed", error="merge failed",
                  ended_at="2026-11-02T10:00:00.000+00:00")
    for state in ("START", "FAIL"):
        ev = Serde.to_dict(event(ctx, run, state))
        assert problems(ev) == [] and ev["eventType"] == state and ev["run"]["runId"] == ol_run_id(run.run_id)


@pytest.mark.parametrize("break_it, where", [
    (lambda e: e["run"].update(runId="run-123"), "run/runId"),
    (lambda e: e.update(eventType="DONE"), "eventType"),
    (lambda e: e.pop("eventTime"), "<event>"),
    (lambda e: e.update(eventTime="yesterday"), "eventTime"),
    (lambda e: e["job"].pop("namespace"), "job"),
    (lambda e: e["outputs"][0].pop("name"), "outputs/0"),
    (lambda e: e["outputs"][0]["facets"]["columnLineage"].pop("_producer"), "outputs/0/facets/columnLineage"),
    (lambda e: e["outputs"][0]["facets"]["columnLineage"]["fields"]["total"]["inputFields"][0].pop("field"),
     "outputs/0/facets/columnLineage/fields/total/inputFields/0"),
    (lambda e: e["run"]["facets"]["parent"]["run"].update(runId="x"), "run/facets/parent/run/runId"),
    (lambda e: e.update(schemaURL="https://example.com/x.json"), "schemaURL"),
])
def test_the_schema_rejects_what_the_spec_forbids(ctx: Context, break_it, where: str) -> None:  # noqa: ANN001
    ev = copy.deepcopy(_event(ctx, "finance_analytics.dept_spend"))
    break_it(ev)
    assert any(p.startswith(where + ":") for p in problems(ev)), problems(ev)
