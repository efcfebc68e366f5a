"""OpenLineage: START and COMPLETE/FAIL per task run, one run id, spec naming, facets."""

from __future__ import annotations

import json

import pytest

from lake.backends.openlineage import dataset_name, ol_run_id
from lake.local.ingest import drop_file
from lake.runtime.runlog import runs, task_run
from tests.ingest.conftest import FIXTURES


def events(ctx) -> list[dict]:  # noqa: ANN001
    path = ctx.home.platform / "openlineage.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def test_naming_per_spec() -> None:
    assert dataset_name("s3://staging/finance/expenses/x.parquet") == ("s3://staging", "finance/expenses/x.parquet")
    ns, name = dataset_name("finance_ods.expenses")
    assert ns.startswith("arn:aws:glue:") and name == "table/finance_ods/expenses"


def test_each_task_run_emits_start_and_complete_with_one_run_id(ctx) -> None:  # noqa: ANN001
    drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    validator = next(r for r in runs(ctx) if r["task"] == "validator")
    mine = [e for e in events(ctx) if e["run"]["runId"] == ol_run_id(validator["run_id"])]
    assert [e["eventType"] for e in mine] == ["START", "COMPLETE"]
    done = mine[-1]
    assert done["job"] == {"namespace": "insight-lake", "name": "validator.finance_staging.expenses",
                           "facets": done["job"]["facets"]}
    assert done["inputs"][0]["namespace"] == "s3://landing"
    assert done["inputs"][0]["inputFacets"]["dataQualityMetrics"]["rowCount"] == validator["rows_in"]
    assert done["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == validator["rows_out"]
    assert done["schemaURL"].startswith("https://openlineage.io/spec/") and done["producer"]


def test_failed_run_emits_fail_with_error_and_ods_schema(ctx) -> None:  # noqa: ANN001
    with pytest.raises(RuntimeError), task_run(ctx, "to_ods", zone="finance", table_name="finance_ods.expenses",
                                               parent_run_id="run-abc", outputs=["finance_ods.expenses"]) as run:
        raise RuntimeError("merge failed")
    mine = [e for e in events(ctx) if e["run"]["runId"] == ol_run_id(run.run_id)]
    assert [e["eventType"] for e in mine] == ["START", "FAIL"]
    fail = mine[-1]
    assert fail["run"]["facets"]["errorMessage"]["message"] == "merge failed"
    assert fail["run"]["facets"]["parent"]["run"]["runId"] == ol_run_id("run-abc")
    fields = {f["name"] for f in fail["outputs"][0]["facets"]["schema"]["fields"]}
    assert {"expense_id", "amount"} <= fields
