"""``lake plan --diff``: run the changed projections, and everything downstream, beside the real ones.

Each projection whose SQL or Python changed (base vs working tree), and every projection downstream of it,
is built from the working tree's SQL into a Spark temporary view (the scratch namespace: it lives
only in this session), reading the other scratch views where an upstream one was rebuilt. The real
Iceberg tables are only read. Per table: rows before and after, and a sample of rows that appear
only after / only before. Python projections run the same way (their transform, given the scratch views
of rebuilt inputs); their output columns for ``lake plan`` come from python_outputs.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from lake.config import LakeConfig
from lake.config.projection import DIALECT, parse_sql
from lake.config.table_schemas import Columns
from lake.tasks.projections.build import _python_transform  # loads a projection's file as the run does
from lake.tasks.projections.plan import affected, build_order


def changed_projections(base: LakeConfig, new: LakeConfig) -> set[str]:
    old = {p.table: p.sql for z in base.zones.values() for p in z.projections.values()}
    return {p.table for z in new.zones.values() for p in z.projections.values() if old.get(p.table) != p.sql}


def python_outputs(spark: Any, cfg: LakeConfig) -> dict[str, Columns]:
    """Each Python projection's output columns: its transform applied to empty DataFrames typed as the
    config says its inputs are. Only Spark's analysis runs (no rows, no job), so this is the code's
    real output schema in well under a second per projection. One that fails is left out (unknown)."""
    out: dict[str, Columns] = {}
    for p in build_order(cfg):
        if not p.is_python:
            continue
        try:
            inputs = {name: _empty(spark, cfg, name, out) for name in sorted(p.reads)}
            df = _python_transform(p)(inputs)
            out[p.table] = {f.name.lower(): f.dataType.simpleString() for f in df.schema.fields}
        except Exception:  # noqa: BLE001, S112 - user code: its columns stay unknown, the diff reports the error
            continue
    return out


def _empty(spark: Any, cfg: LakeConfig, table: str, python: dict[str, Columns]) -> Any:
    if table in python:
        cols = python[table]
    else:
        trino = cfg.schemas.get(table)
        if trino is None:
            raise ValueError(f"the columns of {table} are not known")
        cols = {c: exp.DataType.build(t if t != "unknown" else "varchar", dialect=DIALECT).sql(dialect="spark")
                for c, t in trino.items()}
    return spark.createDataFrame([], ", ".join(f"`{c}` {t}" for c, t in cols.items()))


def scratch_name(table: str) -> str:
    return "plan_scratch__" + table.replace(".", "__")


def _rewrite(sql: str, rebuilt: set[str]) -> str:
    """The projection's Spark SQL, reading scratch views for the upstream tables rebuilt here."""
    tree = parse_sql(sql)
    for t in list(tree.find_all(exp.Table)):
        name = f"{t.db}.{t.name}".lower() if t.db else ""
        if name in rebuilt:
            t.replace(exp.Table(this=exp.to_identifier(scratch_name(name)), alias=t.args.get("alias")))
    return parse_sql(tree.sql(dialect=DIALECT)).sql(dialect="spark")


def diff(spark: Any, base: LakeConfig, new: LakeConfig, sample: int = 5) -> list[dict[str, Any]]:
    changed = changed_projections(base, new)
    dependants = {p.table for p in affected(new, changed)}
    todo = [p for p in build_order(new) if p.table in changed or p.table in dependants]
    rebuilt: set[str] = set()
    out = []
    for p in todo:
        row: dict[str, Any] = {"table": p.table, "changed_sql": p.table in changed}
        try:
            if p.is_python:  # its declared inputs, the scratch views where an upstream one was rebuilt
                after = _python_transform(p)({name: spark.table(scratch_name(name) if name in rebuilt else name)
                                              for name in sorted(p.reads)})
            else:
                after = spark.sql(_rewrite(p.sql, rebuilt))
            after.createOrReplaceTempView(scratch_name(p.table))
            rebuilt.add(p.table)
            row["rows_after"] = after.count()
        except Exception as err:  # noqa: BLE001 - any SQL error is what the reviewer needs to see
            row["error"] = (str(err).strip().splitlines() or [type(err).__name__])[0]
            out.append(row)
            continue
        if spark.catalog.tableExists(p.table):
            before = spark.table(p.table).drop("_promoted_at")
            row["rows_before"] = before.count()
            if before.columns == after.columns:
                row["only_after"] = [r.asDict() for r in after.exceptAll(before).limit(sample).collect()]
                row["only_before"] = [r.asDict() for r in before.exceptAll(after).limit(sample).collect()]
            else:
                row["columns_before"], row["columns_after"] = before.columns, after.columns
        else:
            row["rows_before"] = None
        out.append(row)
    return out
