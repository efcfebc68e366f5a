"""Issue items 3 and 11: one ledger record per object version; the sweep accounts for everything."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest

from lake.backends.ledger import TERMINAL, IngestRecord, SqliteLedger
from lake.ingest.receiver import receive
from lake.local.ingest import drop_file, sweep
from lake.runtime.events import ObjectRef
from tests.ingest.conftest import FIXTURES, expenses, good_rows, write

UGLY = FIXTURES / "ugly"


def record(version: str = "v1", key: str = "finance/expenses/a.csv") -> IngestRecord:
    from lake.backends.ledger import new_ingest_id, now

    return IngestRecord(new_ingest_id(), "finance", "expenses", "ingress", key, version, "", 1, now())


def test_a_changed_file_under_the_same_key_is_a_new_version(ctx, tmp_path):
    path = write(tmp_path, "claims.csv", expenses(*good_rows(2)))
    [first] = drop_file(ctx, path, "finance", "expenses")
    path.write_text(expenses(*good_rows(3, start=10)))
    [second] = drop_file(ctx, path, "finance", "expenses")
    assert first.outcome == second.outcome == "staged" and first.version != second.version
    assert second.rows_staged == 3 and len(ctx.ledger.pending_promotion("finance", "expenses")) == 2
    [dup] = drop_file(ctx, path, "finance", "expenses")
    assert dup.outcome == "duplicate" and dup.duplicate_of == second.ingest_id


def test_concurrent_claims_of_one_version_make_one_ingest(tmp_path):
    db = tmp_path / "ledger.sqlite"
    SqliteLedger(db)

    def claim(i: int) -> str:
        return SqliteLedger(db).claim(record()).outcome  # a connection each, as separate processes would have

    with ThreadPoolExecutor(8) as pool:
        outcomes = sorted(pool.map(claim, range(8)))
    assert outcomes == ["duplicate"] * 7 + ["received"]


def test_the_validation_lease_is_taken_once_and_expires(tmp_path):
    ledger = SqliteLedger(tmp_path / "l.sqlite")
    rec = ledger.claim(record())
    assert ledger.start(rec.ingest_id, "lambda") and not ledger.start(rec.ingest_id, "lambda")
    assert ledger.start(rec.ingest_id, "lambda", lease_seconds=-1)  # a crashed run's lease has lapsed
    ledger.complete(rec.ingest_id, outcome="staged")
    assert not ledger.start(rec.ingest_id, "lambda", lease_seconds=-1)  # finished: never again


def test_an_older_ledger_gains_the_new_columns(tmp_path):
    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE ingest_ledger (ingest_id TEXT PRIMARY KEY, source_bucket TEXT, source_key TEXT,"
                " version TEXT, duplicate_of TEXT)")
    con.commit()
    con.close()
    ledger = SqliteLedger(db)
    ledger.claim(record())
    assert ledger.records()[0].runner is None


def test_the_sweep_finishes_what_a_crash_left_behind(ctx):
    ctx.storage.put_file("ingress", "finance/expenses/a.csv", FIXTURES / "expenses_good.csv")
    rec = receive(ctx, ObjectRef("ingress", "finance/expenses/a.csv"))  # landed, but the validator never ran
    assert rec.outcome == "received" and rec.landing_key
    assert sweep(ctx) == []  # within the lease: another run may still be on it
    [done] = sweep(ctx, stale_after_seconds=-1)
    assert done.ingest_id == rec.ingest_id and done.outcome == "staged"


def test_after_any_mix_of_drops_the_ledger_accounts_for_every_object(ctx, tmp_path):
    drops = [UGLY / "one_bad_date.csv", UGLY / "many_bad.csv", FIXTURES / "expenses_good.csv",
             FIXTURES / "expenses_good.csv", UGLY / "semicolon.csv", FIXTURES / "expenses_empty.csv"]
    for path in drops:
        drop_file(ctx, path, "finance", "expenses")
    drop_file(ctx, FIXTURES / "accounts.jsonl", "customer_success", "accounts")
    drop_file(ctx, FIXTURES / "accounts.jsonl", "nowhere", "accounts")
    stray = ctx.home.ingress / "finance" / "expenses" / "copied-in.csv"
    stray.write_bytes((FIXTURES / "expenses_good.csv").read_bytes())
    sweep(ctx)
    records = ctx.ledger.records()
    assert all(r.outcome in TERMINAL for r in records)
    # Every object version has one record of its own: an ingest, or a duplicate of other bytes' content.
    own = [r for r in records if r.outcome != "duplicate" or r.reason.startswith("same content")]
    ingests = {(r.source_key, r.version): r for r in own}
    assert len(ingests) == len(own)  # one record per version
    for obj in ctx.storage.list("ingress"):
        info = ctx.storage.head("ingress", obj.key)
        assert (obj.key, info.etag) in ingests, obj.key
    outcomes = sorted(r.outcome for r in records)
    assert outcomes == sorted(["partial", "quarantined", "staged", "duplicate", "quarantined", "quarantined",
                               "staged", "quarantined", "duplicate"])
    [copied] = [r for r in records if r.source_key.endswith("copied-in.csv")]
    [good] = [r for r in records if r.source_key.endswith("expenses_good.csv") and r.outcome == "staged"]
    assert copied.duplicate_of == good.ingest_id and good.ingest_id in copied.reason


def test_the_sweep_lands_a_claim_a_crashed_receiver_never_copied(ctx):
    ctx.storage.put_file("ingress", "finance/expenses/a.csv", FIXTURES / "expenses_good.csv")
    info = ctx.storage.head("ingress", "finance/expenses/a.csv")
    claim = ctx.ledger.claim(IngestRecord("20240101T000000-deadbeef0000", "finance", "expenses", "ingress",
                                          "finance/expenses/a.csv", info.etag, "", info.size,
                                          "2024-01-01T00:00:00.000+00:00"))
    [done] = sweep(ctx, stale_after_seconds=60)
    assert done.ingest_id == claim.ingest_id and done.outcome == "staged" and done.landing_key
    assert [r.ingest_id for r in ctx.ledger.records()] == [claim.ingest_id]  # no second ingest of the object


def test_a_crashing_validation_gives_its_lease_back(ctx, monkeypatch):
    from lake.ingest import validator

    ctx.storage.put_file("ingress", "finance/expenses/a.csv", FIXTURES / "expenses_good.csv")
    rec = receive(ctx, ObjectRef("ingress", "finance/expenses/a.csv"))
    monkeypatch.setattr(validator, "convert", lambda *a, **k: (_ for _ in ()).throw(MemoryError("boom")))
    with pytest.raises(MemoryError):  # the error reaches the handler: SQS will retry the message
        validator.validate(ctx, "landing", rec.landing_key)
    assert ctx.ledger.get(rec.ingest_id).outcome == "received"
    monkeypatch.undo()
    assert validator.validate(ctx, "landing", rec.landing_key).outcome == "staged"
