"""Issue item 1: routing of ingress keys; unroutable objects quarantined, hidden ones ignored."""

from __future__ import annotations

import pytest

from lake.ingest.routing import parse_landing_key, route
from lake.local.ingest import sweep
from tests.ingest.conftest import FIXTURES


@pytest.mark.parametrize("key, reason", [
    ("nozone/expenses/a.csv", "unknown zone 'nozone'"),
    ("finance/nodataset/a.csv", "zone 'finance' has no dataset 'nodataset'"),
    ("finance/a.csv", "is not <zone>/<dataset>/<file>"),
    ("a.csv", "is not <zone>/<dataset>/<file>"),
    ("finance//a.csv", "empty or '..' path segment"),
])
def test_unroutable_keys(ctx, key, reason):
    r = route(ctx.cfg, key)
    assert r is not None and not r.routable and reason in r.reason


def test_subfolders_under_the_dataset_route_to_it(ctx):
    r = route(ctx.cfg, "finance/expenses/2024/03/export.csv")
    assert r.routable and (r.zone, r.dataset.name, r.filename) == ("finance", "expenses", "export.csv")


@pytest.mark.parametrize("key", ["finance/expenses/", "finance/expenses/.DS_Store", "finance/.hidden/a.csv",
                                 ".lake-tmp/a.csv"])
def test_hidden_files_and_folder_markers_are_ignored(ctx, key):
    assert route(ctx.cfg, key) is None


def test_landing_keys_parse_and_quarantine_keys_do_not():
    ref = parse_landing_key("finance/expenses/ingest_date=2024-03-01/ID-1/a.csv")
    assert (ref.zone, ref.dataset, ref.ingest_date, ref.ingest_id, ref.filename) == \
        ("finance", "expenses", "2024-03-01", "ID-1", "a.csv")
    assert parse_landing_key("_quarantine/finance/expenses/ingest_date=2024-03-01/ID-1/a.csv") is None
    assert parse_landing_key("finance/expenses/a.csv") is None


def test_unroutable_objects_are_quarantined_with_a_report_and_alert(ctx):
    data = (FIXTURES / "expenses_good.csv").read_bytes()
    for key in ("marketing/leads/a.csv", "finance/a.csv", "finance/expenses/sub/ok.csv"):
        path = ctx.home.ingress / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    (ctx.home.ingress / "finance" / "expenses" / ".~lock.a.csv#").write_bytes(b"lock")
    recs = {r.source_key: r for r in sweep(ctx)}
    assert set(recs) == {"marketing/leads/a.csv", "finance/a.csv", "finance/expenses/sub/ok.csv"}
    assert recs["finance/expenses/sub/ok.csv"].outcome == "staged"
    for key in ("marketing/leads/a.csv", "finance/a.csv"):
        rec = recs[key]
        assert rec.outcome == "quarantined" and rec.reason.startswith("unroutable: ")
        assert rec.quarantine_key.startswith("_quarantine/_unroutable/ingest_date=")
        assert (ctx.home.landing / rec.quarantine_key).read_bytes() == data
        assert (ctx.home.landing / (rec.quarantine_key + ".report.json")).exists()
    subjects = [a.subject for a in ctx.alerts.read()]
    assert any("marketing/leads/a.csv" in s for s in subjects) and any("finance/a.csv" in s for s in subjects)
