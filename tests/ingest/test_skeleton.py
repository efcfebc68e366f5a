"""The walking skeleton of ingestion: one file through receiver and validator, end to end."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa

from lake.local.ingest import drop_file, sweep
from tests.ingest.conftest import FIXTURES, expenses, report, staged, write


def test_good_csv_is_staged_typed_with_lineage(ctx):
    [rec] = drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    assert (rec.outcome, rec.rows_read, rec.rows_staged, rec.rows_quarantined) == ("staged", 5, 5, 0)
    t = staged(ctx, rec)
    assert t.schema.names[:10] == [c.name for c in ctx.cfg.dataset("finance", "expenses").columns]
    assert t.schema.names[10:] == ["_ingest_id", "_source_file", "_row_number", "_ingested_at"]
    assert t.schema.field("amount").type == pa.decimal128(12, 2)
    assert t.schema.field("submitted_at").type == pa.timestamp("us", tz="UTC")
    row = t.to_pylist()[0]
    assert row["amount"] == Decimal("1234.50") and row["expense_date"] == date(2024, 3, 1)
    assert row["submitted_at"] == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)  # +01:00 converted to UTC
    assert row["approved"] is True and row["_row_number"] == 1 and row["_ingest_id"] == rec.ingest_id
    assert row["_source_file"] == "finance/expenses/expenses_good.csv"
    assert t.column("description").to_pylist()[3:] == ["Hotel, two nights", 'Said "thanks"']
    assert rec.staged_key == f"finance/expenses/ingest_date={rec.arrived_at[:10]}/{rec.ingest_id}.parquet"


def test_landing_is_a_byte_exact_copy_with_provenance(ctx):
    src = FIXTURES / "expenses_good.csv"
    [rec] = drop_file(ctx, src, "finance", "expenses")
    landed = ctx.home.landing / rec.landing_key
    assert rec.landing_key.startswith(f"finance/expenses/ingest_date={rec.arrived_at[:10]}/{rec.ingest_id}/")
    assert landed.read_bytes() == src.read_bytes()
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    assert rec.sha256 == digest and rec.size == src.stat().st_size and rec.version
    meta = ctx.storage.head(ctx.buckets.landing, rec.landing_key).metadata
    assert meta["source-key"] == "finance/expenses/expenses_good.csv" and meta["sha256"] == digest
    assert meta["arrived-at"] == rec.arrived_at and meta["source-version"] == rec.version


def test_bad_file_is_quarantined_with_report_and_alert(ctx, tmp_path):
    bad = write(tmp_path, "bad.csv", expenses("1,a@x.com,CC,travel,abc,USD,03/01/2024,2024-03-01T00:00:00Z,yes,"))
    [rec] = drop_file(ctx, bad, "finance", "expenses")
    assert rec.outcome == "quarantined" and rec.staged_key is None
    assert (ctx.home.landing / rec.quarantine_key).read_bytes() == bad.read_bytes()
    rep = report(ctx, rec)
    assert rep["outcome"] == "quarantined" and rep["ingest_id"] == rec.ingest_id
    assert rep["errors"][0] == {"row": 1, "column": "amount", "value": "abc", "message": "not a decimal number"}
    [alert] = [a for a in ctx.alerts.read() if a.zone == "finance"]  # executive hears too, as a subscriber
    assert alert.zone == "finance" and "omar.haddad@example.com" in alert.recipients
    assert not list((ctx.home.staging).rglob("*.parquet"))


def test_same_file_twice_is_one_ingest_and_one_duplicate(ctx):
    first = drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    second = drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    assert [r.outcome for r in second] == ["duplicate"] and second[0].duplicate_of == first[0].ingest_id
    assert len(list(ctx.home.staging.rglob("*.parquet"))) == 1
    assert len(ctx.ledger.pending_promotion("finance", "expenses")) == 1


def test_jsonl_and_cdc_are_staged(ctx):
    [acc] = drop_file(ctx, FIXTURES / "accounts.jsonl", "customer_success", "accounts")
    assert (acc.outcome, acc.rows_staged) == ("staged", 2)
    assert staged(ctx, acc).column("employee_count").type == pa.int32()
    [app] = drop_file(ctx, FIXTURES / "applications.jsonl", "customer_success", "applications")
    t = staged(ctx, app)
    assert (app.outcome, t.num_rows) == ("staged", 3)
    assert t.schema.names[-3:] == ["_op", "_lsn", "_ts_ms"]
    assert t.column("_op").to_pylist() == ["c", "u", "d"] and t.column("_lsn").to_pylist() == [100, 101, 102]
    assert t.column("application_id").to_pylist() == [1, 1, 2] and t.column("stage").to_pylist()[1] == "screen"


def test_sweep_ingests_what_the_ledger_has_not_seen(ctx):
    folder = ctx.home.ingress / "finance" / "expenses"
    folder.mkdir(parents=True)
    (folder / "copied.csv").write_bytes((FIXTURES / "expenses_good.csv").read_bytes())
    (folder / ".DS_Store").write_bytes(b"\0")
    [rec] = sweep(ctx)
    assert rec.outcome == "staged" and rec.source_key == "finance/expenses/copied.csv"
    assert sweep(ctx) == []
