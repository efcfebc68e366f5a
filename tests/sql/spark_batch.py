"""The corpus's answered cases on Spark in one job: each case's rows as JSON, unioned.

One Spark job instead of one per case keeps the corpus fast on a shared machine. The transpile and the
session settings are the projection build's (lake.sql.to_spark inside athena_session); each case's result
types come from its own analyzed plan. A batch that fails is re-run case by case, so one failing case
cannot hide the others' answers."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from lake.sql import to_spark
from lake.sql.spark import athena_session
from tests.sql.corpus import norm, trino_type

Answer = tuple[list[Any], list[str]] | BaseException


def _value(v: Any, t: Any) -> Any:
    """A JSON value back to the Python value Spark's collect() would give (decimals with their scale)."""
    name = type(t).__name__
    if v is None:
        return None
    if name == "DecimalType":
        return Decimal(str(v)).quantize(Decimal(1).scaleb(-t.scale))
    if name == "TimestampType":
        return datetime.fromisoformat(v.replace("Z", "+00:00"))
    if name == "DateType":
        return datetime.fromisoformat(v).date()
    if name == "ArrayType":
        return [_value(x, t.elementType) for x in v]
    if name == "MapType":
        return {_value(k, t.keyType): _value(x, t.valueType) for k, x in v.items()}
    if name in ("DoubleType", "FloatType"):
        return float(v)
    return v


def _wrapped(i: int, sql: str) -> str:
    """The case's rows as JSON; monotonically_increasing_id keeps the order of an ORDER BY (it grows with the
    partition index, and a sort's partitions are in order), without a shuffle of its own."""
    return (f"SELECT {i} AS _case, monotonically_increasing_id() AS _row, "
            f"to_json(struct(*), map('ignoreNullFields', 'false')) AS _json FROM ({sql}) _c")


def _decode(rows: list[Any], schema: Any) -> list[Any]:
    out = []
    for _, _, text in sorted(rows, key=lambda r: r[1]):
        record = json.loads(text, parse_float=Decimal)
        out.append(norm([_value(record.get(f.name), f.dataType) for f in schema.fields]))
    return out


def run_cases(spark: Any, cases: list[dict[str, Any]]) -> dict[str, Answer]:
    answers: dict[str, Answer] = {}
    partitions = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "1")  # tiny inputs: one task per shuffle (no effect on answers)
    try:
        _run(spark, cases, answers)
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", partitions)
    return answers


def _run(spark: Any, cases: list[dict[str, Any]], answers: dict[str, Answer]) -> None:
    with athena_session(spark):
        plans = {}
        for i, case in enumerate(cases):
            try:
                sql = to_spark(case["sql"], {})  # VALUES only: the inputs' schema is empty, as in a build
                plans[i] = (sql, spark.sql(sql).schema)  # analysis only: no job
            except Exception as err:  # noqa: BLE001 - reported by the case's own test
                answers[case["id"]] = err
        union = " UNION ALL ".join(_wrapped(i, sql) for i, (sql, _) in plans.items())
        try:
            collected = spark.sql(union).collect() if plans else []
        except Exception:  # noqa: BLE001 - one failing case: run each on its own to tell which
            collected = None
        for i, (sql, schema) in plans.items():
            case = cases[i]
            try:
                rows = ([r for r in collected if r[0] == i] if collected is not None
                        else spark.sql(_wrapped(i, sql)).collect())
                answers[case["id"]] = (_decode(rows, schema),
                                       [trino_type(f.dataType.simpleString(), "spark") for f in schema.fields])
            except Exception as err:  # noqa: BLE001
                answers[case["id"]] = err
