"""``platform.erasures`` is a platform table like the others: each zone sees its own rows, and
a zone with none gets an empty table rather than an error."""

from __future__ import annotations

from pathlib import Path

from lake.query import QueryEngine
from lake.runtime.context import Context
from tests.conftest import ZONES


def test_each_zone_sees_its_own_erasures(tmp_path: Path) -> None:
    ctx = Context.local(tmp_path / "home", ZONES)
    for zone, rows in (("finance", 3), ("customer_success", 2)):
        ctx.records.add("erasures", request_id="erase-1", run_id="run-1", zone=zone, subject_kind="person_email",
                        subject_hash="ab" * 32, requested_at="2026-11-21T10:00:00+00:00",
                        erased_at="2026-11-21T10:01:00+00:00", tables=[f"{zone}_ods.x"], files=[],
                        rows_removed=rows, details={})

    def q(zone: str | None, sql: str, principal: str | None = None) -> list[dict]:
        return QueryEngine(ctx.cfg, ctx.home, zone, principal=principal).arrow(sql).to_pylist()

    sql = "SELECT zone, rows_removed FROM platform.erasures ORDER BY zone"
    assert q("finance", sql) == [{"zone": "finance", "rows_removed": 3}]
    assert q("executive", sql) == []
    assert q(None, sql, principal="cs_auditor") == [{"zone": "customer_success", "rows_removed": 2}]
