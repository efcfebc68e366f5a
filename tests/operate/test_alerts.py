"""Alerts reach the owning zone and everyone downstream, once per table and cause, then one recovery."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import yaml

from lake.backends.alerts import audience, downstream
from lake.local.ingest import drop_file
from lake.runtime.context import Context
from lake.runtime.runlog import runs
from lake.tasks.ingest import acknowledge_task
from tests.glue_jobs.conftest import Lake, expense
from tests.glue_jobs.test_quality import set_action
from tests.ingest.conftest import FIXTURES, HEADER

BAD = HEADER + "\n" + "x,not-an-email,CC-1,travel,abc,USD,13/45/2026,nope,maybe,\n" * 3


def by_zone(ctx: Context) -> dict[str, list]:
    out: dict[str, list] = {}
    for a in ctx.alerts.read():
        out.setdefault(a.zone, []).append(a)
    return out


def test_downstream_and_audience_cross_zones(ctx: Context) -> None:
    below = downstream(ctx.cfg, "finance_ods.expenses")
    assert {"finance_analytics.expense_summary", "executive_analytics.spend_by_department"} <= set(below)
    who = audience(ctx.cfg, "finance", "finance_ods.expenses")
    assert who["finance"] == "owner" and "executive" in who and "customer_success" not in who


def test_quarantined_file_alerts_once_per_zone_until_recovery(ctx: Context, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    [rec] = drop_file(ctx, bad, "finance", "expenses")
    alerts = by_zone(ctx)
    assert {z: len(a) for z, a in alerts.items()} == {"finance": 1, "executive": 1}
    owner, sub = alerts["finance"][0], alerts["executive"][0]
    assert "omar.haddad@example.com" in owner.recipients and sub.recipients == ["grace.kim@example.com"]
    assert owner.context["ingest_id"] == rec.ingest_id and owner.context["table"] == "finance_ods.expenses"
    assert sub.subject.startswith("upstream of you:") and sub.context["upstream_zone"] == "finance"
    assert "report.json" in owner.detail  # what to look at next
    bad2 = tmp_path / "bad2.csv"
    bad2.write_text(BAD.replace("x,", "z,"))
    [rec2] = drop_file(ctx, bad2, "finance", "expenses")
    assert len(ctx.alerts.read()) == 2  # the same cause again: no flood
    drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    assert not [a for a in ctx.alerts.read() if a.context.get("recovery")]  # both files still quarantined
    for r in (rec, rec2):  # resolved by a steward (or a successful `lake replay`): now it is over
        acknowledge_task(ctx, r.ingest_id, "test: sent again corrected")
    recovered = [a for a in ctx.alerts.read() if a.context.get("recovery")]
    assert sorted(a.zone for a in recovered) == ["executive", "finance"]
    assert [r["status"] for r in runs(ctx) if r["task"] == "validator"] == ["failed", "failed", "succeeded"]
    bad3 = tmp_path / "bad3.csv"
    bad3.write_text(BAD.replace("x,", "y,"))
    drop_file(ctx, bad3, "finance", "expenses")  # failing again after recovery: alerted again
    assert len(ctx.alerts.read()) == 6


class _Hook(BaseHTTPRequestHandler):
    posts: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Hook.posts.append({"path": self.path, "type": self.headers["Content-Type"], "json": json.loads(body)})
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def webhook():  # noqa: ANN201
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.posts = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_zone_webhook_gets_slack_compatible_json(zones_copy: Path, tmp_path: Path, webhook: str) -> None:
    path = zones_copy / "finance/zone.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["alerts"] = {"webhook": webhook + "/hooks/finance"}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    ctx = Context.local(tmp_path / "home", zones_copy)
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    drop_file(ctx, bad, "finance", "expenses")
    [post] = _Hook.posts  # executive has no webhook: its alert stays in the log and topic
    assert post["path"] == "/hooks/finance" and post["type"] == "application/json"
    msg = post["json"]
    assert "bad.csv quarantined" in msg["text"] and "ingest_id" in msg["text"]
    assert msg["blocks"][0]["type"] == "section" and msg["blocks"][0]["text"]["type"] == "mrkdwn"


@pytest.mark.spark
def test_halted_quality_gate_alerts_owner_and_subscribers_once(lake: Lake, zones_copy: Path) -> None:
    set_action(zones_copy, "category_accepted", "halt")
    lake.reload()
    lake.drop("finance", "expenses", [expense(1), expense(2, category="golf")])
    report = lake.run()
    lake.run()  # still halted: no second alert
    halted = [a for a in lake.ctx.alerts.read() if "halted" in a.subject]
    assert sorted(a.zone for a in halted) == ["executive", "finance"]
    assert all(a.context["run_id"] == report.run_id and a.context["cause"] == "halted" for a in halted)
    assert halted[0].context["rules"] == ["category_accepted"]
    [task] = [r for r in runs(lake.ctx) if r["parent_run_id"] == report.run_id and r["task"] == "to_ods"
              and r["table_name"] == "finance_ods.expenses"]
    assert task["status"] == "halted" and "category_accepted" in task["error"]


@pytest.mark.spark
def test_broken_projection_alerts_once_with_sql_file(lake: Lake, zones_copy: Path) -> None:
    lake.drop("finance", "expenses", [expense(1)])
    assert lake.run().ok
    sql = zones_copy / "finance/projections/expense_summary.sql"
    good = sql.read_text()
    sql.write_text(good.replace("SUM(e.amount)", "amountt(e.amount)"))  # validate passes; Spark cannot resolve it
    lake.reload()
    lake.drop("finance", "expenses", [expense(2)])
    report = lake.run()
    broken = [a for a in lake.ctx.alerts.read() if "expense_summary" in a.subject]
    assert sorted(a.zone for a in broken) == ["executive", "finance"]
    assert broken[0].context["sql_file"].endswith("expense_summary.sql") and "AMOUNTT" in broken[0].subject
    assert "spend_by_department" in broken[0].detail  # the dependants it held back
    failed = next(r for r in runs(lake.ctx) if r["parent_run_id"] == report.run_id
                  and r["table_name"] == "finance_analytics.expense_summary")
    assert failed["status"] == "failed" and "AMOUNTT" in failed["error"]
    sql.write_text(good)
    lake.reload()
    lake.drop("finance", "expenses", [expense(3)])
    lake.run()
    assert sorted(a.zone for a in lake.ctx.alerts.read() if a.context.get("recovery")) == ["executive", "finance"]
