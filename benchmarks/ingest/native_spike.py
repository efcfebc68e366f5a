"""Could DuckDB do `lake drop`'s conversion natively? CPU and wall of candidate queries vs the typed COPY.

    .venv/bin/python benchmarks/ingest/native_spike.py [--size-mb 200] [--repeat 2] [--variants copy,rejects,...]

A measuring tool for PROFILE.md (issue 17, ingest row), not a benchmark and not a path of `lake drop`.
Each variant runs in a process of its own (threads=2, memory_limit 300 MB, as a conversion inside
`lake drop` would), alternating, best of ``--repeat``. Every variant but ``copy`` adds the lineage
constants and hashes the file's bytes on a second thread (the guard's SHA-256), as staging needs.
Wall and CPU of a DuckDB variant: its queries (and hash) only, as bench.py times the COPY; ``drop``:
the whole `lake drop` process, as a user waits for it. ``threads busy`` counts the threads (the
hashing one aside) that did >= 10 % of the process's CPU: DuckDB's plan decides
whether the work runs on both cores, which a loaded machine's wall times hide.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.ingest.bench import TYPES  # noqa: E402  (the contract's types, as the benchmark's COPY uses them)

LINEAGE = ("'ingest-1' AS _ingest_id, 'finance/expenses/x.csv' AS _source_file, "
           "TIMESTAMPTZ '2026-12-03 00:00:00+00' AS _ingested_at")
BOOL = ("CASE lower({c}) WHEN 'true' THEN true WHEN 'yes' THEN true WHEN '1' THEN true "
        "WHEN 'false' THEN false WHEN 'no' THEN false WHEN '0' THEN false END")


def _struct(types: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"


def _casts(strict: str) -> tuple[list[str], list[str]]:
    """Per column: the typed value from text, and 'the text is there but did not convert' (a bad value).
    strict: '' (TRY_CAST only: DuckDB rounds 1.239 to 1.24, reads 1_000 and 'y'), 'regex' (our syntax
    rules as regular expressions) or 'casts' (the same rules as cheaper comparisons of casts)."""
    values, bad = [], []
    for c, t in TYPES.items():
        if t == "VARCHAR":
            values.append(c)
            continue
        v = f"TRY_CAST({c} AS {t})"
        if t == "DATE":
            v = f"TRY_STRPTIME({c}, '%m/%d/%Y')::DATE"
        elif t == "BOOLEAN":
            v = BOOL.format(c=c)
        elif strict == "regex" and t == "BIGINT":
            v = f"CASE WHEN regexp_full_match(trim({c}), '[+-]?[0-9]+') THEN TRY_CAST(trim({c}) AS BIGINT) END"
        elif strict == "regex" and t.startswith("DECIMAL"):
            v = (f"CASE WHEN regexp_full_match(trim({c}), '[+-]?([0-9]+\\.?[0-9]{{0,2}}|\\.[0-9]{{1,2}})') "
                 f"THEN TRY_CAST(trim({c}) AS {t}) END")
        elif strict == "casts" and t == "BIGINT":
            v = f"CASE WHEN NOT contains({c}, '_') THEN {v} END"
        elif strict == "casts" and t.startswith("DECIMAL"):
            v = f"CASE WHEN TRY_CAST({c} AS DECIMAL(18,6)) = {v} THEN {v} END"
        values.append(f"{v} AS {c}")
        bad.append(f"({c} IS NOT NULL AND {v} IS NULL)")
    return values, bad


def _queries(path: Path, out: Path) -> dict[str, list[str]]:
    typed, text = _struct(TYPES), _struct(dict.fromkeys(TYPES, "VARCHAR"))
    csv = f"read_csv('{path}', header = true, columns = {text})"
    to = f"TO '{out}' (FORMAT parquet, COMPRESSION snappy)"
    loose, _ = _casts("")
    regex, regex_bad = _casts("regex")
    cheap, cheap_bad = _casts("casts")
    first = out.with_suffix(".pass1.parquet")
    return {
        "copy": [f"COPY (SELECT * FROM read_csv('{path}', header = true, dateformat = '%m/%d/%Y', "
                 f"columns = {typed})) {to}"],
        "rejects": [f"COPY (SELECT *, {LINEAGE} FROM read_csv('{path}', header = true, dateformat = '%m/%d/%Y', "
                    f"columns = {typed}, store_rejects = true)) {to}"],
        "varchar": [f"COPY (SELECT {', '.join(loose)}, {LINEAGE} FROM {csv}) {to}"],
        "varchar+rownum": [f"COPY (SELECT {', '.join(loose)}, {LINEAGE}, row_number() OVER () AS _row_number "
                           f"FROM {csv}) {to}"],
        "strict-regex": [f"COPY (SELECT {', '.join(regex)}, {LINEAGE} FROM {csv} WHERE NOT ({' OR '.join(regex_bad)})) "
                         f"{to}"],
        "strict-casts": [f"COPY (SELECT {', '.join(cheap)}, {LINEAGE} FROM {csv} WHERE NOT ({' OR '.join(cheap_bad)})) "
                         f"{to}"],
        # rows in file order (insertion order kept), then row numbers from the Parquet file's own positions
        "two-pass": [f"COPY (SELECT {', '.join(cheap)}, ({' OR '.join(cheap_bad)}) AS _bad FROM {csv}) "
                     f"TO '{first}' (FORMAT parquet, COMPRESSION snappy)",
                     f"COPY (SELECT * EXCLUDE (_bad, file_row_number), {LINEAGE}, file_row_number + 1 AS _row_number "
                     f"FROM read_parquet('{first}', file_row_number = true) WHERE NOT _bad) {to}"],
    }


def _sha256(path: Path) -> None:
    h, buf = hashlib.sha256(), bytearray(8 << 20)
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(memoryview(buf)[:n])


def _arrow(con, path: Path, out: Path) -> None:  # noqa: ANN001
    """DuckDB checks, Arrow carries the batches out in order, Python numbers the rows, pyarrow writes."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    from lake.ingest.sink import StagingWriter

    cheap, bad = _casts("casts")
    text = _struct(dict.fromkeys(TYPES, "VARCHAR"))
    query = (f"SELECT {', '.join(cheap)}, ({' OR '.join(bad)}) AS _bad "
             f"FROM read_csv('{path}', header = true, columns = {text})")
    reader = con.execute(query).to_arrow_reader(128_000)
    writer, row = None, 0
    for batch in reader:
        n = batch.num_rows
        table = pa.Table.from_batches([batch]).drop_columns(["_bad"])
        table = (table.append_column("_ingest_id", pa.repeat("ingest-1", n))
                 .append_column("_source_file", pa.repeat("finance/expenses/x.csv", n))
                 .append_column("_row_number", pa.array(np.arange(row + 1, row + n + 1, dtype=np.int64))))
        row += n
        table = table.filter(pc.invert(pc.fill_null(batch.column("_bad"), False)))
        writer = writer or StagingWriter(out, table.schema, [f.name for f in table.schema if f.type == pa.string()])
        writer.write(table)
    if writer is not None:
        writer.close()


def _thread_ticks() -> dict[int, int]:
    """CPU ticks (user + system) of each thread of this process so far."""
    ticks = {}
    for t in os.listdir("/proc/self/task"):
        with contextlib.suppress(FileNotFoundError):  # a thread that ended meanwhile
            fields = Path(f"/proc/self/task/{t}/stat").read_text().rsplit(")", 1)[1].split()
            ticks[int(t)] = int(fields[11]) + int(fields[12])
    return ticks


def _busy(before: dict[int, int], skip: int | None) -> int:
    """Threads that did >= 10 % of the CPU since ``before``, the hashing thread (``skip``) not counted."""
    spent = {t: n - before.get(t, 0) for t, n in _thread_ticks().items() if t != skip}
    return sum(1 for n in spent.values() if n >= 0.1 * max(1, sum(spent.values())))


def child(variant: str, path: Path, out: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    for setting in ("enable_progress_bar = false", "threads = 2", "memory_limit = '300MB'"):
        con.execute(f"SET {setting}")
    ticks = _thread_ticks()
    start, cpu = time.perf_counter(), time.process_time()
    hasher = threading.Thread(target=_sha256, args=(path,))
    if variant != "copy":
        hasher.start()
    if variant == "arrow":
        _arrow(con, path, out)
    else:
        for query in _queries(path, out)[variant]:
            con.execute(query)
    busy = _busy(ticks, hasher.native_id)
    if variant != "copy":
        hasher.join()
    rows = con.sql(f"SELECT count(*) FROM '{out}'").fetchone()
    return {"wall": time.perf_counter() - start, "cpu": time.process_time() - cpu, "busy": busy,
            "rows": rows[0] if rows else 0}


def _drop(path: Path, home: Path) -> dict:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "lake.cli", "drop", str(path), "--zone", "finance", "--dataset",
                           "expenses", "--home", str(home)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, check=True)
    return {"wall": time.perf_counter() - start, "rows": int(proc.stdout.split("(")[1].split(" staged")[0])}


def run(variant: str, path: Path, work: Path) -> dict:
    import shutil

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cmd = [sys.executable, __file__, "--child", variant, str(path), str(work / "out.parquet")]
    proc = subprocess.Popen(["nice", *cmd], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        raise SystemExit(f"{variant} failed")
    result = json.loads(out)
    if variant == "drop":  # as a user waits for it: the whole process (start-up included), as bench.py times it
        result["cpu"] = usage.ru_utime + usage.ru_stime
    return {**result, "rss": usage.ru_maxrss / 1024}


def main() -> None:
    variants = ["copy", "rejects", "varchar", "varchar+rownum", "strict-regex", "strict-casts", "two-pass", "arrow",
                "drop"]
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mb", type=int, default=200)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--variants", default=",".join(variants))
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        variant, path, out = args.child
        if variant == "drop":
            print(json.dumps(_drop(Path(path), Path(out).parent / "home")))
        else:
            print(json.dumps(child(variant, Path(path), Path(out))))
        return
    from benchmarks.ingest.generate import generate

    data = Path(__file__).resolve().parent / "data" / f"expenses_{args.size_mb}mb.csv"
    if not data.exists():
        generate(data, args.size_mb << 20)
    chosen = ["copy", *[v for v in args.variants.split(",") if v != "copy"]]
    best: dict[str, dict] = {}
    for i in range(args.repeat):  # alternate, so a busy neighbour slows the variants alike
        for v in chosen if i % 2 == 0 else chosen[::-1]:
            r = run(v, data, Path(__file__).resolve().parent / "out" / "spike")
            print(f"  {v:>15}: wall {r['wall']:6.2f} s  cpu {r['cpu']:6.2f} s  threads busy {r.get('busy', '-')}  "
                  f"rss {r['rss']:4.0f} MB  rows {r['rows']:,}  (load {os.getloadavg()[0]:.1f})", flush=True)
            old = best.get(v)
            best[v] = {k: min(r[k], old[k]) if old and k in ("wall", "cpu") else r[k] for k in r}
            if old:
                best[v]["rss"] = max(r["rss"], old["rss"])
    base = best["copy"]
    print(f"best of {args.repeat}, as multiples of the typed COPY (wall {base['wall']:.2f} s, "
          f"cpu {base['cpu']:.2f} s):")
    for v, r in best.items():
        print(f"  {v:>15}: wall {r['wall'] / base['wall']:.2f}x  cpu {r['cpu'] / base['cpu']:.2f}x  "
              f"threads busy {r.get('busy', '-')}  rss {r['rss']:.0f} MB")


if __name__ == "__main__":
    main()
