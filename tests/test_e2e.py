"""The skeleton path end to end on the sample data, checked through `lake query`.

Expected numbers are computed here, independently, from the sample files themselves.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import pytest

from lake.cli import main
from lake.demo.samples import generate
from lake.query import QueryEngine
from lake.runtime.context import Context
from tests.conftest import ZONES

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory, spark) -> tuple[Context, list]:  # noqa: ANN001
    from lake.local.ingest import drop_file
    from lake.local.run import run

    home = tmp_path_factory.mktemp("lake")
    ctx = Context.local(home, ZONES)
    samples = generate(home / "samples")
    outcomes = [(s, drop_file(ctx, s.path, s.zone, s.dataset)[-1]) for s in samples]
    report = run(ctx)
    assert report.ok, report.builds
    return ctx, outcomes


def q(ctx: Context, zone: str | None, sql: str, principal: str | None = None) -> list[dict]:
    return QueryEngine(ctx.cfg, ctx.home, zone, principal=principal).arrow(sql).to_pylist()


def expected_expenses(samples: list) -> dict[int, dict]:
    """Latest good row per expense_id, by submitted_at, straight from the CSV files."""
    latest: dict[int, dict] = {}
    for s in samples:
        if s.dataset != "expenses" or s.expect == "quarantined":
            continue
        with s.path.open(newline="") as f:
            for row in csv.DictReader(f):
                try:
                    datetime.strptime(row["expense_date"], "%m/%d/%Y")
                    Decimal(row["amount"])
                except Exception:  # noqa: BLE001 - the rows the validator must reject
                    continue
                ts = datetime.fromisoformat(row["submitted_at"])
                key = int(row["expense_id"])
                if key not in latest or ts >= latest[key]["ts"]:
                    latest[key] = {**row, "ts": ts}
    return latest


def test_every_sample_ends_as_expected(lake) -> None:  # noqa: ANN001
    _, outcomes = lake
    assert [(s.path.name, r.outcome) for s, r in outcomes] == [(s.path.name, s.expect) for s, _ in outcomes]
    quarantined = [r for s, r in outcomes if s.expect == "quarantined"]
    assert quarantined and all(r.reason for r in quarantined)


def test_ods_has_one_typed_row_per_key_latest_wins(lake) -> None:  # noqa: ANN001
    ctx, outcomes = lake
    want = expected_expenses([s for s, _ in outcomes])
    rows = q(ctx, "finance", "SELECT expense_id, amount, submitted_at, approved, expense_date "
                             "FROM finance_ods.expenses ORDER BY expense_id")
    assert [r["expense_id"] for r in rows] == sorted(want)
    for r in rows:
        src = want[r["expense_id"]]
        assert r["amount"] == Decimal(src["amount"])
        assert r["submitted_at"] == src["ts"]  # tz-aware, compared as instants
        assert r["expense_date"] == datetime.strptime(src["expense_date"], "%m/%d/%Y").date()
        assert r["approved"] is (src["approved"].lower() in ("true", "yes", "1"))


def test_pii_is_hashed_in_ods(lake) -> None:  # noqa: ANN001
    ctx, _ = lake
    emails = [r["employee_email"] for r in q(ctx, None, "SELECT employee_email FROM finance_ods.expenses",
                                             principal="finance_auditor")]  # only PII readers see it
    assert emails and all(len(e) == 64 and "@" not in e for e in emails)


def test_published_projection_answers_for_executive(lake) -> None:  # noqa: ANN001
    ctx, outcomes = lake
    want = expected_expenses([s for s, _ in outcomes])
    dept = {"CC-100": "Engineering", "CC-110": "Engineering", "CC-200": "Sales", "CC-210": "Sales",
            "CC-300": "People", "CC-400": "Finance"}
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in want.values():
        if row["approved"].lower() in ("true", "yes", "1"):
            totals[(dept[row["cost_center_id"]], row["currency"])] += Decimal(row["amount"])
    got = q(ctx, "executive", "SELECT department, currency, total_amount FROM executive_analytics.spend_by_department")
    assert {(r["department"], r["currency"]): r["total_amount"] for r in got} == dict(totals)


def test_cdc_applications_reflect_source_state(lake) -> None:  # noqa: ANN001
    ctx, outcomes = lake
    state: dict[int, dict] = {}
    path = next(s.path for s, _ in outcomes if s.dataset == "applications")
    for change in sorted(map(json.loads, path.read_text().splitlines()), key=lambda c: c["lsn"]):
        row = change["after"] or change["before"]
        if change["op"] == "d":
            state.pop(row["application_id"], None)
        else:
            state[row["application_id"]] = row
    got = q(ctx, "customer_success", "SELECT application_id, stage FROM customer_success_ods.applications")
    assert {r["application_id"]: r["stage"] for r in got} == {k: v["stage"] for k, v in state.items()}


def test_rerun_changes_nothing(lake, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    ctx, _ = lake
    before = q(ctx, "finance", "SELECT COUNT(*) AS n, SUM(amount) AS s FROM finance_ods.expenses")
    assert main(["run", "--home", str(ctx.home.root), "--config", str(ZONES)]) == 0
    assert "nothing to promote" in capsys.readouterr().out
    assert q(ctx, "finance", "SELECT COUNT(*) AS n, SUM(amount) AS s FROM finance_ods.expenses") == before


def test_query_cli_formats_and_denial(lake, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    ctx, _ = lake
    args = ["query", "--home", str(ctx.home.root), "--config", str(ZONES)]
    assert main(args + ["--zone", "finance", "--format", "csv",
                        "SELECT cost_center_id, department FROM finance_ods.cost_centers ORDER BY 1 LIMIT 2"]) == 0
    assert capsys.readouterr().out.splitlines() == ["cost_center_id,department", "CC-100,Engineering",
                                                    "CC-110,Engineering"]
    assert main(args + ["--zone", "executive", "SELECT * FROM finance_ods.expenses"]) == 1
    assert "access denied: zone executive cannot read finance_ods.expenses" in capsys.readouterr().err


# The fields of the one health model (lake/health.py) every surface shows; age_hours moves with the clock.
HEALTH_FIELDS = ("health", "rows", "snapshot_id", "last_update", "last_load", "freshness", "freshness_sla_hours",
                 "pending_rows", "open_quarantines", "open_alerts", "failed_rules", "last_run", "owner")


def test_status_describe_and_docs_show_one_state(lake, tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    ctx, outcomes = lake
    home = ["--home", str(ctx.home.root), "--config", str(ZONES)]
    assert main(["status", "--json"] + home) == 0
    status = {t["table"]: t for t in json.loads(capsys.readouterr().out)["tables"]}
    assert main(["docs", "--out", str(tmp_path)] + home) == 0
    capsys.readouterr()
    page = (tmp_path / "index.html").read_text()
    embedded = json.loads(page.split("const CATALOG = ", 1)[1].split(";\nconst esc", 1)[0].replace("<\\/", "</"))
    site = json.loads((tmp_path / "catalog.json").read_text())["tables"]
    assert embedded["tables"] == site
    assert len(status) >= 9 and any(s["open_quarantines"] for s in status.values())
    for table, s in status.items():
        assert main(["describe", table, "--json"] + home) == 0
        d = json.loads(capsys.readouterr().out)
        assert {k: d[k] for k in HEALTH_FIELDS} == {k: s[k] for k in HEALTH_FIELDS} == \
            {k: site[table][k] for k in HEALTH_FIELDS}, table
        assert d["health"] != "never loaded" and d["rows"] is not None, table
    # rows: what the table holds now. The demo's later expense files update earlier claims (upserts), so
    # the staged rows add up to more than ODS holds.
    ods = status["finance_ods.expenses"]
    staged = sum(r.rows_staged for r in ctx.ledger.records("finance") if r.dataset == "expenses")
    n = q(ctx, "finance", "SELECT COUNT(*) AS n FROM finance_ods.expenses")[0]["n"]
    assert ods["rows"] == n == len(expected_expenses([s for s, _ in outcomes])) < staged
    assert ods["pending_rows"] == 0 and ods["snapshot_id"]
    summary = q(ctx, "finance", "SELECT COUNT(*) AS n FROM finance_analytics.expense_summary")[0]["n"]
    assert status["finance_analytics.expense_summary"]["rows"] == summary
    assert main(["describe", "finance_ods.expenses"] + home) == 0
    assert f"rows: {n}   snapshot: {ods['snapshot_id']}" in capsys.readouterr().out


def test_every_openlineage_event_of_the_demo_conforms_to_the_spec(lake) -> None:  # noqa: ANN001
    from tests.lineage.schema import problems

    ctx, _ = lake
    events = [json.loads(line) for line in (ctx.home.platform / "openlineage.jsonl").read_text().splitlines()]
    assert len(events) > 20
    assert {e["job"]["name"]: problems(e) for e in events if problems(e)} == {}
    built = [e for e in events if e["eventType"] == "COMPLETE" and e["job"]["name"].startswith("projection.")]
    lineage = {e["job"]["name"]: e["outputs"][0]["facets"].get("columnLineage") for e in built}
    summary = lineage["projection.finance_analytics.expense_summary"]["fields"]
    assert [(f["name"], f["field"]) for f in summary["department"]["inputFields"]] == [
        ("table/finance_ods/cost_centers", "department")]
    assert lineage["projection.finance_analytics.expense_anomalies"] is None  # Python: not traced, not guessed
