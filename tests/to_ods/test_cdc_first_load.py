"""A CDC dataset's first load into empty tables appends (no MERGE), and its deletes still hold back
late, older changes of the keys they removed."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession

from lake.spark import local_session
from lake.tasks.to_ods.promote import promote_task
from tests.glue_jobs.conftest import Lake
from tests.glue_jobs.test_cdc import change, state

pytestmark = pytest.mark.spark
ODS = "customer_success_ods.applications"
TOMBSTONES = f"{ODS}__tombstones"


def promote(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Promote the pending changes; the SQL statements the promotion ran."""
    ran: list[str] = []
    sql = SparkSession.sql
    monkeypatch.setattr(SparkSession, "sql", lambda self, q, *a, **k: ran.append(q) or sql(self, q, *a, **k))
    lake.n += 1
    p = promote_task(local_session(lake.ctx.home.warehouse), lake.ctx, "customer_success", "applications",
                     f"run-{lake.n}")
    monkeypatch.undo()
    assert p.status == "promoted"
    return ran


def tombstones(lake: Lake) -> dict[int, int]:
    rows = local_session(lake.ctx.home.warehouse).table(TOMBSTONES).collect()
    return {r["application_id"]: r["_lsn"] for r in rows}


def test_first_load_appends_rows_and_deletes_that_later_changes_respect(lake: Lake, monkeypatch) -> None:  # noqa: ANN001
    # Key 2 is created then deleted in the batch; key 3's delete arrives for a row never seen.
    lake.drop("customer_success", "applications", [change("c", 10, 1), change("c", 20, 2), change("d", 30, 2),
                                                   change("d", 35, 3)])
    ran = promote(lake, monkeypatch)
    assert state(lake) == {1: "applied"} and tombstones(lake) == {2: 30, 3: 35}
    assert not [q for q in ran if "MERGE" in q]  # empty tables: nothing to match, appended

    # Later: a late, older create of 2 stays deleted; a newer create of 3 comes back and lifts its tombstone.
    lake.drop("customer_success", "applications", [change("c", 25, 2, "interview"), change("c", 40, 3, "screen")])
    assert [q.split()[2] for q in promote(lake, monkeypatch) if q.startswith("MERGE")] == [ODS, TOMBSTONES]
    assert state(lake) == {1: "applied", 3: "screen"} and tombstones(lake) == {2: 30}
