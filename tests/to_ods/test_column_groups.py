"""Which MERGE each pending ingest joins: runs of consecutive ingests that carried the same columns."""

from __future__ import annotations

from lake.backends.ledger import IngestRecord
from lake.config import load_config
from lake.tasks.to_ods.promote import column_groups
from tests.conftest import ZONES


def ingest(columns: list[str] | None) -> IngestRecord:
    return IngestRecord("i", "finance", "expenses", "ingress", "k", "v", "", 1, "t", columns=columns)


def test_consecutive_ingests_with_the_same_columns_share_one_merge() -> None:
    ds = load_config(ZONES).dataset("finance", "expenses")
    every = [c.name for c in ds.columns]
    short = [c for c in every if c != "description"]
    pending = [ingest(None), ingest(every), ingest(short), ingest(list(reversed(short))), ingest(every)]
    assert column_groups(ds, pending) == [(0, 1, every), (2, 3, short), (4, 4, every)]
    assert column_groups(ds, []) == []
