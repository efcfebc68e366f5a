"""Hashed PII from a lookup of each distinct value's HMAC (promote.hash_lookups) on a first load (the
append): the ODS holds exactly what hashing row by row gives, and a later MERGE's hashes agree with it;
mostly distinct values are hashed row by row."""

from __future__ import annotations

import pytest

from lake.pii import hmac_hex, zone_key
from lake.spark import local_session
from lake.tasks.to_ods import promote as job
from lake.tasks.to_ods.promote import promote_task
from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark
T = ["2026-11-01T09:00:00+00:00", "2026-11-02T09:00:00+00:00"]


@pytest.fixture
def used(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Lookups from batches of any size (the columns each promotion looked up)."""
    monkeypatch.setattr(job, "LOOKUP_ROWS", 1)
    monkeypatch.setattr(job, "LOOKUP_REPEATS", 2)
    calls: list[list[str]] = []
    real = job.hash_lookups

    def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        out = real(*args, **kwargs)
        calls.append(sorted(out))
        return out

    monkeypatch.setattr(job, "hash_lookups", spy)
    return calls


def stored(lake: Lake) -> dict[int, str | None]:
    spark = local_session(lake.ctx.home.warehouse)
    return {r[0]: r[1] for r in spark.sql("SELECT expense_id, employee_email FROM finance_ods.expenses").collect()}


def promote(lake: Lake) -> None:
    lake.n += 1
    p = promote_task(local_session(lake.ctx.home.warehouse), lake.ctx, "finance", "expenses", f"run-{lake.n}")
    assert p.status == "promoted", p.error


def test_repeated_values_are_hashed_once_with_the_same_result(lake: Lake, used: list[list[str]]) -> None:
    key = zone_key(lake.ctx.home.platform / "keys", "finance")
    emails = {i: f"person{i % 2}@example.com" for i in range(1, 9)} | {9: ""}  # 9: no address (null)
    lake.drop("finance", "expenses", [expense(i, T[0], employee_email=e) for i, e in emails.items()])
    promote(lake)  # a first load: the append
    want = {i: hmac_hex(key, e) if e else None for i, e in emails.items()}
    assert stored(lake) == want
    # A second batch: the MERGE, which updates two keys (one to a new address) and adds four.
    emails2 = {1: "person1@example.com", 2: "new@example.com", 10: "person0@example.com",
               11: "person0@example.com", 12: "new@example.com", 13: "person1@example.com"}
    lake.drop("finance", "expenses", [expense(i, T[1], employee_email=e) for i, e in emails2.items()])
    promote(lake)
    assert stored(lake) == want | {i: hmac_hex(key, e) for i, e in emails2.items()}
    assert used == [["employee_email"]]  # the append took the lookup's hashes; the MERGE hashes row by row


def test_mostly_distinct_values_are_hashed_row_by_row(lake: Lake, used: list[list[str]]) -> None:
    key = zone_key(lake.ctx.home.platform / "keys", "finance")
    lake.drop("finance", "expenses", [expense(i, T[0]) for i in range(1, 6)])  # five addresses, five rows
    promote(lake)
    assert used == [[]]
    assert stored(lake) == {i: hmac_hex(key, f"person{i}@example.com") for i in range(1, 6)}


def test_small_batches_start_no_counting_job(lake: Lake, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(job.T, "hash_lookup", lambda *a: pytest.fail("a lookup for a small batch"))
    lake.drop("finance", "expenses", [expense(i, T[0], employee_email="same@example.com") for i in range(1, 6)])
    promote(lake)
    key = zone_key(lake.ctx.home.platform / "keys", "finance")
    assert set(stored(lake).values()) == {hmac_hex(key, "same@example.com")}
