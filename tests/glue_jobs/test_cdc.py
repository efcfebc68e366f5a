"""CDC: change events apply in lsn order, whatever order their files arrive in."""

from __future__ import annotations

import pytest

from tests.glue_jobs.conftest import Lake

pytestmark = pytest.mark.spark


def change(op: str, lsn: int, app_id: int, stage: str | None = "applied") -> dict:
    row = {"application_id": app_id, "account_id": "ACME-001", "candidate_email": f"c{app_id}@example.org",
           "stage": stage, "updated_at": "2026-11-01T09:00:00Z"}
    return {"op": op, "lsn": lsn, "ts_ms": lsn, "before": row if op == "d" else None,
            "after": None if op == "d" else row}


FIRST = [change("c", 10, 1), change("c", 20, 2), change("c", 25, 3)]
SECOND = [change("u", 30, 1, "interview"), change("d", 40, 2), change("u", 45, 3, "offer")]
THIRD = [change("c", 50, 2, "screen"), change("d", 55, 3)]  # 2 comes back after its delete; 3 goes


def state(lake: Lake) -> dict[int, str]:
    rows = lake.q("customer_success", "SELECT application_id, stage FROM customer_success_ods.applications")
    return {r["application_id"]: r["stage"] for r in rows}


def reference(*files: list[dict]) -> dict[int, str]:
    """The source table's state, computed independently by replaying every change in lsn order."""
    table: dict[int, str] = {}
    for c in sorted((c for f in files for c in f), key=lambda c: c["lsn"]):
        row = c["after"] or c["before"]
        if c["op"] == "d":
            table.pop(row["application_id"], None)
        else:
            table[row["application_id"]] = row["stage"]
    return table


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)], ids=["in-order", "reversed", "shuffled"])
def test_out_of_order_files_converge_to_the_source_state(lake: Lake, order: tuple[int, ...]) -> None:
    files = [FIRST, SECOND, THIRD]
    for i in order:
        lake.drop("customer_success", "applications", files[i])
        assert lake.run().ok  # promote each file on its own: the hardest case for ordering
    assert state(lake) == reference(*files) == {1: "interview", 2: "screen"}


def test_delete_then_reinsert_in_one_batch_leaves_the_row(lake: Lake) -> None:
    lake.drop("customer_success", "applications", [change("c", 1, 7), change("d", 2, 7), change("c", 3, 7, "hired")])
    lake.run()
    assert state(lake) == {7: "hired"}
