"""The platform's own records quote row values in error messages: an erasure redacts them, and the
SQLite files keep no old copy in free pages or the write-ahead log."""

from __future__ import annotations

import json
from pathlib import Path

from lake.backends.alerts import Alert
from lake.backends.ledger import IngestRecord, now
from lake.erasure import platform
from lake.erasure.report import ErasureReport
from lake.erasure.subject import Subject
from lake.runtime.context import Context
from tests.conftest import ZONES
from tests.erasure.deep_search import find

DANA = "dana.lee@example.com"


def test_records_logs_alerts_and_docs_are_redacted_and_sqlite_compacted(tmp_path: Path) -> None:
    ctx = Context.local(tmp_path / "home", ZONES)
    reason = f"not readable as csv: CSV parse error: Expected 10 columns, got 3: 7,{DANA.upper()},x"
    rec = ctx.ledger.claim(IngestRecord("i-1", "finance", "expenses", "ingress", "finance/expenses/a.csv", "v1", "",
                                        10, now()))
    ctx.ledger.complete(rec.ingest_id, outcome="quarantined", reason=reason, warnings=[f"row 7: {DANA}", "other"])
    for i in range(200):  # enough rows that the old ones live on in pages and WAL frames unless rewritten
        ctx.records.add("runs", run_id=f"run-{i}", task="validator", zone="finance", status="failed",
                        error=f"row quotes {DANA}" if i % 2 else "no quote", inputs=["s3://ingress/a.csv"])
    ctx.alerts.echo = False  # type: ignore[attr-defined]
    ctx.alerts.send(Alert("finance", "error", "a.csv quarantined", reason))
    docs = ctx.home.root / "docs"
    docs.mkdir()
    (docs / "catalog.json").write_text(json.dumps({"error": reason, "other": "diana.lee@example.com"}))
    (ctx.home.platform / "blob.bin").write_bytes(b"\xff\xfe\x00" + DANA.encode())
    assert len(find(ctx.home.root, [DANA])) >= 5

    report = ErasureReport("erase-1", "run-1", "person_email", "h", now())
    platform.scrub(ctx, Subject.of("person_email", DANA), report)

    rec2 = ctx.ledger.get("i-1")
    assert rec2 and rec2.reason == reason.replace(DANA.upper(), "[erased]") and rec2.erased_by == "erase-1"
    assert rec2.warnings == ["row 7: [erased]", "other"]
    errors = {r["error"] for r in ctx.records.rows("runs")}
    assert errors == {"row quotes [erased]", "no quote"}
    assert "[erased]" in ctx.alerts.read()[0].detail  # type: ignore[attr-defined]
    assert json.loads((docs / "catalog.json").read_text())["other"] == "diana.lee@example.com"
    assert find(ctx.home.root, [DANA]) == ["platform/blob.bin (raw): dana.lee@example.com"]
    assert ("platform:platform/blob.bin", "NOT ERASED (binary file, left as is)") in {
        (c.target, c.action) for c in report.changes}
    wal = ctx.home.platform / "records.sqlite-wal"
    assert not wal.exists() or wal.stat().st_size == 0
