"""The SparkSession the Glue jobs run on.

On AWS Glue 5.x the session comes configured (``--datalake-formats iceberg``, Glue Data
Catalog as the Iceberg catalog). Locally we build the equivalent: Iceberg's Spark runtime
from its PyPI-packaged jar (Maven is not reachable), a Hadoop catalog under the lake home
named ``lake`` and made the default, so ``finance_ods.expenses`` resolves exactly as in Athena.
"""

from __future__ import annotations

import hashlib
import os
import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

CATALOG = "lake"
LOG_CONFIG = Path(__file__).with_name("log4j2.properties")
_JAR = "iceberg-spark-runtime-3.5_2.12-1.9.2.jar"  # the 2.13 build does not match PySpark 3.5


def iceberg_jar() -> Path:
    path = Path(str(resources.files("snowpark_connect_deps_iceberg"))) / "jars" / _JAR
    if not path.exists():
        raise FileNotFoundError(f"Iceberg runtime jar not found at {path}; is snowpark-connect-deps-iceberg installed?")
    return path


def catalog_name(warehouse: Path) -> str:
    return f"{CATALOG}_{hashlib.sha1(str(warehouse.resolve()).encode()).hexdigest()[:8]}"


def use_warehouse(spark: SparkSession, warehouse: Path) -> SparkSession:
    """Point the session's default catalog at ``warehouse``.

    Catalogs are created lazily per name, so each lake home gets its own catalog in the one
    running session: switching homes (tests, benchmarks) costs nothing, not a JVM restart.
    """
    warehouse.mkdir(parents=True, exist_ok=True)
    name = catalog_name(warehouse)
    spark.conf.set(f"spark.sql.catalog.{name}", "org.apache.iceberg.spark.SparkCatalog")
    spark.conf.set(f"spark.sql.catalog.{name}.type", "hadoop")
    spark.conf.set(f"spark.sql.catalog.{name}.warehouse", warehouse.resolve().as_uri())
    spark.conf.set("spark.sql.defaultCatalog", name)
    # Once anything has set the current catalog (USE, setCurrentCatalog), Spark ignores defaultCatalog.
    spark.catalog.setCurrentCatalog(name)
    return spark


def java_options() -> list[str]:
    """The driver JVM's flags beyond logging.

    ``LAKE_SPARK_JIT=quick`` (the default): the JIT stops at C1. A local run is short and its JVM's
    CPU goes to compiling Spark, Iceberg and the generated code, not to running it: C1-only cuts
    a small run's CPU by about a third (benchmarks/run). ``full``: C1 then C2, for long runs over
    much data. ``LAKE_SPARK_JAVA_OPTIONS`` adds flags of your own.
    """
    jit = os.environ.get("LAKE_SPARK_JIT", "quick")
    if jit not in ("quick", "full"):
        raise ValueError(f"LAKE_SPARK_JIT must be 'quick' or 'full', not {jit!r}")
    return (["-XX:TieredStopAtLevel=1"] if jit == "quick" else []) + os.environ.get(
        "LAKE_SPARK_JAVA_OPTIONS", "").split()


def local_session(warehouse: Path, app_name: str = "insight-lake") -> SparkSession:
    """One local[2] session per process, reused: starting Spark costs 5-8 s."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    active = SparkSession.getActiveSession()
    if active is not None:
        return use_warehouse(active, warehouse)
    builder = (
        SparkSession.builder.master(os.environ.get("LAKE_SPARK_MASTER", "local[2]"))
        .appName(app_name)
        .config("spark.jars", str(iceberg_jar()))
        .config("spark.sql.extensions", "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Small local data: a few partitions beat Spark's default 200 shuffle tasks.
        .config("spark.sql.shuffle.partitions", os.environ.get("LAKE_SHUFFLE_PARTITIONS", "4"))
        .config("spark.driver.memory", os.environ.get("LAKE_SPARK_MEMORY", "2g"))
        .config("spark.sql.parquet.datetimeRebaseModeInWrite", "CORRECTED")
        .config("spark.driver.extraJavaOptions", " ".join([f"-Dlog4j2.configurationFile={LOG_CONFIG.as_uri()}",
                                                           *java_options()]))
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return use_warehouse(spark, warehouse)
