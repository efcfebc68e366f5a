"""Duplicate keys found from 64-bit key hashes gathered while the file is written: exact all the same."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lake.ingest import duplicates
from lake.ingest.duplicates import KeyHashes, find


def dataset(keys: list[str], cdc: bool = False) -> Any:
    """What the check reads of a contract: its key and whether it is CDC."""
    return SimpleNamespace(primary_key=keys, options=SimpleNamespace(cdc=cdc))


def staged(tmp_path, rows: list[tuple], batch: int = 2):
    """A staged-like Parquet file in row groups of ``batch`` rows, and the hashes its writer would gather."""
    table = pa.table({"id": pa.array([r[0] for r in rows], pa.int64()), "region": [r[1] for r in rows],
                      "_row_number": pa.array(range(1, len(rows) + 1), pa.int64())})
    path = tmp_path / "staged.parquet"
    pq.write_table(table, path, row_group_size=batch)
    return path, table


def gathered(ds: Any, table: pa.Table, batch: int = 2) -> KeyHashes:
    hashes = KeyHashes(ds)
    for start in range(0, table.num_rows, batch):
        hashes.add(table.slice(start, batch))
    return hashes


ROWS = [(1, "eu"), (2, "us"), (3, "eu"), (1, "eu"), (4, "ap"), (2, "us"), (1, "us"), (4, "ap"), (1, "eu")]


@pytest.mark.parametrize("keys", [["id"], ["id", "region"]])
def test_repeats_across_batches_are_counted_with_their_rows(tmp_path, keys):
    ds = dataset(keys)
    path, table = staged(tmp_path, ROWS)
    found = find(path, ds, gathered(ds, table))
    assert found == find(path, ds)  # gathered while written, or read back: the same answer
    if keys == ["id"]:
        assert (found.keys, found.rows) == (3, 5)
        assert [e["rows"] for e in found.examples] == [[1, 4, 7, 9], [2, 6], [5, 8]]
    else:  # (1, eu), (2, us) and (4, ap) repeat; (1, us) does not
        assert (found.keys, found.rows) == (3, 4)
        assert found.examples[0] == {"key": {"id": 1, "region": "eu"}, "rows": [1, 4, 9]}
        assert found.examples[2] == {"key": {"id": 4, "region": "ap"}, "rows": [5, 8]}


def test_no_repeat_means_no_read_back(tmp_path, monkeypatch):
    ds = dataset(["id"])
    path, table = staged(tmp_path, [(i, "eu") for i in range(1, 50)])
    monkeypatch.setattr(duplicates, "_rows_with", lambda *a: pytest.fail("read back without a repeated hash"))
    assert find(path, ds, gathered(ds, table)) == duplicates.Duplicates()


def test_a_hash_collision_between_different_keys_is_not_a_duplicate(tmp_path, monkeypatch):
    ds = dataset(["id"])
    path, table = staged(tmp_path, [(1, "eu"), (2, "us"), (3, "eu"), (3, "us")])
    # Every key hashes alike: all rows are suspects, and only the exact grouping tells them apart.
    monkeypatch.setattr(duplicates, "hash_keys", lambda t, keys: np.zeros(t.num_rows, np.uint64))
    found = find(path, ds, gathered(ds, table))
    assert (found.keys, found.rows, found.examples) == (1, 1, [{"key": {"id": 3}, "rows": [3, 4]}])


def test_cdc_files_are_not_checked(tmp_path):
    ds = dataset(["id"], cdc=True)
    path, table = staged(tmp_path, ROWS)
    assert find(path, ds, gathered(ds, table)) == duplicates.Duplicates()


def test_memory_is_eight_bytes_a_row_whatever_the_key(tmp_path):
    ds = dataset(["id", "region"])
    wide = pa.table({"id": pa.array(range(10_000), pa.int64()), "region": ["a long region name " * 5] * 10_000})
    hashes = gathered(ds, wide, batch=1_000)
    assert sum(p.nbytes for p in hashes._parts) == 8 * 10_000
    assert len(hashes.repeated()) == 0


def test_repeated_hashes_are_exactly_those_seen_twice_across_every_range():
    ds = dataset(["id"])
    rng = np.random.default_rng(7)
    ids = rng.integers(0, 2**62, 50_000)
    ids = np.concatenate([ids, ids[:300], ids[:3]])  # 300 ids twice, 3 of them three times
    rng.shuffle(ids)
    hashes = gathered(ds, pa.table({"id": ids}), batch=4_000)
    every, counts = np.unique(duplicates.hash_keys(pa.table({"id": ids}), ["id"]), return_counts=True)
    found = hashes.repeated()
    assert len(found) == 300 and np.array_equal(found, every[counts > 1])
    assert len({int(h) >> 60 for h in found}) == duplicates.RANGES  # repeats fell in every range


def test_a_file_with_no_staged_row_has_no_repeats():
    assert len(KeyHashes(dataset(["id"])).repeated()) == 0
