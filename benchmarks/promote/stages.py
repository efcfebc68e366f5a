"""Executor CPU, GC, spill and shuffle per Spark stage, from event logs: where a side's tasks spend.

    PYSPARK_SUBMIT_ARGS="--conf spark.eventLog.enabled=true --conf spark.eventLog.dir=file:///tmp/ev \\
        pyspark-shell" .venv/bin/python -m benchmarks.promote.run --rows 1000000 --profile never
    .venv/bin/python -m benchmarks.promote.stages /tmp/ev/local-*

Each side's process writes its own log (ours, then the floor, in run order). An unfinished log
(``.inprogress``) is read up to its last whole line.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

COLUMNS = ("tasks", "cpu_s", "run_s", "gc_s", "spill_mb", "shuffle_write_mb", "shuffle_read_mb", "in_mb", "out_mb")


def stages(path: str) -> tuple[dict[int, dict[str, float]], dict[int, str]]:
    metrics: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    names: dict[int, str] = {}
    with open(path) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:  # the last line of a log still being written
                continue
            if e["Event"] == "SparkListenerStageSubmitted":
                info = e["Stage Info"]
                execution = (e.get("Properties") or {}).get("spark.sql.execution.id")
                names[info["Stage ID"]] = f"sql {execution}: {info['Stage Name'][:50]}"
            elif e["Event"] == "SparkListenerTaskEnd" and e.get("Task Metrics"):
                t, m = e["Task Metrics"], metrics[e["Stage ID"]]
                shuffle_read = t["Shuffle Read Metrics"]
                m["tasks"] += 1
                m["cpu_s"] += t["Executor CPU Time"] / 1e9
                m["run_s"] += t["Executor Run Time"] / 1e3
                m["gc_s"] += t["JVM GC Time"] / 1e3
                m["spill_mb"] += t["Disk Bytes Spilled"] / 2**20
                m["shuffle_write_mb"] += t["Shuffle Write Metrics"]["Shuffle Bytes Written"] / 2**20
                m["shuffle_read_mb"] += (shuffle_read["Remote Bytes Read"] + shuffle_read["Local Bytes Read"]) / 2**20
                m["in_mb"] += t["Input Metrics"]["Bytes Read"] / 2**20
                m["out_mb"] += t["Output Metrics"]["Bytes Written"] / 2**20
    return metrics, names


def main_one(path: str) -> None:
    """Print one event log's stages and their total."""
    metrics, names = stages(path)
    print(f"== {path}\n{'stage':>5} " + " ".join(f"{c:>9}" for c in COLUMNS[:5]) + " "
          + " ".join(f"{c[:9]:>9}" for c in COLUMNS[5:]) + "  what")
    total: dict[str, float] = defaultdict(float)
    for stage in sorted(metrics):
        m = metrics[stage]
        for c in COLUMNS:
            total[c] += m[c]
        print(f"{stage:>5} " + " ".join(f"{m[c]:>9.1f}" for c in COLUMNS) + f"  {names.get(stage, '?')}")
    print("total " + " ".join(f"{total[c]:>9.1f}" for c in COLUMNS))


def main() -> None:
    for path in sys.argv[1:]:
        main_one(path)

if __name__ == "__main__":
    main()
