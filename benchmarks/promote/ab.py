"""A/B runs of single sides on data generated once: old code vs new, one side at a time.

    .venv/bin/python -m benchmarks.promote.ab --rows 1000000 --runs ours@HEAD~1,ours,floor,ours@HEAD~1,ours
        [--events DIR] [--data DIR] [--lock /tmp/bench.lock]

Each run is ``sides.py`` in its own process (as in ``run.py``), on the same staged data (generated
once under ``--data``, reused while the rows and seed match), each holding ``--lock`` (flock) while
it runs, so only one timed side runs on the machine at a time. ``ours@REF`` runs the code of a git
ref (extracted aside), ``ours`` the working tree. ``--events`` writes each run's Spark event log
there and prints its per-stage summary (``stages.py``). At the end DuckDB checks every run's table
(``verify.py``): same rows, keys and checksum, e-mails hashed. Nothing is written to results.json.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.promote import stages
from benchmarks.promote.generate import generate

REPO = Path(__file__).resolve().parents[2]


def _data(root: Path, rows: int, seed: int) -> dict:
    manifest = root / "manifest.json"
    if manifest.exists() and (m := json.loads(manifest.read_text()))["rows"] == rows and m["seed"] == seed:
        return m
    m = generate(root / "staging", rows, seed)
    manifest.write_text(json.dumps(m))
    return m


def _code(ref: str, work: Path) -> tuple[Path, str]:
    """(working directory, PYTHONPATH) for the code of ``ref`` ('' for the working tree). The snapshot's
    folder is the working directory: ``python -m`` puts that first on sys.path, before PYTHONPATH."""
    if not ref:
        return REPO, str(REPO)
    snap = work / f"code-{ref.replace('/', '_').replace('~', '_')}"
    if not snap.exists():
        snap.mkdir()
        archive = subprocess.run(["git", "archive", ref, "glue_jobs", "lake", "insight_zones"], cwd=REPO,
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(snap)], input=archive, check=True)
    return snap, f"{snap}{os.pathsep}{REPO}"


def _run(label: str, side: str, ref: str, data: Path, m: dict, work: Path, lock: Path, events: Path | None) -> dict:
    home = work / label
    home.mkdir()
    if side == "floor":
        spec = {"warehouse": str(home / "warehouse"), "batches": m["batches"]}
    else:
        os.symlink(data / "staging", home / "staging")
        spec = {"home": str(home), "batches": m["batches"]}
    (home / "spec.json").write_text(json.dumps(spec))
    cwd, path = _code(ref, work)
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYTHONPATH": path}
    if events:
        run_events = events / label
        run_events.mkdir(parents=True)
        env["PYSPARK_SUBMIT_ARGS"] = (f"--conf spark.eventLog.enabled=true --conf spark.eventLog.dir="
                                      f"{run_events.as_uri()} pyspark-shell")
    with lock.open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # one timed side on the machine at a time
        load = os.getloadavg()[0]
        with (home / "log").open("w") as log:
            proc = subprocess.run([sys.executable, "-m", "benchmarks.promote.sides", side, str(home / "spec.json"),
                                   str(home / "result.json")], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    if proc.returncode:
        raise SystemExit(f"{label} failed; its log:\n{(home / 'log').read_text()[-4000:]}")
    r = json.loads((home / "result.json").read_text())
    per_batch = "  ".join(f"b{i} {b['seconds']:.1f} s/{b['cpu_seconds']:.0f} CPU s"
                          for i, b in enumerate(r["batches"], 1))
    print(f"[{time.strftime('%H:%M:%S')}] {label:<22} {r['seconds']:6.1f} s {r['cpu_seconds']:6.0f} CPU s  "
          f"{per_batch}  others {r['others_cpu_seconds']:.0f} CPU s  load {load:.1f}", flush=True)
    if events:
        for path in sorted(run_events.iterdir()):
            stages.main_one(str(path))
    return r


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--runs", required=True, help="comma-separated: ours, ours@<git ref>, floor")
    p.add_argument("--data", type=Path, help="where the generated data is kept (default: a temp dir)")
    p.add_argument("--events", type=Path, help="write Spark event logs here and print per-stage figures")
    p.add_argument("--keep", action="store_true", help="keep the tables (and the data, if in the temp dir)")
    p.add_argument("--lock", type=Path, default=Path("/tmp/bench.lock"))
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="promote-ab-"))
    data = args.data or work / "data"
    data.mkdir(parents=True, exist_ok=True)
    m = _data(data, args.rows, args.seed)
    sources = {}
    for i, run in enumerate(args.runs.split(",")):
        side, _, ref = run.partition("@")
        label = f"{i}-{side}-{ref or 'worktree'}".replace("/", "_").replace("~", "_").replace(":", "_")
        _run(label, side, ref, data, m, work, args.lock, args.events)
        table = work / label / "warehouse" / "finance_ods" / "expenses"
        sources[label] = {"scan": f"iceberg_scan('{table}')"}
        if side != "floor":
            sources[label]["key"] = str(work / label / "platform" / "keys" / "finance.key")
    duck = work / "duck"
    subprocess.run([sys.executable, "-m", "benchmarks.promote.sides", "duck",
                    str(_write(work / "duck.json", {"out_dir": str(duck), "batches": m["batches"]})),
                    str(work / "duck.result.json")], cwd=REPO, check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    raw = f"read_parquet('{json.loads((work / 'duck.result.json').read_text())['result']}')"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.promote.verify",
                           str(_write(work / "verify.json", {"sources": sources, "raw": raw}))],
                          cwd=REPO, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    got = json.loads(proc.stdout.splitlines()[-1].removeprefix("RESULT "))
    same = len({(v["rows"], v["keys"], v["checksum"]) for v in got.values()}) == 1
    hashed = all(v.get("hmac_mismatches", 0) == 0 and v["raw_emails"] == 0 for k, v in got.items() if "floor" not in k)
    print(f"results agree: {same and hashed} ({got[next(iter(got))]['rows']:,} rows; expected "
          f"{m['distinct_keys']:,})")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


def _write(path: Path, obj: dict) -> Path:
    path.write_text(json.dumps(obj))
    return path


if __name__ == "__main__":
    main()
