"""`lake forget`: a person who appears in several datasets and zones is gone from every layer,
history included, and nothing else changed. Scripted end to end on the demo's sample flow."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from lake.cli import main
from lake.demo.samples import generate
from lake.pii import hmac_hex, zone_key
from lake.query import QueryEngine
from lake.query.duck import connect
from lake.runtime.context import Context
from tests.conftest import ZONES
from tests.erasure import scenario
from tests.erasure.deep_search import decoded_kinds, find

pytestmark = [pytest.mark.spark, pytest.mark.slow]

DATASET_OF = {"expenses": "expenses", "expenses__quarantine": "expenses", "applications": "applications",
              "badges": "badges", "applications__tombstones": "applications"}


@dataclass
class Forgotten:
    home: Path
    config: Path
    ctx: Context
    before: dict[str, list[dict]]
    after: dict[str, list[dict]]
    hits_before: list[str]
    out: str
    code: int
    hashes: set[str]


def cli(*args: str) -> tuple[int, str]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(list(args))
    return code, buf.getvalue()


def tables(home: Path) -> dict[str, list[dict]]:
    """Every staging, ODS and analytics table as stored (PII columns included), read directly."""
    out: dict[str, list[dict]] = {}
    for folder in sorted({p.parent for p in (home / "staging").rglob("*.parquet")}):
        zone, dataset = folder.relative_to(home / "staging").parts[:2]
        rows = out.setdefault(f"{zone}_staging.{dataset}", [])
        for f in sorted(folder.rglob("*.parquet")):
            rows += pq.read_table(f).to_pylist()
    con = connect()
    for hint in sorted((home / "warehouse").glob("*/*/metadata/version-hint.text")):
        location = hint.parent.parent
        rel = con.sql(f"SELECT * FROM iceberg_scan('{location}')")
        out[f"{location.parent.name}.{location.name}"] = rel.to_arrow_table().to_pylist()
    return out


def hers(table: str, row: dict, hashes: set[str]) -> bool:
    """Dana's row: her address (any spelling) or a zone's hash of it, or one of her keys (masked columns)."""
    values = [str(v) for v in row.values() if v is not None]
    if any(scenario.DANA in v.lower() or v in hashes for v in values):
        return True
    name = table.split(".")[1]
    pk = {"expenses": "expense_id", "applications": "application_id", "badges": "badge_id"}
    key = pk.get(DATASET_OF.get(name, ""))
    return key is not None and row.get(key) in scenario.KEYS[DATASET_OF[name]]


def without(rows: list[dict], *cols: str) -> Counter:
    return Counter(json.dumps({k: v for k, v in r.items() if k not in cols}, sort_keys=True, default=str) for r in rows)


@pytest.fixture(scope="module")
def forgotten(tmp_path_factory: pytest.TempPathFactory, spark) -> Forgotten:  # noqa: ANN001
    from lake.local.ingest import drop_file
    from lake.local.run import run

    tmp = tmp_path_factory.mktemp("forget")
    config = scenario.config(ZONES, tmp / "insight_zones")
    home = tmp / "home"
    ctx = Context.local(home, config)
    for s in generate(tmp / "samples"):
        drop_file(ctx, s.path, s.zone, s.dataset)
    drops = scenario.files(tmp / "drops")
    outcomes = [drop_file(ctx, path, zone, dataset)[-1].outcome for zone, dataset, path in drops]
    assert outcomes == ["staged", "partial", "quarantined", "staged", "staged"]
    assert run(ctx).ok
    assert cli("docs", "--home", str(home), "--config", str(config))[0] == 0
    keys = [zone_key(home / "platform" / "keys", z) for z in ("finance", "customer_success", "executive", "hr")]
    hashes = {hmac_hex(k, s) for k in keys for s in scenario.SPELLINGS}
    needles = [scenario.DANA, scenario.DANA[:15]] + [h[:15] for h in hashes]  # Iceberg bounds keep 16 characters
    before, hits_before = tables(home), find(home, needles)
    code, out = cli("forget", "--subject", "person_email=Dana.Lee@Example.com", "--home", str(home),
                    "--config", str(config))
    return Forgotten(home, config, ctx, before, tables(home), hits_before, out, code, hashes)


def needles(f: Forgotten) -> list[str]:
    return [scenario.DANA, scenario.DANA[:15], *f.hashes, *(h[:15] for h in f.hashes)]


def test_forget_says_what_it_removed_where(forgotten: Forgotten) -> None:
    assert forgotten.code == 0
    lines = forgotten.out.splitlines()
    assert "deleted   finance_ods.expenses: 5 row(s), older snapshots expired" in lines
    assert "deleted   finance_ods.expenses__quarantine: 1 row(s), older snapshots expired" in lines
    assert "deleted   hr_ods.badges: 2 row(s), older snapshots expired" in lines
    assert "rebuilt   executive_analytics.spend_by_department, older snapshots expired" in lines
    assert any(ln.startswith("rewrote   s3://ingress/finance/expenses/expenses_2026-11-06.csv.gz: 4 row(s)")
               for ln in lines)
    assert any(ln.startswith("rewrote   s3://landing/_quarantine/") and ln.endswith(".rejected.csv: 2 row(s)")
               for ln in lines)
    assert scenario.DANA not in forgotten.out.lower()


def test_nothing_under_the_home_holds_her_address_or_its_hashes(forgotten: Forgotten) -> None:
    # The same search found her everywhere before, also inside gzip, Parquet pages and Avro manifests.
    assert {h.split(" (")[1].split(")")[0] for h in forgotten.hits_before} >= {
        "raw", "gzip>raw", "parquet values", "avro blocks"}
    assert decoded_kinds(forgotten.home) >= {"gzip>raw", "parquet values", "avro blocks"}
    assert find(forgotten.home, needles(forgotten)) == []
    assert not list((forgotten.home / "landing" / "_erasure").rglob("*.json"))  # the request is gone too


def test_no_snapshot_of_any_table_shows_her(forgotten: Forgotten) -> None:
    con = connect()
    for hint in sorted((forgotten.home / "warehouse").glob("*/*/metadata/version-hint.text")):
        location = hint.parent.parent
        table = f"{location.parent.name}.{location.name}"
        snaps = [r[0] for r in con.sql(f"SELECT snapshot_id FROM iceberg_snapshots('{location}')").fetchall()]
        for sid in snaps:
            rows = con.sql(f"SELECT * FROM iceberg_scan('{location}', snapshot_from_id = {sid})").to_arrow_table()
            assert not [r for r in rows.to_pylist() if hers(table, r, forgotten.hashes)], (table, sid)
        if any(hers(table, r, forgotten.hashes) for r in forgotten.before.get(table, [])):
            assert len(snaps) == 1, f"{table} kept older snapshots"
            for meta in (location / "metadata").glob("v*.metadata.json"):  # nor names one that is gone
                assert {s["snapshot-id"] for s in json.loads(meta.read_text())["snapshots"]} == set(snaps), meta


def test_everyone_else_is_unchanged(forgotten: Forgotten) -> None:
    before, after, hashes = forgotten.before, forgotten.after, forgotten.hashes
    assert set(after) == set(before)
    touched = 0
    for table in before:
        if "_analytics." in table:
            continue
        others = [r for r in before[table] if not hers(table, r, hashes)]
        assert not [r for r in after[table] if hers(table, r, hashes)], table
        assert without(after[table]) == without(others), table
        touched += len(others) != len(before[table])
    assert touched >= 7  # staging and ODS of expenses, applications, badges, and the quarantine table


def test_analytics_are_rebuilt_without_her(forgotten: Forgotten) -> None:
    before, after = forgotten.before, forgotten.after
    hers_ods = [r for r in before["finance_ods.expenses"] if hers("finance_ods.expenses", r, forgotten.hashes)]
    approved = [r for r in hers_ods if r["approved"]]
    total = lambda rows, col: sum(r[col] for r in rows)  # noqa: E731
    summary_b, summary_a = before["finance_analytics.expense_summary"], after["finance_analytics.expense_summary"]
    assert total(summary_a, "total_amount") == total(summary_b, "total_amount") - total(approved, "amount")
    assert total(summary_a, "expense_count") == total(summary_b, "expense_count") - len(approved)
    exec_a = after["executive_analytics.spend_by_department"]
    assert total(exec_a, "total_amount") == total(summary_a, "total_amount")
    anomalies = {r["expense_id"] for r in after["finance_analytics.expense_anomalies"]}
    assert anomalies == {r["expense_id"] for r in after["finance_ods.expenses"]}
    assert not anomalies & scenario.KEYS["expenses"]
    apps = [r for r in before["customer_success_ods.applications"]
            if r["application_id"] in scenario.KEYS["applications"]]
    open_hers = sum(r["stage"] in scenario.OPEN_STAGES for r in apps)
    pipe = "customer_success_analytics.account_pipeline"
    assert open_hers == 1 and (total(after[pipe], "open_applications")
                               == total(before[pipe], "open_applications") - open_hers)
    assert without(after[pipe], "_promoted_at", "open_applications") == without(before[pipe], "_promoted_at",
                                                                                 "open_applications")


def test_the_erasure_is_on_record_without_her_address(forgotten: Forgotten) -> None:
    ctx = forgotten.ctx
    rows = QueryEngine(ctx.cfg, ctx.home, "finance").arrow("SELECT * FROM platform.erasures").to_pylist()
    assert len(rows) == 1 and rows[0]["zone"] == "finance" and rows[0]["subject_kind"] == "person_email"
    row = rows[0]
    assert row["rows_removed"] > 10 and "finance_ods.expenses" in json.loads(row["tables"])
    assert any(f.startswith("s3://ingress/finance/expenses/") for f in json.loads(row["files"]))
    text = json.dumps(row, default=str).lower()
    assert scenario.DANA not in text and not any(h in text for h in forgotten.hashes)
    assert row["subject_hash"] != hashlib.sha256(scenario.DANA.encode()).hexdigest()
    assert len(row["subject_hash"]) == 64
    cs = QueryEngine(ctx.cfg, ctx.home, "customer_success").arrow("SELECT zone, tables FROM platform.erasures")
    assert [r["zone"] for r in cs.to_pylist()] == ["customer_success"]
    runs = [r for r in ctx.records.rows("runs") if r["task"] == "erase"]
    assert len(runs) == 1 and runs[0]["status"] == "succeeded" and runs[0]["rows_out"] == row["rows_removed"] + sum(
        r["rows_removed"] for r in ctx.records.rows("erasures") if r["zone"] != "finance")


def test_the_ledger_describes_the_objects_as_they_now_are(forgotten: Forgotten) -> None:
    from lake.backends.storage import sha256_file

    home, ctx = forgotten.home, forgotten.ctx
    erased = [r for r in ctx.ledger.records() if r.erased_by]
    assert {r.source_key.rsplit("/", 1)[-1] for r in erased} == {
        "expenses_2026-11-05.csv", "expenses_2026-11-06.csv.gz", "expenses_export_semicolon.csv",
        "applications_2026-11-05.jsonl", "badges.parquet"}
    for r in erased:
        ingress = home / "ingress" / r.source_key
        assert r.version == sha256_file(ingress) and r.size == ingress.stat().st_size
        assert r.sha256 == sha256_file(home / "landing" / str(r.landing_key))
        assert r.rows_read == r.rows_staged + r.rows_quarantined
        if r.staged_key:
            assert r.rows_staged == pq.read_metadata(home / "staging" / r.staged_key).num_rows
    partial = next(r for r in erased if r.outcome == "partial")
    assert (partial.rows_read, partial.rows_staged, partial.rows_quarantined) == (40, 40, 0)


def test_afterwards_ingest_run_and_forget_again_change_nothing(forgotten: Forgotten) -> None:
    args = ("--home", str(forgotten.home), "--config", str(forgotten.config))
    snapshots = {p: p.read_text() for p in (forgotten.home / "warehouse").glob("*/*/metadata/version-hint.text")}
    code, out = cli("ingest", *args)
    assert code == 0 and "0 new object(s) ingested" in out
    code, out = cli("run", *args)
    assert code == 0 and "nothing to promote" in out
    code, out = cli("forget", "--subject", f"person_email={scenario.DANA}", *args)
    assert code == 0 and ": 0 row(s) removed" in out and "deleted" not in out and "rewrote" not in out
    assert {p: p.read_text() for p in snapshots} == snapshots  # no new Iceberg commit anywhere
    assert tables(forgotten.home) == forgotten.after
    erasures = forgotten.ctx.records.rows("erasures", "finance")
    assert [r["rows_removed"] for r in erasures][1:] == [0]
    assert find(forgotten.home, needles(forgotten)) == []
