"""Issue items 5 and 6: row-level quarantine and coercion."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lake.local.ingest import drop_file
from tests.ingest.conftest import FIXTURES, report, staged

UGLY = FIXTURES / "ugly"


def test_one_bad_row_is_quarantined_and_the_rest_staged(ctx):
    [rec] = drop_file(ctx, UGLY / "one_bad_date.csv", "finance", "expenses")
    assert (rec.outcome, rec.rows_read, rec.rows_staged, rec.rows_quarantined) == ("partial", 30, 29, 1)
    t = staged(ctx, rec)
    assert 15 not in t.column("expense_id").to_pylist() and t.column("_row_number").to_pylist()[14] == 16
    rep = report(ctx, rec)
    assert rep["outcome"] == "partial" and rep["staged"] == rec.staged_key
    assert rep["errors"] == [{"row": 15, "column": "expense_date", "value": "02/30/2024",
                              "message": "not a valid calendar date"}]
    rejected = list(csv.DictReader(io.StringIO((ctx.home.landing / rec.quarantine_key).read_text())))
    assert rejected[0]["_row_number"] == "15" and rejected[0]["expense_date"] == "02/30/2024"
    assert rejected[0]["_errors"] == "expense_date: not a valid calendar date"
    assert ctx.alerts.read()[0].severity == "warning"


@pytest.fixture
def lab(tmp_path):
    from lake.runtime.context import Context

    return Context.local(tmp_path / "home", FIXTURES / "insight_zones")


def test_each_kind_of_bad_value_is_named(lab):
    [rec] = drop_file(lab, UGLY / "readings_wrong_types.csv", "lab", "lenient")
    assert (rec.outcome, rec.rows_read, rec.rows_staged, rec.rows_quarantined) == ("partial", 18, 10, 8)
    got = {(e["row"], e["column"], e["value"], e["message"]) for e in report(lab, rec)["errors"]}
    assert got == {
        (11, "sensor_id", "x1", "not an integer"),
        (12, "sensor_id", None, "required value is missing"),
        (13, "read_at", "2024-03-01 25:00", "not an ISO-8601 timestamp (e.g. 2024-03-01T09:30:00+01:00)"),
        (14, "value", "1.2345", "more than 3 decimal places for decimal(6,3)"),
        (15, "value", "1000", "too many digits for decimal(6,3)"),
        (16, "level", "300", "out of range for tinyint (-128..127)"),
        (17, "ok", "maybe", "not a boolean (true/false/yes/no/1/0)"),
        (18, "sensor_id", "99999999999", "out of range for int (-2147483648..2147483647)"),
    }


def test_values_are_coerced_exactly(ctx):
    [rec] = drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    rows = staged(ctx, rec).to_pylist()
    assert [r["approved"] for r in rows] == [True, True, False, False, True]  # yes, TRUE, no, 0, 1
    assert [r["amount"] for r in rows] == [Decimal(x) for x in ("1234.50", "45.00", "99.99", "310.20", "0.10")]
    assert rows[2]["expense_date"] == date(2024, 3, 3)  # 3/3/2024 under MM/dd/yyyy
    assert rows[2]["submitted_at"] == datetime(2024, 3, 3, 13, 0, tzinfo=UTC)  # -05:00 -> UTC
    assert rows[4]["submitted_at"] == datetime(2024, 3, 5, 23, 59, 59, 123456, tzinfo=UTC)
    assert rows[2]["description"] is None and rows[4]["description"] == 'Said "thanks"'


def test_timestamps_without_offset_are_read_in_the_contract_time_zone(lab):
    [rec] = drop_file(lab, UGLY / "readings_paris.tsv", "lab", "paris")
    rows = staged(lab, rec).to_pylist()
    assert rows[0]["read_at"] == datetime(2024, 7, 1, 10, 0, tzinfo=UTC)  # CEST, UTC+2
    assert rows[1]["read_at"] == datetime(2024, 1, 15, 11, 0, tzinfo=UTC)  # CET, UTC+1
    assert rows[0]["city"] == "Paris, 8e"  # single-quoted per the contract


def test_bom_is_stripped_and_strings_are_untouched(ctx):
    [rec] = drop_file(ctx, UGLY / "bom.csv", "finance", "expenses")
    t = staged(ctx, rec)
    assert rec.outcome == "staged" and t.column("expense_id").to_pylist() == [1, 2]
    assert t.column("description").to_pylist() == ["claim 1", "claim 2"]


def test_header_only_file_is_staged_with_zero_rows(ctx):
    [rec] = drop_file(ctx, FIXTURES / "expenses_header_only.csv", "finance", "expenses")
    assert (rec.outcome, rec.rows_read, rec.rows_staged) == ("staged", 0, 0)
    assert staged(ctx, rec).num_rows == 0
    assert ctx.ledger.pending_promotion("finance", "expenses") == []  # nothing for to_ods to do


def test_a_row_with_the_wrong_number_of_fields_is_quarantined_and_numbering_holds(ctx):
    [rec] = drop_file(ctx, UGLY / "ragged.csv", "finance", "expenses")
    assert (rec.outcome, rec.rows_read, rec.rows_staged, rec.rows_quarantined) == ("partial", 41, 40, 1)
    [err] = report(ctx, rec)["errors"]
    assert err["row"] == 21 and err["message"] == "expected 10 fields, found 11"
    t = staged(ctx, rec)
    numbers = dict(zip(t.column("expense_id").to_pylist(), t.column("_row_number").to_pylist(), strict=True))
    assert numbers[20] == 20 and numbers[22] == 22 and numbers[41] == 41


def test_the_report_keeps_100_samples_and_counts_them_all(lab, tmp_path):
    rows = [f"{i},Oslo,2024-03-01T10:00:00Z,{'x' if i % 3 == 0 else '1.5'},1,yes" for i in range(1, 301)]
    path = tmp_path / "many.csv"
    path.write_text("sensor_id,city,read_at,value,level,ok\n" + "\n".join(rows) + "\n")
    [rec] = drop_file(lab, path, "lab", "lenient")
    rep = report(lab, rec)
    assert (rec.outcome, rec.rows_quarantined) == ("partial", 100)
    assert len(rep["errors"]) == 100 and not rep["errors_truncated"]
    worse = [r.replace(",yes", ",maybe") if i % 3 == 0 else r for i, r in enumerate(rows, 1)]
    path.write_text("sensor_id,city,read_at,value,level,ok\n" + "\n".join(worse) + "\n")
    [rec] = drop_file(lab, path, "lab", "lenient")
    rep = report(lab, rec)
    assert len(rep["errors"]) == 100 and rep["errors_truncated"]
    assert sorted((e["column"], e["count"]) for e in rep["errors_by_column"]) == [("ok", 100), ("value", 100)]
    assert [e["row"] for e in rep["errors"][:4]] == [3, 3, 6, 6]
    assert set(rep) >= {"zone", "dataset", "ingest_id", "outcome", "reason", "rows_read", "rows_staged",
                        "rows_quarantined", "errors", "source", "warnings"}
