"""Issue item 4: whole-file quarantine, each with a reason a producer can act on."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lake.local.ingest import drop_file
from tests.ingest.conftest import FIXTURES, report

UGLY = FIXTURES / "ugly"


@pytest.mark.parametrize("name, reason", [
    ("../expenses_empty.csv", "empty file (0 bytes)"),
    ("semicolon.csv", "the file looks semicolon-delimited, but the contract says ','"),
    ("actually_json.csv", "required column(s) missing from the header"),
    ("binary.csv", "binary content (NUL bytes), not utf-8 text"),
    ("bad_utf8.csv", "bytes not valid utf-8 at line 4"),
    ("missing_required.csv", "required column(s) missing from the header: amount"),
    ("duplicate_header.csv", "column 'Amount' appears twice in the header"),
    ("many_bad.csv", "5 of 10 rows are bad (50.0%), above the contract's maximum of 5.0%"),
])
def test_bad_files_are_quarantined_whole(ctx, name, reason):
    src = UGLY / name
    [rec] = drop_file(ctx, src, "finance", "expenses")
    assert rec.outcome == "quarantined", rec
    assert reason in rec.reason
    assert (ctx.home.landing / rec.quarantine_key).read_bytes() == src.read_bytes()
    assert rec.quarantine_key.startswith(f"_quarantine/finance/expenses/ingest_date={rec.arrived_at[:10]}/")
    rep = report(ctx, rec)
    assert rep["outcome"] == "quarantined" and reason in rep["reason"] and rep["zone"] == "finance"
    assert rec.staged_key is None and not list(ctx.home.staging.rglob("*.parquet"))
    [alert] = [a for a in ctx.alerts.read() if a.zone == "finance"]  # executive hears too, as a subscriber
    assert alert.severity == "error" and rec.source_key in alert.subject


def test_parquet_dropped_into_a_csv_dataset(ctx, tmp_path):
    path = tmp_path / "expenses.parquet"
    pq.write_table(pa.table({"expense_id": [1]}), path)
    [rec] = drop_file(ctx, path, "finance", "expenses")
    assert rec.outcome == "quarantined" and "the file is Parquet, but the contract's format is csv" in rec.reason


def test_too_many_bad_rows_report_names_rows_columns_and_reasons(ctx):
    [rec] = drop_file(ctx, UGLY / "many_bad.csv", "finance", "expenses")
    rep = report(ctx, rec)
    assert (rep["rows_read"], rep["rows_staged"], rep["rows_quarantined"]) == (10, 0, 10)
    assert rep["errors"][0] == {"row": 6, "column": "amount", "value": "6.2.5", "message": "not a decimal number"}
    assert rep["errors_by_column"] == [{"column": "amount", "message": "not a decimal number", "count": 5}]
    assert (ctx.home.landing / rep["rejected_rows"]).read_text().splitlines()[0].startswith('"_row_number","_errors"')


def test_reject_file_policy_refuses_any_bad_row(tmp_path):
    from lake.runtime.context import Context

    ctx = Context.local(tmp_path / "home", FIXTURES / "insight_zones")
    path = tmp_path / "r.csv"
    path.write_text("sensor_id,city,read_at,value,level,ok\n1,Oslo,,1.5,1,yes\n" +
                    "".join(f"{i},Oslo,,1.5,1,yes\n" for i in range(2, 100)) + "100,Oslo,,1.5,1,perhaps\n")
    [rec] = drop_file(ctx, path, "lab", "strict")
    assert rec.outcome == "quarantined" and "the contract rejects files with any bad row" in rec.reason
    assert report(ctx, rec)["errors"][0]["row"] == 100
