"""to_ods transforms on plain DataFrames: latest-wins, CDC ordering, PII treatment."""

from __future__ import annotations

import hashlib
import hmac

from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from lake.tasks.to_ods import transforms as T

SCHEMA = "id long, v string, ts string, _ingest_seq int, _row_number long"


def test_latest_per_key_prefers_greatest_ordering_column_then_later_ingest_then_row(spark) -> None:  # noqa: ANN001
    df = spark.createDataFrame([
        (1, "old", "2026-01-01", 0, 1),
        (1, "new", "2026-01-02", 0, 2),
        (1, "late-but-older", "2026-01-01", 1, 1),  # arrives later, older version: loses
        (2, "first", "2026-01-05", 0, 3),
        (2, "tie-later-ingest", "2026-01-05", 1, 2),  # same ordering value: later ingest wins
        (3, "a", "2026-01-01", 2, 1),
        (3, "tie-later-row", "2026-01-01", 2, 7),  # same ingest: later row wins
    ], SCHEMA)
    got = T.latest_per_key(df, ["id"], "ts").select("id", "v")
    assertDataFrameEqual(got, spark.createDataFrame([(1, "new"), (2, "tie-later-ingest"), (3, "tie-later-row")],
                                                    "id long, v string"))


def test_latest_change_per_key_orders_by_lsn_not_arrival(spark) -> None:  # noqa: ANN001
    df = spark.createDataFrame([
        (1, "u", 30, 0, 1), (1, "c", 10, 1, 1),  # the insert arrives after the update
        (2, "d", 20, 0, 1), (2, "c", 40, 0, 2),  # delete then re-insert: row present
    ], "id long, _op string, _lsn long, _ingest_seq int, _row_number long")
    got = T.latest_change_per_key(df, ["id"]).select("id", "_op", "_lsn")
    assertDataFrameEqual(got, spark.createDataFrame([(1, "u", 30), (2, "c", 40)], "id long, _op string, _lsn long"))


def test_hmac_matches_python_hmac(spark) -> None:  # noqa: ANN001
    key = bytes(range(32))
    df = spark.createDataFrame([("alice@example.com",), (None,), ("ü@example.com",)], "email string")
    got = [r[0] for r in df.select(T.hmac_sha256(F.col("email"), key)).collect()]
    want = [hmac.new(key, b"alice@example.com", hashlib.sha256).hexdigest(), None,
            hmac.new(key, "ü@example.com".encode(), hashlib.sha256).hexdigest()]
    assert got == want


def test_protect_pii_hashes_masks_and_drops(spark) -> None:  # noqa: ANN001
    df = spark.createDataFrame([("a@x.com", "b@x.com", "c@x.com")], "h string, m string, d string")
    out = T.protect_pii(df, {"h": "hash", "m": "mask", "d": "drop"}, b"k")
    row = out.collect()[0].asDict()
    assert set(row) == {"h", "m"}
    assert row["m"] == "b****" and len(row["h"]) == 64 and "a@x.com" not in row["h"]
