"""The three sides of the benchmark, each run in its own process so each peak memory is its own.

    python -m benchmarks.promote.sides <ours|floor|duck|ours-profile|whatif:VARIANT> <spec.json> <result.json>

(a) ``ours``: ``lake.tasks.to_ods.promote.promote`` for batch 1, then batch 2, each call after the
    batch is registered in the ledger (registration is not timed).
(b) ``floor``: the least Spark can do for the same result, hand-written, on the same
    ``lake.spark.local_session``: read the batch, row_number() latest-per-key, Iceberg MERGE INTO.
(c) ``duck``: DuckDB, the same latest-per-key into Parquet: batch 1 -> state 1, then
    (state 1 + batch 2) -> state 2, which is the work a copy-on-write MERGE does.

Timed: only the work per batch (SparkSession start-up is reported apart, it is the same for
(a) and (b)). Memory: the whole process tree over the process's life (Python driver + JVM).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from benchmarks.promote.procmem import TreeSampler, wall

ZONE, DATASET, TABLE = "finance", "expenses", "finance_ods.expenses"
ODS_COLUMNS = ["expense_id", "employee_email", "cost_center_id", "category", "amount", "currency", "expense_date",
               "submitted_at", "approved", "description", "_ingest_id", "_ingested_at"]


def machine_busy() -> float:
    """CPU seconds all processes of the machine have used (to see what others ran meanwhile)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Clock:
    """Wall, own-CPU and machine-CPU time of one timed step."""

    def __init__(self, mem: TreeSampler):
        self.mem = mem

    def __enter__(self) -> Clock:
        self.t, self.cpu, self.busy = wall(), self.mem.cpu(), machine_busy()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = wall() - self.t
        self.cpu_seconds = self.mem.cpu() - self.cpu
        self.others_cpu_seconds = max(0.0, machine_busy() - self.busy - self.cpu_seconds)

    def report(self) -> dict:
        return {"seconds": round(self.seconds, 2), "cpu_seconds": round(self.cpu_seconds, 1),
                "others_cpu_seconds": round(self.others_cpu_seconds, 1)}


def _spark_conf(spark) -> dict:
    keys = ["spark.master", "spark.driver.memory", "spark.sql.shuffle.partitions", "spark.sql.adaptive.enabled"]
    return {k: spark.conf.get(k, None) for k in keys}


def _register(ctx, b: dict) -> None:
    from lake.backends.ledger import IngestRecord

    ctx.ledger.claim(IngestRecord(
        ingest_id=b["ingest_id"], zone=ZONE, dataset=DATASET, source_bucket=ctx.buckets.ingress,
        source_key=b["source_key"], version=b["ingest_id"], sha256=b["ingest_id"], size=b["size"],
        arrived_at=b["arrived_at"], landing_key=f"{ZONE}/{DATASET}/ingest_date={b['ingest_date']}/{b['ingest_id']}/"
        f"{Path(b['source_key']).name}", runner="glue"))
    ctx.ledger.complete(b["ingest_id"], outcome="staged", rows_read=b["rows"], rows_staged=b["rows"],
                        staged_key=b["staged_key"])


def ours(spec: dict, profile: bool = False, whatif: str | None = None) -> dict:
    from lake.runtime.context import Context
    from lake.spark import local_session
    from lake.tasks.to_ods import promote as job

    ctx = Context.local(spec["home"])
    timers = None
    if profile:
        from benchmarks.promote import profile as prof

        timers = prof.install(ctx)
    if whatif:
        from benchmarks.promote import whatif as w

        w.apply(whatif)
    out: dict = {"batches": []}
    with TreeSampler() as mem:
        t = wall()
        spark = local_session(ctx.home.warehouse)
        out["session_start_seconds"], out["spark_conf"] = round(wall() - t, 2), _spark_conf(spark)
        for i, b in enumerate(spec["batches"], 1):
            _register(ctx, b)
            if timers:
                timers.batch = i
            with Clock(mem) as clock:
                res = job.promote(spark, ctx, ZONE, DATASET, f"bench-{i}")
            if res.status != "promoted" or res.ingests != [b["ingest_id"]]:
                raise RuntimeError(f"batch {i}: {res.status} {res.error} {res.ingests}")
            out["batches"].append({**clock.report(), "rows_in": res.rows_in, "rows_out": res.rows_out,
                                   "rows_quarantined": res.rows_quarantined,
                                   "checks_failed": [c.rule for c in res.checks if not c.passed]})
    out["memory"] = mem.report()
    if timers:
        out["profile"] = timers.report()
    spark.stop()
    return out


def floor(spec: dict) -> dict:
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    from lake.spark import local_session

    out: dict = {"batches": []}
    with TreeSampler() as mem:
        t = wall()
        spark = local_session(Path(spec["warehouse"]))
        out["session_start_seconds"], out["spark_conf"] = round(wall() - t, 2), _spark_conf(spark)
        latest = Window.partitionBy("expense_id").orderBy(
            F.col("submitted_at").desc_nulls_last(), F.col("_ingest_id").desc(), F.col("_row_number").desc())
        for b in spec["batches"]:
            with Clock(mem) as clock:
                t = wall()
                spark.sql("CREATE NAMESPACE IF NOT EXISTS finance_ods")
                spark.sql(f"CREATE TABLE IF NOT EXISTS {TABLE} (expense_id bigint, employee_email string, "
                          "cost_center_id string, category string, amount decimal(12,2), currency string, "
                          "expense_date date, submitted_at timestamp, approved boolean, description string, "
                          "_ingest_id string, _ingested_at timestamp) USING iceberg "
                          "TBLPROPERTIES ('format-version'='2')")
                (spark.read.parquet(b["path"]).withColumn("_rank", F.row_number().over(latest))
                 .where("_rank = 1").select(*ODS_COLUMNS).createOrReplaceTempView("batch"))
                create = wall() - t
                t = wall()
                spark.sql(f"MERGE INTO {TABLE} t USING batch s ON t.expense_id = s.expense_id "
                          "WHEN MATCHED AND (t.submitted_at IS NULL OR s.submitted_at >= t.submitted_at) "
                          "THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *")
                merge = wall() - t
            out["batches"].append({**clock.report(), "create_and_read_seconds": round(create, 2),
                                   "merge_seconds": round(merge, 2)})
    out["memory"] = mem.report()
    spark.stop()
    return out


def duck(spec: dict) -> dict:
    import duckdb

    out_dir = Path(spec["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    cols = ", ".join(ODS_COLUMNS)
    order = "submitted_at DESC NULLS LAST, _ingest_id DESC, _row_number DESC"
    out: dict = {"batches": []}
    with TreeSampler() as mem:
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        out["duckdb"] = {k: con.execute(f"SELECT current_setting('{k}')").fetchone()[0]
                         for k in ("threads", "memory_limit")}
        state = None
        for i, b in enumerate(spec["batches"], 1):
            src = f"SELECT {cols}, _row_number FROM read_parquet('{b['path']}', hive_partitioning = false)"
            if state:  # the table so far: a kept row loses ties to the newer ingest, as in the MERGE
                src = f"SELECT {cols}, 0 AS _row_number FROM read_parquet('{state}') UNION ALL {src}"
            target = out_dir / f"state_{i}.parquet"
            with Clock(mem) as clock:
                con.execute(f"COPY (SELECT {cols} FROM ({src}) QUALIFY row_number() OVER "
                            f"(PARTITION BY expense_id ORDER BY {order}) = 1) TO '{target}' "
                            "(FORMAT parquet, COMPRESSION snappy)")
            out["batches"].append(clock.report())
            state = target
        out["result"] = str(state)
    out["memory"] = mem.report()
    return out


def main() -> None:
    side, spec_path, result_path = sys.argv[1:4]
    spec = json.loads(Path(spec_path).read_text())
    if side.startswith("whatif:"):
        result = ours(spec, whatif=side.removeprefix("whatif:"))
    else:
        sides = {"ours": ours, "floor": floor, "duck": duck, "ours-profile": lambda s: ours(s, profile=True)}
        result = sides[side](spec)
    result["seconds"] = round(sum(b["seconds"] for b in result["batches"]), 2)
    result["cpu_seconds"] = round(sum(b["cpu_seconds"] for b in result["batches"]), 1)
    result["others_cpu_seconds"] = round(sum(b["others_cpu_seconds"] for b in result["batches"]), 1)
    Path(result_path).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
