"""Where ``promote`` spends its time: wall-clock timers around its steps, from outside.

Nothing in ``lake/tasks/`` changes: the job's helpers are wrapped on their modules (the job
looks them up there at call time), and the Spark calls that run jobs (``count``, ``collect``,
``sql``...) are wrapped on their classes, labelled with the ``lake/tasks`` line that called
them. Spark is lazy, so time lands on the action that forces the work, not on the line
that described it: the read + quality pass shows up under ``evaluate``'s ``collect``, the
dedupe + PII hashing + write under the MERGE's ``sql``.
"""

from __future__ import annotations

import functools
import linecache
import sys
from collections import defaultdict
from pathlib import Path

from benchmarks.promote.procmem import wall


class Timers:
    def __init__(self) -> None:
        self.batch = 0
        self.depth = 0
        self.calls: list[dict] = []

    def wrap(self, owner: object, name: str, label: str | None = None, only_ours: bool = False) -> None:
        fn = getattr(owner, name)

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            caller = sys._getframe(1)
            where = caller.f_code.co_filename
            if only_ours and "lake/tasks" not in where:
                return fn(*args, **kwargs)
            text = label or name
            if only_ours:
                line = linecache.getline(where, caller.f_lineno).strip()
                text = f"{Path(where).name}:{caller.f_lineno} {line[:70]}"
            if name == "sql" and args:
                text += f"  [{' '.join(str(args[-1]).split()[:3])}]"
            self.depth += 1
            t = wall()
            try:
                return fn(*args, **kwargs)
            finally:
                self.depth -= 1
                self.calls.append({"batch": self.batch, "depth": self.depth, "step": text, "start": t,
                                   "seconds": round(wall() - t, 3)})

        setattr(owner, name, timed)

    def report(self) -> dict:
        """Per batch: each step's total seconds and calls, in the order the steps first started."""
        out: dict = {}
        for b in sorted({c["batch"] for c in self.calls}):
            steps: dict = defaultdict(lambda: {"seconds": 0.0, "calls": 0, "depth": 0, "start": float("inf")})
            for c in self.calls:
                if c["batch"] == b:
                    s = steps[c["step"]]
                    s["seconds"] = round(s["seconds"] + c["seconds"], 3)
                    s["calls"] += 1
                    s["depth"], s["start"] = c["depth"], min(s["start"], c["start"])
            ordered = sorted(steps.items(), key=lambda kv: kv[1]["start"])
            out[f"batch_{b}"] = {k: {n: v[n] for n in ("seconds", "calls", "depth")} for k, v in ordered}
        return out


def install(ctx) -> Timers:
    from pyspark.sql import DataFrame, DataFrameWriterV2, SparkSession
    from pyspark.sql.catalog import Catalog

    from lake.tasks.to_ods import promote as job
    from lake.tasks.to_ods import quality, tables
    from lake.tasks.to_ods import transforms as T

    t = Timers()
    t.wrap(job, "promote", "promote (total)")
    for owner, names in ((job, ["_prepare", "_staged", "_pending", "_promote_audited"]),
                         (quality, ["evaluate", "split", "flag", "kept", "held"]),
                         (tables, ["hold_back", "row_count", "audit_branch", "publish", "discard"]),
                         (T, ["protect_pii", "latest_per_key"])):
        for n in names:
            if hasattr(owner, n):
                t.wrap(owner, n, f"{owner.__name__.rsplit('.', 1)[-1]}.{n}")
    for cls, names in ((DataFrame, ["count", "collect", "cache", "unpersist", "createOrReplaceTempView"]),
                       (SparkSession, ["sql", "createDataFrame"]), (Catalog, ["tableExists"]),
                       (DataFrameWriterV2, ["append"])):
        for n in names:
            t.wrap(cls, n, only_ours=True)
    t.wrap(ctx.ledger, "pending_promotion", "ledger.pending_promotion")
    t.wrap(ctx.ledger, "mark_promoted", "ledger.mark_promoted")
    t.wrap(ctx.records, "add", "records.add")
    return t
