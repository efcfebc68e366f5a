"""Seeded staged ``finance/expenses`` data: batch 1 (N rows) and batch 2 (~10 % of its keys updated).

Written the way the validator stages a file (``lake.ingest.convert``): one Parquet file per
ingest under ``staging/<zone>/<dataset>/ingest_date=YYYY-MM-DD/<ingest_id>.parquet``, snappy,
256k-row row groups, the per-file lineage columns dictionary-encoded, no stored Arrow schema.
Generated chunk by chunk, so memory stays flat whatever N is.

Batch 1: about 1 % of its rows re-submit a claim of the same file (a later ``submitted_at``),
so latest-per-key has work to do inside a batch. Batch 2: for ~10 % of the keys a new version,
4-30 days after the latest one; 1 % of those are late, stale versions (older than the row in
the table) that must not win.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]
ZONE, DATASET = "finance", "expenses"
CHUNK = 256_000  # = the validator's ROW_GROUP_ROWS
DICT = pa.dictionary(pa.int32(), pa.string())
DAY_US = 86_400 * 1_000_000
EPOCH_2024 = 19_723  # 2024-01-01 in days since 1970-01-01
CATEGORIES = ["travel", "meals", "lodging", "software", "equipment", "other"]
CURRENCIES = ["EUR", "USD", "GBP", "CHF", "SEK"]


@dataclass
class Batch:
    ingest_id: str
    ingest_date: str
    arrived_at: str
    source_key: str
    staged_key: str  # relative to the staging bucket
    path: str  # absolute
    rows: int
    size: int


def staged_schema() -> pa.Schema:
    """The contract's columns (types from the contract, as the validator writes them), then lineage."""
    from lake.config import load_config

    ds = load_config(os.environ.get("LAKE_CONFIG") or REPO / "insight_zones").zones[ZONE].datasets[DATASET]
    fields = [pa.field(c.name, c.type.arrow) for c in ds.columns]
    fields += [pa.field("_ingest_id", DICT), pa.field("_source_file", DICT),
               pa.field("_row_number", pa.int64()), pa.field("_ingested_at", pa.timestamp("us", tz="UTC"))]
    return pa.schema(fields)


class _Pools:
    def __init__(self, rng: np.random.Generator):
        self.emails = pa.array([f"employee{i:05d}@corp.example" for i in range(20_000)])
        self.cost_centers = pa.array([f"CC-{i:04d}" for i in range(400)])
        self.categories = pa.array(CATEGORIES)
        self.currencies = pa.array(CURRENCIES)
        words = np.array(["taxi", "hotel", "client", "dinner", "flight", "train", "conference", "laptop", "license",
                          "lunch", "parking", "team", "offsite", "monitor", "cable", "book", "course", "visa", "fuel",
                          "toll"])
        self.descriptions = pa.array([" ".join(rng.choice(words, rng.integers(1, 9))) for _ in range(1_000)])


def _decimal(cents: np.ndarray) -> pa.Array:
    """int64 cents -> decimal128(12, 2) without Python objects (two's-complement 128-bit words)."""
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0], words[:, 1] = cents, np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(12, 2), len(cents), [None, pa.py_buffer(words.tobytes())])


def _table(schema: pa.Schema, pools: _Pools, rng: np.random.Generator, keys: np.ndarray, emp: np.ndarray,
           expense_day: np.ndarray, submitted_us: np.ndarray, batch: Batch, first_row: int) -> pa.Table:
    n = len(keys)
    cents = np.clip(rng.lognormal(8.5, 1.1, n), 50, 5_000_000).astype(np.int64)
    desc = pools.descriptions.take(pa.array(rng.integers(0, len(pools.descriptions), n)))
    desc_null = pa.array(rng.random(n) < 0.15)
    one = pa.array(np.zeros(n, dtype=np.int32))
    cols = {
        "expense_id": pa.array(keys, pa.int64()),
        "employee_email": pools.emails.take(pa.array(emp)),
        "cost_center_id": pools.cost_centers.take(pa.array(emp % len(pools.cost_centers))),
        "category": pools.categories.take(pa.array(rng.choice(6, n, p=[.3, .25, .15, .1, .1, .1]))),
        "amount": _decimal(cents),
        "currency": pools.currencies.take(pa.array(rng.choice(5, n, p=[.5, .3, .1, .05, .05]))),
        "expense_date": pa.array(expense_day.astype(np.int32), pa.date32()),
        "submitted_at": pa.array(submitted_us, pa.timestamp("us", tz="UTC")),
        "approved": pa.array(rng.random(n) < 0.8),
        "description": pc.if_else(desc_null, pa.nulls(n, pa.string()), desc),
        "_ingest_id": pa.DictionaryArray.from_arrays(one, pa.array([batch.ingest_id])),
        "_source_file": pa.DictionaryArray.from_arrays(one, pa.array([batch.source_key])),
        "_row_number": pa.array(np.arange(first_row, first_row + n, dtype=np.int64)),
        "_ingested_at": pa.array(np.full(n, _iso_us(batch.arrived_at)), pa.timestamp("us", tz="UTC")),
    }
    return pa.table(cols, schema=schema)


def _iso_us(iso: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(iso).timestamp() * 1_000_000)


def _batch(staging: Path, n: int, ingest_date: str, hhmmss: str, rng: np.random.Generator) -> Batch:
    ingest_id = f"{ingest_date.replace('-', '')}T{hhmmss}-{rng.bytes(6).hex()}"
    key = f"{ZONE}/{DATASET}/ingest_date={ingest_date}/{ingest_id}.parquet"
    return Batch(ingest_id, ingest_date, f"{ingest_date}T{hhmmss[:2]}:{hhmmss[2:4]}:{hhmmss[4:]}+00:00",
                 f"{ZONE}/{DATASET}/expenses_{ingest_date}.csv", key, str(staging / key), n, 0)


def generate(staging: Path, rows: int, seed: int, update_ratio: float = 0.10, dup_ratio: float = 0.01,
             stale_ratio: float = 0.01) -> dict:
    """Write both batches under ``staging`` (the staging bucket's folder); return the manifest."""
    rng = np.random.default_rng(seed)
    pools, schema = _Pools(rng), staged_schema()
    b1 = _batch(staging, rows, "2025-03-01", "020000", rng)
    b2 = _batch(staging, 0, "2025-03-02", "020000", rng)
    for b in (b1, b2):
        Path(b.path).parent.mkdir(parents=True, exist_ok=True)
    opts = dict(compression="snappy", store_schema=False)
    w1, w2 = pq.ParquetWriter(b1.path, schema, **opts), pq.ParquetWriter(b2.path, schema, **opts)
    next_key, done, keys_total, pending2 = 1, 0, 0, []
    while done < rows:
        c = min(CHUNK, rows - done)
        dups = int(round(c * dup_ratio))
        uniq = c - dups
        keys = np.arange(next_key, next_key + uniq, dtype=np.int64)
        emp = rng.integers(0, len(pools.emails), uniq)
        day = EPOCH_2024 + rng.integers(0, 730, uniq)
        sub = day * DAY_US + rng.integers(DAY_US // 24, 14 * DAY_US, uniq)
        # Re-submissions inside the file: the same claim again, 1 s to 72 h later.
        d = rng.integers(0, uniq, dups)
        d_sub = sub[d] + rng.integers(1_000_000, 3 * DAY_US, dups)
        w1.write_table(_table(schema, pools, rng, np.concatenate([keys, keys[d]]), np.concatenate([emp, emp[d]]),
                              np.concatenate([day, day[d]]), np.concatenate([sub, d_sub]), b1, done + 1),
                       row_group_size=CHUNK)
        # Batch 2: a new version for ~update_ratio of this chunk's keys (after all of batch 1's).
        u = np.flatnonzero(rng.random(uniq) < update_ratio)
        rng.shuffle(u)
        u_sub = sub[u] + rng.integers(4 * DAY_US, 30 * DAY_US, len(u))
        stale = rng.random(len(u)) < stale_ratio
        u_sub[stale] = sub[u][stale] - rng.integers(DAY_US, 10 * DAY_US, int(stale.sum()))
        pending2.append((keys[u], emp[u], day[u], u_sub))
        if sum(len(p[0]) for p in pending2) >= CHUNK:
            b2.rows += _flush(w2, schema, pools, rng, pending2, b2)
        next_key, done, keys_total = next_key + uniq, done + c, keys_total + uniq
    b2.rows += _flush(w2, schema, pools, rng, pending2, b2)
    w1.close(), w2.close()
    for b in (b1, b2):
        b.size = Path(b.path).stat().st_size
    return {"seed": seed, "rows": rows, "distinct_keys": keys_total, "update_ratio": update_ratio,
            "dup_ratio": dup_ratio, "stale_ratio": stale_ratio, "batches": [asdict(b1), asdict(b2)]}


def _flush(writer: pq.ParquetWriter, schema: pa.Schema, pools: _Pools, rng: np.random.Generator,
           pending: list, batch: Batch) -> int:
    if not pending:
        return 0
    keys, emp, day, sub = (np.concatenate([p[i] for p in pending]) for i in range(4))
    pending.clear()
    writer.write_table(_table(schema, pools, rng, keys, emp, day, sub, batch, batch.rows + 1), row_group_size=CHUNK)
    return len(keys)


if __name__ == "__main__":  # quick look: python -m benchmarks.promote.generate <dir> [rows]
    import sys

    print(json.dumps(generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 100_000, 7), indent=1))
