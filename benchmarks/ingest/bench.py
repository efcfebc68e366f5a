"""Ingestion benchmark: our validator vs a plain pyarrow streaming CSV -> Parquet, same file, one run.

    .venv/bin/python benchmarks/ingest/bench.py [--size-mb 1024] [--keep]

Generates a seeded ``finance/expenses`` CSV under benchmarks/ingest/data/ (not committed), then
runs each side in its own process, so each peak RSS is its own:

(a) ours: ``lake.ingest.validator.validate`` on the landed file — header matching, every
    contract type coerced and checked (required, dates in MM/dd/yyyy, offsets to UTC,
    yes/no booleans, exact decimals), lineage columns, typed Parquet in staging, ledger closed;
(b) baseline: ``pyarrow.csv.open_csv`` with explicit column types straight into a
    ``ParquetWriter`` — no checks, no lineage. Same block size, same (snappy) compression.

Targets: (a) throughput >= 0.5x (b); (a) peak RSS <= 512 MB (a 1 GB Lambda).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
HERE = Path(__file__).resolve().parent


def baseline(path: Path, out: Path) -> dict:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from lake.ingest.csv_reader import CSV_BLOCK

    types = {"expense_id": pa.int64(), "employee_email": pa.string(), "cost_center_id": pa.string(),
             "category": pa.string(), "amount": pa.decimal128(12, 2), "currency": pa.string(),
             "expense_date": pa.timestamp("s"), "submitted_at": pa.timestamp("us", tz="UTC"),
             "approved": pa.bool_(), "description": pa.string()}
    conv = pacsv.ConvertOptions(column_types=types, timestamp_parsers=["%m/%d/%Y", pacsv.ISO8601],
                                true_values=["yes", "true", "1", "Yes", "TRUE"],
                                false_values=["no", "false", "0", "NO", "False"])
    start = time.perf_counter()
    reader = pacsv.open_csv(str(path), read_options=pacsv.ReadOptions(block_size=CSV_BLOCK), convert_options=conv)
    rows = 0
    with pq.ParquetWriter(str(out), reader.schema, compression="snappy") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return {"seconds": time.perf_counter() - start, "rows": rows}


def ours(path: Path, home: Path) -> dict:
    from lake.ingest.receiver import receive
    from lake.ingest.validator import validate
    from lake.runtime.context import Context
    from lake.runtime.events import ObjectRef

    ctx = Context.local(home)
    key = "finance/expenses/" + path.name
    (ctx.home.ingress / key).parent.mkdir(parents=True, exist_ok=True)
    os.link(path, ctx.home.ingress / key)  # no copy: the receiver's work is not what we time
    rec = receive(ctx, ObjectRef("ingress", key))
    start = time.perf_counter()
    done = validate(ctx, "landing", rec.landing_key)
    seconds = time.perf_counter() - start
    assert done.outcome == "staged", done
    return {"seconds": seconds, "rows": done.rows_staged}


def child(kind: str, path: Path, work: Path) -> tuple[dict, float]:
    """Run one side in a fresh process (and a fresh folder); return its result and peak RSS in MB."""
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    proc = subprocess.Popen([sys.executable, __file__, "--child", kind, str(path), str(work)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    shutil.rmtree(work, ignore_errors=True)
    if status != 0:
        raise SystemExit(f"{kind} failed")
    return json.loads(out), usage.ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--size-mb", type=int, default=1024)
    p.add_argument("--keep", action="store_true", help="keep the generated file for the next run")
    p.add_argument("--repeat", type=int, default=2, help="alternate the sides this many times; best time wins")
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        kind, path, work = args.child
        fn = baseline if kind == "baseline" else ours
        print(json.dumps(fn(Path(path), Path(work) / ("baseline.parquet" if kind == "baseline" else "home"))))
        return

    from benchmarks.ingest.generate import generate

    data = HERE / "data" / f"expenses_{args.size_mb}mb.csv"
    if not data.exists():
        t = time.perf_counter()
        generate(data, args.size_mb << 20)
        print(f"generated {data.name} in {time.perf_counter() - t:.0f}s")
    size_mb = data.stat().st_size / 1e6
    work = HERE / "out"
    results: dict[str, dict] = {}
    for i in range(args.repeat):  # alternate, so a busy neighbour slows both sides alike
        for kind in (("ours", "baseline") if i % 2 == 0 else ("baseline", "ours")):
            res, rss = child(kind, data, work)
            best = results.get(kind)
            rss = max(rss, best["rss_mb"]) if best else rss
            if best is None or res["seconds"] < best["seconds"]:
                best = {**res, "mb_s": size_mb / res["seconds"]}
            results[kind] = {**best, "rss_mb": rss}
    o, b = results["ours"], results["baseline"]
    print(f"file: {size_mb:,.0f} MB, {o['rows']:,} rows; cores: {os.cpu_count()}; "
          f"load average {os.getloadavg()[0]:.1f}; best of {args.repeat}")
    for kind in ("ours", "baseline"):
        r = results[kind]
        print(f"{kind:>9}: {r['seconds']:6.1f} s  {r['mb_s']:6.1f} MB/s  peak RSS {r['rss_mb']:5.0f} MB")
    ratio = o["mb_s"] / b["mb_s"]
    print(f"    ratio: {ratio:.2f}x baseline throughput (target >= 0.50); ours peak RSS {o['rss_mb']:.0f} MB "
          f"(target <= 512)")
    if not args.keep:
        data.unlink()
    sys.exit(0 if ratio >= 0.5 and o["rss_mb"] <= 512 else 1)


if __name__ == "__main__":
    main()
