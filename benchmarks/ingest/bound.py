"""How fast could `lake drop` be at best? A lower bound on its wall time, against DuckDB's typed COPY.

    .venv/bin/python benchmarks/ingest/bound.py [--size-mb 1100] [--repeat 2]

A measuring tool for PROFILE.md (issue 17, ingest row), not a benchmark. `lake drop` must do, besides
converting the CSV, work that COPY does not: copy the file into ingress and into landing (immutable, as
it arrived) and hash its bytes once (the proof that what was staged is what arrived). Suppose its
conversion cost exactly COPY's CPU (it costs more: it checks the contract's rules and numbers the rows)
and all of it ran on every core without a moment idle: its wall time is still at least

    (COPY's CPU + one SHA-256 of the file + two in-kernel copies) / cores

and the best throughput ratio `lake drop` could reach is COPY's wall over that. Each piece runs in a
process of its own, alternating, best of ``--repeat``; CPU is user + system of that process.
``polars`` (only if it is installed: it is not one of the lake's packages) shows another engine's typed
conversion with a row number, the least a staging conversion needs, without any check.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from benchmarks.ingest.bench import HERE, duckdb_side  # noqa: E402
from benchmarks.ingest.generate import generate  # noqa: E402

CHUNK = 8 << 20


def _sha256(path: Path, out: Path) -> None:
    digest, buf = hashlib.sha256(), bytearray(CHUNK)
    with path.open("rb", buffering=0) as f:
        while n := f.readinto(buf):
            digest.update(memoryview(buf)[:n])


def _copies(path: Path, out: Path) -> None:
    """The ingress and the landing copy, each in the kernel (as `lake drop` makes them on Linux)."""
    for name in ("ingress", "landing"):
        with path.open("rb") as src, (out.parent / name).open("wb") as dst:
            left = path.stat().st_size
            while left > 0:
                left -= os.copy_file_range(src.fileno(), dst.fileno(), min(left, 1 << 30))
        (out.parent / name).unlink()


def _polars(path: Path, out: Path) -> None:
    import polars as pl  # a measuring aid only

    pl.scan_csv(path, infer_schema=False, row_index_name="_row_number").with_columns(
        pl.col("expense_id").cast(pl.Int64, strict=False),
        pl.col("amount").str.to_decimal(scale=2),
        pl.col("expense_date").str.to_date("%m/%d/%Y", strict=False),
        pl.col("submitted_at").str.to_datetime("%Y-%m-%dT%H:%M:%S%z", strict=False, time_zone="UTC"),
        pl.col("approved").str.to_lowercase().is_in(["yes", "true", "1"]),
    ).sink_parquet(out, compression="snappy")


PIECES = {"copy": lambda p, o: duckdb_side(p, o), "sha256": _sha256, "copies": _copies, "polars": _polars}


def measure(kind: str, path: Path) -> dict:
    """One piece in a forked child: its wall and CPU seconds."""
    read, write = os.pipe()
    if (pid := os.fork()) == 0:
        os.close(read)
        with tempfile.TemporaryDirectory(dir=HERE / "data") as work:
            before, start = os.times(), time.perf_counter()
            PIECES[kind](path, Path(work) / "out.parquet")
            wall, after = time.perf_counter() - start, os.times()
        cpu = after.user - before.user + after.system - before.system
        os.write(write, f"{wall} {cpu}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        wall, cpu = map(float, pipe.read().split())
    os.waitpid(pid, 0)
    return {"wall": wall, "cpu": cpu}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size-mb", type=int, default=1100)
    p.add_argument("--repeat", type=int, default=2)
    args = p.parse_args()
    data = HERE / "data" / f"expenses_{args.size_mb}mb.csv"
    if not data.exists():
        data.parent.mkdir(parents=True, exist_ok=True)
        generate(data, args.size_mb << 20)
    kinds = [k for k in PIECES if k != "polars"]
    try:
        import polars  # noqa: F401
        kinds.append("polars")
    except ImportError:
        pass
    best: dict[str, dict] = {}
    for _ in range(args.repeat):
        for kind in kinds:
            res = measure(kind, data)
            print(f"  {kind:>7}: wall {res['wall']:5.2f} s  CPU {res['cpu']:5.2f} s", flush=True)
            if kind not in best or res["wall"] < best[kind]["wall"]:
                best[kind] = res
    cores = os.cpu_count() or 1
    floor = (best["copy"]["cpu"] + best["sha256"]["cpu"] + best["copies"]["cpu"]) / cores
    print(f"file: {data.stat().st_size / 1e6:,.0f} MB; {cores} cores; best of {args.repeat}")
    print(f"COPY: {best['copy']['wall']:.2f} s wall, {best['copy']['cpu']:.2f} CPU s; one SHA-256: "
          f"{best['sha256']['cpu']:.2f} CPU s; two copies: {best['copies']['cpu']:.2f} CPU s")
    print(f"`lake drop` at best (a conversion as cheap as COPY, every core busy): >= {floor:.2f} s = "
          f"{best['copy']['wall'] / floor:.2f}x COPY's throughput")
    if "polars" in best:
        print(f"polars, typed + row number, no checks: {best['polars']['wall']:.2f} s, "
              f"{best['polars']['cpu']:.2f} CPU s ({best['polars']['cpu'] / best['copy']['cpu']:.2f}x COPY's CPU)")


if __name__ == "__main__":
    main()
