"""Run-time isolation of a projection: what Spark resolved is what gets checked, before anything is read.

``lake validate`` already refused what the SQL text shows. Here, on the job's own session, the
statement as transpiled for Spark is checked again (lake/config/projection_guard.py) and then the
ANALYZED logical plan: every leaf must be one of the projection's granted input tables in the
session's own catalog (a CTE reference, VALUES and a one-row SELECT read nothing). Anything else,
a file relation, ``range``, an RDD, another catalog's table or a metadata table, is denied, and
so are script transforms and Java reflection anywhere in the plan. A Python projection's returned
DataFrame is checked the same way, so ``spark.table(...)`` or ``df.sparkSession.read.parquet(...)``
inside ``transform`` fails the build with "access denied" and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

from pyspark.sql import DataFrame, SparkSession

from lake.config import LakeConfig, Projection
from lake.config.projection_guard import check_spark_sql
from lake.namespace import own_table
from lake.query.grants import AccessDenied

HARMLESS_LEAVES = {"CTERelationRef", "OneRowRelation", "LocalRelation"}
FILE_LEAVES = {"LogicalRelation", "HiveTableRelation"}  # granted only when they are a catalog table
DENIED_NODES = ("ScriptTransformation",)  # SELECT TRANSFORM(...) USING 'a shell command'
DENIED_EXPRESSIONS = {"CallMethodViaReflection"}  # reflect(), java_method()


def scala_list(scala_seq: Any) -> list[Any]:
    it, out = scala_seq.iterator(), []
    while it.hasNext():
        out.append(it.next())
    return out


def scala_option(opt: Any) -> Any:
    return opt.get() if opt.isDefined() else None


def node_kind(node: Any) -> str:
    return str(node.getClass().getSimpleName())


def v2_table(node: Any, catalog: str) -> str | None:
    """``db.name`` of an Iceberg (DSv2) relation in the session's catalog; None for anything else."""
    ident, plugin = scala_option(node.identifier()), scala_option(node.catalog())
    if ident is None or plugin is None or str(plugin.name()).lower() != catalog.lower():
        return None
    namespace = [str(p) for p in ident.namespace()]
    return ".".join([*namespace, str(ident.name())]).lower() if len(namespace) == 1 else None


def catalog_table(node: Any) -> str | None:
    """``db.name`` of a file relation that is a catalog table (staging on Glue); None for a path."""
    meta = node.tableMeta() if node_kind(node) == "HiveTableRelation" else scala_option(node.catalogTable())
    if meta is None:
        return None
    ident = meta.identifier()
    db = scala_option(ident.database())
    return f"{db}.{ident.table()}".lower() if db else None


def _expressions(node: Any) -> Iterator[Any]:
    todo = scala_list(node.expressions())
    while todo:
        e = todo.pop()
        yield e
        todo += scala_list(e.children())


def _nodes(plan: Any) -> Iterator[Any]:
    """Every node of the plan, subquery plans (IN, EXISTS, scalar) included."""
    todo = [plan]
    while todo:
        node = todo.pop()
        yield node
        todo += scala_list(node.children()) + scala_list(node.subqueries())


def plan_violations(spark: SparkSession, df: DataFrame, allowed: set[str]) -> list[str]:
    """What the DataFrame's analyzed plan reads or runs beyond the ``allowed`` tables."""
    catalog = spark.catalog.currentCatalog()
    out: list[str] = []
    for node in _nodes(df._jdf.queryExecution().analyzed()):
        kind = node_kind(node)
        if kind.endswith(DENIED_NODES):
            out.append(f"{kind} runs an external script")
        bad = {node_kind(e) for e in _expressions(node)} & DENIED_EXPRESSIONS
        if bad:
            out.append(f"{', '.join(sorted(bad))} calls Java methods")
        if scala_list(node.children()) or kind in HARMLESS_LEAVES:
            continue
        if kind == "DataSourceV2Relation":
            table = v2_table(node, catalog)
            what = table or str(node.table().name())
        elif kind in FILE_LEAVES:
            table = catalog_table(node)
            what = table or "files by path (" + ", ".join(df.inputFiles()[:3]) + ")"
        else:
            table, what = None, f"{kind} (not a table)"
        table = own_table(table) if table else None  # the stage's physical name -> the name granted
        if table is None or table not in allowed:
            out.append(f"reads {what}")
    return out


def deny(projection: Projection, problems: list[str]) -> None:
    if problems:
        raise AccessDenied(f"access denied: projection {projection.table} ({projection.path.name}) "
                           + "; ".join(dict.fromkeys(problems)))


def allowed_inputs(cfg: LakeConfig, projection: Projection) -> set[str]:
    """The projection's inputs, each of which its zone must still be granted."""
    readable = cfg.readable_by(projection.zone)
    denied = sorted(projection.reads - readable)
    deny(projection, [f"reads {t}, which zone '{projection.zone}' may not read" for t in denied])
    return set(projection.reads)


def checked_sql(spark: SparkSession, cfg: LakeConfig, projection: Projection, query: str) -> DataFrame:
    """The projection's Spark statement as an (unexecuted) DataFrame, once both checks pass."""
    allowed = allowed_inputs(cfg, projection)
    deny(projection, [str(e) for e in check_spark_sql(query, allowed)])
    df = spark.sql(query)  # analysis only: resolves names, reads no rows
    deny(projection, plan_violations(spark, df, allowed))
    return df


@contextmanager
def _contained(spark: SparkSession, projection: Projection) -> Iterator[None]:
    """``transform`` must return a plan, not run one: a job run inside it (``collect``, ``count``,
    ``toPandas`` ...) could carry rows from anywhere into the result, past the plan check. Nor may
    it switch the session's catalog or database, which the plan check and later builds rely on."""
    sc = spark.sparkContext
    where = (spark.catalog.currentCatalog(), spark.catalog.currentDatabase())
    group, before = f"projection-{uuid4().hex}", sc.getLocalProperty("spark.jobGroup.id")
    sc.setLocalProperty("spark.jobGroup.id", group)
    try:
        yield
    finally:  # also when transform() failed: what it did is the finding, not its later error
        sc.setLocalProperty("spark.jobGroup.id", before)  # type: ignore[arg-type]
        moved = (spark.catalog.currentCatalog(), spark.catalog.currentDatabase()) != where
        if moved:  # put it back for the projections built after this one
            spark.catalog.setCurrentCatalog(where[0])
            if where[1]:  # a Hadoop catalog starts with no current namespace
                spark.catalog.setCurrentDatabase(where[1])
        problems = ["ran Spark jobs inside transform() (collect, count, toPandas ...): return a DataFrame"
                    ] if sc.statusTracker().getJobIdsForGroup(group) else []
        deny(projection, problems + (["switched the session's catalog or database"] if moved else []))


def checked_python(spark: SparkSession, cfg: LakeConfig, projection: Projection,
                   transform: Callable[[dict[str, DataFrame]], DataFrame]) -> DataFrame:
    """Run ``transform`` on DataFrames of the declared inputs only and check what it returns."""
    allowed = allowed_inputs(cfg, projection)
    inputs = {name: spark.table(name) for name in sorted(allowed)}
    with _contained(spark, projection):
        df = transform(inputs)
    if not isinstance(df, DataFrame):
        raise TypeError(f"{projection.path.name}: transform() must return a DataFrame, not {type(df).__name__}")
    deny(projection, plan_violations(spark, df, allowed))
    return df
