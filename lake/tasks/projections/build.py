"""The ``projections`` task: rebuild analytics tables from their Athena SQL, in DAG order.

Each projection replaces its table atomically (Iceberg createOrReplace of the checked DataFrame),
so a failing projection leaves the previous version in place; its dependants are skipped.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.utils import AnalysisException

from lake.backends.ledger import now
from lake.config import LakeConfig, Projection
from lake.sql import to_spark
from lake.sql.spark import athena_session, spark_schema
from lake.tasks.projections import guard, pii_check
from lake.tasks.projections.plan import affected


@dataclass
class Build:
    table: str
    status: str  # "built" | "failed" | "skipped" | "waiting"
    rows: int = 0
    error: str | None = None
    sql_file: str = ""
    started_at: str | None = None
    ended_at: str | None = None


def _python_transform(projection: Projection):  # noqa: ANN202
    spec = importlib.util.spec_from_file_location(f"projection_{projection.zone}_{projection.name}", projection.path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.transform


def build(spark: SparkSession, projection: Projection, cfg: LakeConfig) -> int:
    """Check what the projection reads (guard.py), then replace its table; a denial writes nothing."""
    if projection.is_python:
        # Only the declared inputs are handed over, and the returned plan may read nothing else.
        df = guard.checked_python(spark, cfg, projection, _python_transform(projection))
        pii_check.check_declaration(cfg, projection, df)  # PII_COLUMNS must list what derives from PII
    else:  # Athena semantics (lake.sql): ANSI Spark for this build, the SQL rewritten with the inputs' types
        with athena_session(spark):
            sql = to_spark(projection.sql, spark_schema(spark, projection.reads))
            return _replace(spark, projection, guard.checked_sql(spark, cfg, projection, sql))
    return _replace(spark, projection, df)


def _replace(spark: SparkSession, projection: Projection, df: DataFrame) -> int:
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS {projection.zone}_analytics")
    (df.withColumn("_promoted_at", F.current_timestamp())
     .writeTo(projection.table).using("iceberg").tableProperty("format-version", "2").createOrReplace())
    return spark.table(projection.table).count()


def rebuild(spark: SparkSession, cfg: LakeConfig, changed: set[str], zone: str | None = None) -> list[Build]:
    """Rebuild what ``changed`` tables affect (only ``zone``'s projections, if given: on AWS each zone's
    job may read its own inputs only, and other zones rebuild on their own "Tables Updated" event);
    a failure skips everything downstream of it."""
    mine = [p for z in cfg.zones.values() if zone is None or z.name == zone for p in z.projections.values()]
    missing = {p.table for p in mine if not spark.catalog.tableExists(p.table)}
    failed: set[str] = set()
    results = []
    for p in affected(cfg, changed, missing):
        if zone is not None and p.zone != zone:
            continue
        upstream_failed = sorted(p.reads & failed)
        if upstream_failed:
            failed.add(p.table)
            results.append(Build(p.table, "skipped", error=f"upstream failed: {', '.join(upstream_failed)}",
                                 sql_file=str(p.path)))
            continue
        absent = sorted(t for t in p.reads if not spark.catalog.tableExists(t))
        if absent and not p.reads & changed:
            # Due only because it was never built, and an input is not published yet (another zone's first
            # load, found by the twin): it waits for that input's own "Tables Updated", it has not failed.
            results.append(Build(p.table, "waiting", error=f"waiting for {', '.join(absent)}", sql_file=str(p.path)))
            continue
        started = now()
        try:
            results.append(Build(p.table, "built", build(spark, p, cfg), sql_file=str(p.path)))
        except (AnalysisException, Exception) as err:  # noqa: BLE001 - any SQL error is the projection's failure
            failed.add(p.table)
            first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            results.append(Build(p.table, "failed", error=first_line, sql_file=str(p.path)))
        results[-1].started_at, results[-1].ended_at = started, now()  # for the run log
    return results
