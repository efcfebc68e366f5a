"""The Glue scripts run as Glue runs them: a fresh process with no SparkSession, Glue's argv (``--conf``
settings, job arguments), and nothing importable that only the local runtime installs."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from glue_jobs.session import conf_settings
from lake.runtime.runlog import runs
from lake.spark import catalog_name, iceberg_jar
from lake.tasks.projections.task import project
from tests.glue_jobs.conftest import Lake, expense

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted(ROOT.glob("glue_jobs/*/job.py"))
# What only the local runtime installs: Glue has no DuckDB (its extensions) and no Iceberg jar package.
LOCAL_ONLY = ("snowpark_connect_deps_iceberg", "lake.spark", "duckdb", "duckdb_extension_iceberg",
              "duckdb_extension_avro")
BLOCK = "import sys\n" + "".join(f"sys.modules[{m!r}] = None\n" for m in LOCAL_ONLY)


def glue_python(code: str, *, env: dict[str, str] | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCK + code], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.parent.name)
def test_every_glue_script_imports_without_the_local_runtime(script: Path) -> None:
    module = ".".join(script.relative_to(ROOT).with_suffix("").parts)
    done = glue_python(f"import {module}")
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.parent.name)
def test_no_glue_script_takes_an_active_session_it_did_not_build(script: Path) -> None:
    calls = {n.attr for n in ast.walk(ast.parse(script.read_text())) if isinstance(n, ast.Attribute)}
    assert "getActiveSession" not in calls and "local_session" not in script.read_text()


def test_conf_settings_read_the_one_string_glue_passes() -> None:
    argv = ["job.py", "--JOB_NAME", "j", "--conf", "a.b=1 --conf c.d=x=y", "--zone", "finance"]
    assert conf_settings(argv) == {"a.b": "1", "c.d": "x=y"}
    with pytest.raises(ValueError, match="expected key=value"):
        conf_settings(["--conf", "no-value"])


@pytest.mark.spark
def test_the_projections_task_rebuilds_only_its_zone(lake: Lake, spark) -> None:  # noqa: ANN001
    lake.drop("finance", "expenses", [expense(1)])
    assert lake.run().ok
    builds = project(spark, lake.ctx, {"finance_ods.expenses"}, "run-finance", zone="finance")
    assert builds and {b.table.split("_analytics.")[0] for b in builds} == {"finance"}
    mine = [r for r in runs(lake.ctx) if r["parent_run_id"] == "run-finance"]
    assert sorted(r["table_name"] for r in mine) == sorted(b.table for b in builds)
    assert all(r["task"] == "projection" and r["status"] == "succeeded" for r in mine)


def run_as_glue(lake: Lake, script: str, args: list[str]) -> subprocess.CompletedProcess:
    """Start ``script`` as Glue does: a fresh process, no session, Glue's argv with ``--conf`` settings
    (here: the Iceberg catalog the in-process session wrote to, as Glue's would be the Data Catalog)."""
    warehouse = lake.ctx.home.warehouse.resolve()
    name = catalog_name(warehouse)
    conf = " --conf ".join([
        f"spark.jars={iceberg_jar()}",  # what --datalake-formats iceberg adds on Glue
        "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        f"spark.sql.catalog.{name}=org.apache.iceberg.spark.SparkCatalog",
        f"spark.sql.catalog.{name}.type=hadoop", f"spark.sql.catalog.{name}.warehouse={warehouse.as_uri()}",
        f"spark.sql.defaultCatalog={name}", "spark.ui.enabled=false", "spark.master=local[1]",
    ])
    argv = ["job.py", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--JOB_NAME", Path(script).parent.name, *args,
            "--conf", conf, "--enable-glue-datacatalog", "true", "--lake_backend", "local",
            "--lake_home", str(lake.ctx.home.root)]
    return glue_python(f"import runpy\nsys.argv = {argv!r}\nrunpy.run_path({script!r}, run_name='__main__')",
                       env={"LAKE_CONFIG": str(lake.ctx.cfg.root), "SPARK_LOCAL_IP": "127.0.0.1"})


@pytest.mark.spark
@pytest.mark.slow
def test_the_to_ods_job_runs_in_a_fresh_process_and_records_its_run(lake: Lake) -> None:
    lake.drop("finance", "expenses", [expense(1), expense(2)])
    lake.ctx.home.warehouse.mkdir(parents=True, exist_ok=True)
    done = run_as_glue(lake, "glue_jobs/to_ods/job.py",
                       ["--zone", "finance", "--dataset", "expenses", "--run_id", "exec-ods"])
    assert done.returncode == 0, done.stderr[-3000:]
    [run] = [r for r in runs(lake.ctx) if r["parent_run_id"] == "exec-ods"]
    assert (run["task"], run["table_name"], run["status"], run["rows_out"]) == (
        "to_ods", "finance_ods.expenses", "succeeded", 2)
    assert not lake.ctx.ledger.pending_promotion("finance", "expenses")  # promoted exactly once


@pytest.mark.spark
@pytest.mark.slow
def test_the_projections_job_runs_in_a_fresh_process_from_glue_argv(lake: Lake) -> None:
    """No session before the script, settings only from ``--conf``, ``--zone`` honoured, runs recorded."""
    lake.drop("finance", "expenses", [expense(1), expense(2)])
    assert lake.run().ok
    done = run_as_glue(lake, "glue_jobs/projections/job.py", [
        "--zone", "finance", "--run_id", "exec-glue", "--changed", json.dumps(["finance_ods.expenses"])])
    assert done.returncode == 0, done.stderr[-3000:]
    mine = [r for r in runs(lake.ctx) if r["parent_run_id"] == "exec-glue"]
    assert mine and {r["zone"] for r in mine} == {"finance"}  # executive rebuilds on its own event
    assert all(r["status"] == "succeeded" for r in mine)
