"""The SparkSession the Glue jobs run on.

On AWS Glue 5.x the session comes configured (``--datalake-formats iceberg``, Glue Data
Catalog as the Iceberg catalog). Locally we build the equivalent: Iceberg's Spark runtime
from its PyPI-packaged jar (Maven is not reachable), a Hadoop catalog under the lake home
named ``lake`` and made the default, so ``finance_ods.expenses`` resolves exactly as in Athena.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import time
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
    # The JVM resolves catalogs with the settings of this thread's active session: make it this one (a
    # projection build on a session copy may have left its copy active on the thread).
    spark._jvm.SparkSession.setActiveSession(spark._jsparkSession)  # type: ignore[attr-defined,union-attr]
    # Once anything has set the current catalog (USE, setCurrentCatalog), Spark ignores defaultCatalog.
    spark.catalog.setCurrentCatalog(name)
    return spark


_DYNAMIC_ARCHIVE_MAGIC = bytes.fromhex("a8ab0bf0")  # 0xf00baba8, little-endian: a complete dynamic CDS archive


def class_archive(variant: str = "") -> list[str]:
    """JVM flags that map Spark's classes from a class-data-sharing archive (AppCDS).

    A Spark JVM loads some 10,000 classes at start; mapped from an archive, a small local run
    takes about half the CPU (benchmarks/run). The archive is made by the JVM itself at the exit of
    the first run (``-XX:ArchiveClassesAtExit``, to a file of its own), and put in place by a later
    run once complete; it lives in ``~/.cache/insight-lake`` (~150 MB), keyed by the JDK and the
    jars. A stale or foreign archive is simply not used (``-Xshare:auto``). ``LAKE_SPARK_CDS=0``: off.
    ``variant``: what else fixes the JVM's class path (the twin's Glue runs add jars and a conf
    folder); each variant has an archive of its own.
    """
    if os.environ.get("LAKE_SPARK_CDS", "1") == "0":
        return []
    import pyspark

    java = shutil.which("java", path=os.path.join(os.environ["JAVA_HOME"], "bin")) if os.environ.get(
        "JAVA_HOME") else shutil.which("java")
    # "driver-cp": the Iceberg jar on the JVM's own class path (local_session), so archived with Spark's
    # classes; an archive made before, when it came through spark.jars, would not match that class path.
    # SPARK_CONF_DIR replaces pyspark's conf folder on the class path: an archive made without it would
    # not match (the JVM then silently runs without one, ~4 CPU s more per demo), so it has its own.
    conf_dir = f"|conf:{os.environ['SPARK_CONF_DIR']}" if os.environ.get("SPARK_CONF_DIR") else ""
    key = "|".join([os.path.realpath(java or "java"), os.path.dirname(pyspark.__file__), pyspark.__version__,
                    str(iceberg_jar()), variant or f"driver-cp{conf_dir}"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "insight-lake"
    archive = cache / f"spark-{hashlib.sha1(key.encode()).hexdigest()[:12]}.jsa"
    # The JVM warns on stdout about classes it cannot archive: stdout is the command's answer.
    quiet = ["-Xlog:disable", "-Xlog:all=error:stderr"]
    if not archive.exists():
        _adopt_finished_dump(archive)
    if archive.exists():
        for late in archive.parent.glob(f"{archive.name}.*.tmp"):  # a second dump, not needed any more
            with contextlib.suppress(OSError):
                if time.time() - late.stat().st_mtime > 3600:
                    late.unlink()
        return [f"-XX:SharedArchiveFile={archive}", "-Xshare:auto", *quiet]
    # One JVM dumps at a time (a dump costs seconds of CPU): the others run without an archive.
    # Its file is claimed now, empty; the JVM writes it at exit.
    dumps = list(cache.glob(f"{archive.name}.*.tmp")) if cache.is_dir() else []
    if any(time.time() - d.stat().st_mtime < 600 for d in dumps if d.exists()):
        return quiet
    dump = Path(f"{archive}.{os.getpid()}.tmp")
    try:
        cache.mkdir(parents=True, exist_ok=True)
        dump.touch()
    except OSError:
        return []
    return [f"-XX:ArchiveClassesAtExit={dump}", *quiet]


def _adopt_finished_dump(archive: Path) -> None:
    """Put in place a dump an earlier run's JVM finished: complete (its header, written last, holds
    the magic number) and untouched for a while (not still being written)."""
    for dump in sorted(archive.parent.glob(f"{archive.name}.*.tmp"), key=lambda f: f.stat().st_mtime,
                       reverse=True) if archive.parent.is_dir() else []:
        try:
            with dump.open("rb") as f:
                complete = f.read(4) == _DYNAMIC_ARCHIVE_MAGIC
            age = time.time() - dump.stat().st_mtime
            if complete and age > 10:
                os.replace(dump, archive)
                return
            if not complete and age > 3600:  # a JVM killed while it wrote: never finished
                dump.unlink()
        except OSError:
            continue


def java_options() -> list[str]:
    """The driver JVM's flags beyond logging.

    ``LAKE_SPARK_JIT=quick`` (the default): the JIT stops at C1. A local run is short and its JVM's
    CPU goes to compiling Spark, Iceberg and the generated code, not to running it: C1-only cuts
    a small run's CPU by about a third (benchmarks/run). ``full``: C1 then C2, for long runs over
    much data. The serial collector (below). ``LAKE_SPARK_JAVA_OPTIONS`` adds flags of your own.
    """
    jit = os.environ.get("LAKE_SPARK_JIT", "quick")
    if jit not in ("quick", "full"):
        raise ValueError(f"LAKE_SPARK_JIT must be 'quick' or 'full', not {jit!r}")
    own = os.environ.get("LAKE_SPARK_JAVA_OPTIONS", "").split()
    # The serial collector: no GC threads competing with two task threads, and a heap that grows only
    # as needed (G1 and Parallel size theirs up front: a small run's RSS 1.2 GB instead of 0.8 GB).
    # A collector of your own in LAKE_SPARK_JAVA_OPTIONS wins (the JVM refuses two).
    gc = [] if any(f.startswith("-XX:+Use") and f.endswith("GC") for f in own) else ["-XX:+UseSerialGC"]
    return (["-XX:TieredStopAtLevel=1"] if jit == "quick" else []) + gc + class_archive() + own


def local_session(warehouse: Path, app_name: str = "insight-lake") -> SparkSession:
    """One local[2] session per process, reused: starting Spark costs 5-8 s."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # spark-submit first runs a small JVM that only prints the driver's command line: C1 and the serial
    # collector make it ~0.1 s of CPU cheaper (no C2 or G1 threads for a 0.2 s life).
    os.environ.setdefault("SPARK_LAUNCHER_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
    active = SparkSession.getActiveSession()
    if active is not None:
        return use_warehouse(active, warehouse)
    builder = (
        SparkSession.builder.master(os.environ.get("LAKE_SPARK_MASTER", "local[2]"))
        .appName(app_name)
        # On the driver's class path, not through spark.jars (a class loader of Spark's own): the JVM
        # can then map Iceberg's ~1,000 classes from the class-data archive instead of loading and
        # verifying them from the jar in each run. Local mode runs its tasks in this JVM.
        .config("spark.driver.extraClassPath", str(iceberg_jar()))
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
    # The JVM keeps the active session per thread, and plans a thread's statements without one with
    # Spark's default SQL settings (catalog, time zone, ANSI ...): a session started on another thread
    # (lake demo starts it while it drops files) becomes this thread's too.
    spark._jvm.SparkSession.setActiveSession(spark._jsparkSession)  # type: ignore[attr-defined,union-attr]
    spark.sparkContext.setLogLevel("ERROR")
    return use_warehouse(spark, warehouse)
