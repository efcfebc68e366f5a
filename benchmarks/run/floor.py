"""The `lake run` benchmark's floor: what a Spark engineer writes by hand for the same result.

    python -m benchmarks.run.floor STAGED_DIR WAREHOUSE ZONE_DIR

One process, like `lake run`: start Spark with the same ``lake.spark.local_session`` settings, load
the staged Parquet into an Iceberg ODS table (CTAS: the batch's keys are unique, so no MERGE), and
build the three projections from the same SQL files (transpiled from Athena's dialect with sqlglot,
as the platform does). No ledger, quality gates, lineage, run log or skip logic.
"""

from __future__ import annotations

import sys
from pathlib import Path

import sqlglot


def main(staged: Path, warehouse: Path, zone_dir: Path) -> None:
    from lake.spark import local_session

    spark = local_session(warehouse)
    spark.sql("CREATE NAMESPACE IF NOT EXISTS aviation_ods")
    spark.sql("CREATE NAMESPACE IF NOT EXISTS aviation_analytics")
    data = spark.read.parquet(str(staged)).drop("_ingest_id", "_source_file", "_row_number", "_ingested_at")
    data.writeTo("aviation_ods.flights").using("iceberg").tableProperty("format-version", "2").create()
    for sql_file in sorted((zone_dir / "projections").glob("*.sql")):
        select = sqlglot.transpile(sql_file.read_text(), read="trino", write="spark")[0]
        spark.sql(select).writeTo(f"aviation_analytics.{sql_file.stem}").using("iceberg").create()


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
