"""ODS and the source table, in one comparable shape."""

from __future__ import annotations

from datetime import UTC, datetime

from lake.pii import hmac_hex, zone_key
from lake.query import QueryEngine
from tests.cdc.conftest import Source

COLUMNS = "application_id, account_id, candidate_email, stage, updated_at"


def _utc(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def ods(src: Source) -> dict[int, tuple]:
    """ODS as the zone's PII reader sees it (candidate_email hashed)."""
    ctx = src.ctx()
    rows = QueryEngine(ctx.cfg, ctx.home, principal="cs_auditor").arrow(
        f"SELECT {COLUMNS} FROM customer_success_ods.applications").to_pylist()
    return {r["application_id"]: (r["account_id"], r["candidate_email"], r["stage"], _utc(r["updated_at"]))
            for r in rows}


def expected(src: Source) -> dict[int, tuple]:
    """The source table, with candidate_email hashed by the zone's key as promotion hashes it."""
    key = zone_key(src.home / "platform" / "keys", "customer_success")
    return {r[0]: (r[1], hmac_hex(key, r[2]) if r[2] is not None else None, r[3], _utc(r[4]))
            for r in src.sql(f"SELECT {COLUMNS} FROM applications")}


def insert(src: Source, first: int, last: int, stage: str = "applied") -> None:
    src.sql("INSERT INTO applications (application_id, account_id, candidate_email, stage, updated_at) "
            "SELECT g, 'ACME-' || mod(g, 4), 'cand' || g || '@example.org', %s, "
            "timestamptz '2026-11-01 09:00:00+00' + g * interval '1 minute' FROM generate_series(%s, %s) g",
            stage, first, last)
