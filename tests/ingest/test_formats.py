"""Issue items 7 and 8: column matching, CSV options, JSON lines, Parquet, gzip, encodings."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from lake.local.ingest import drop_file
from tests.ingest.conftest import FIXTURES, report, staged

UGLY = FIXTURES / "ugly"


@pytest.fixture
def lab(tmp_path):
    from lake.runtime.context import Context

    return Context.local(tmp_path / "home", FIXTURES / "insight_zones")


def test_header_case_spaces_and_order_do_not_matter_and_extras_are_dropped(ctx):
    [rec] = drop_file(ctx, UGLY / "reordered_extra.csv", "finance", "expenses")
    assert rec.outcome == "staged" and rec.warnings == ["extra columns dropped: exported_by"]
    t = staged(ctx, rec)
    assert t.schema.names[:10] == [c.name for c in ctx.cfg.dataset("finance", "expenses").columns]
    assert "exported_by" not in t.schema.names
    row = t.to_pylist()[0]
    got = (row["expense_id"], row["amount"], row["approved"], row["description"])
    assert got == (7, Decimal("5.00"), False, "note")


def test_extra_columns_can_be_refused_by_the_contract(lab, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("sensor_id,city,read_at,value,level,ok,surprise\n1,Oslo,,1.5,1,yes,!\n")
    [rec] = drop_file(lab, path, "lab", "strict")
    assert rec.outcome == "quarantined"
    assert rec.reason == "unexpected column(s): surprise (contract: extraColumns reject)"


def test_missing_optional_column_is_staged_as_null_and_recorded_as_absent(ctx):
    [rec] = drop_file(ctx, UGLY / "missing_optional.csv", "finance", "expenses")
    assert rec.outcome == "staged" and rec.warnings == [
        "optional column(s) absent from the file: description; ODS keeps their current values on update"]
    assert staged(ctx, rec).column("description").to_pylist() == [None, None]
    assert "description" not in rec.columns and "amount" in rec.columns  # the promotion updates only these


def test_quoted_fields_with_newlines_delimiters_and_quotes(ctx):
    [rec] = drop_file(ctx, UGLY / "quoted_newlines.csv", "finance", "expenses")
    t = staged(ctx, rec)
    assert rec.outcome == "staged" and t.column("expense_id").to_pylist() == [1, 2, 3]
    assert t.column("description").to_pylist()[1] == 'line one\nline two, with a comma\n"quoted"'
    assert t.column("_row_number").to_pylist() == [1, 2, 3]


def test_duplicate_keys_within_a_file_are_all_staged(ctx):
    # Latest-wins by key is to_ods's job (it orders by the contract's ordering column); staging keeps every row.
    [rec] = drop_file(ctx, UGLY / "duplicate_keys.csv", "finance", "expenses")
    assert rec.outcome == "staged" and staged(ctx, rec).column("expense_id").to_pylist() == [1, 2, 1]


def test_gzip_csv(ctx):
    [rec] = drop_file(ctx, UGLY / "gzipped.csv.gz", "finance", "expenses")
    assert (rec.outcome, rec.rows_staged) == ("staged", 4)
    assert (ctx.home.landing / rec.landing_key).read_bytes() == (UGLY / "gzipped.csv.gz").read_bytes()


def test_latin1_semicolon_csv(lab):
    [rec] = drop_file(lab, UGLY / "readings_latin1.csv", "lab", "latin")
    assert rec.outcome == "staged" and staged(lab, rec).column("city").to_pylist() == ["Zürich"]


def test_headerless_csv_with_escapes(lab):
    [rec] = drop_file(lab, UGLY / "readings_noheader.csv", "lab", "noheader")
    assert rec.outcome == "staged" and staged(lab, rec).column("city").to_pylist() == ['Say "hi", Oslo']


def test_gzip_jsonl_with_bad_lines_nested_values_and_extra_keys(lab):
    [rec] = drop_file(lab, UGLY / "readings.jsonl.gz", "lab", "feed")
    assert (rec.outcome, rec.rows_read, rec.rows_staged, rec.rows_quarantined) == ("partial", 41, 39, 2)
    assert rec.warnings == ["extra columns dropped: firmware"]
    errors = report(lab, rec)["errors"]
    assert [(e["row"], e["message"]) for e in errors] == [
        (2, "not valid JSON at line 2, column 2: Expecting property name enclosed in double quotes"),
        (3, "expected a single value, got an object")]
    t = staged(lab, rec)
    first = t.to_pylist()[0]
    assert first["city"] == "Oslo" and first["value"] == Decimal("1.125") and first["ok"] is True  # "City" matched
    assert t.column("value").to_pylist()[1] == Decimal("2.000")  # a JSON integer into decimal(6,3)


def test_parquet_is_cast_to_the_contract_types(lab):
    [rec] = drop_file(lab, UGLY / "readings.parquet", "lab", "columnar")
    t = staged(lab, rec)
    assert rec.outcome == "staged" and t.schema.field("sensor_id").type == pa.int32()
    assert t.column("value").to_pylist() == [Decimal("1.5"), Decimal("2.25"), Decimal("3")]
    assert t.column("read_at").to_pylist()[1] == datetime(1970, 1, 1, 1, 0, tzinfo=UTC)  # naive -> contract zone
    assert t.column("level").type == pa.int8()


def test_parquet_values_that_do_not_fit_are_bad_rows(lab):
    [rec] = drop_file(lab, UGLY / "readings_overflow.parquet", "lab", "columnar")
    assert rec.outcome == "quarantined"  # 1 of 3 rows is above the 5% allowed
    assert report(lab, rec)["errors"] == [{"row": 3, "column": "level", "value": "300",
                                           "message": "out of range for tinyint (-128..127)"}]


def test_gzip_parquet(lab):
    [rec] = drop_file(lab, UGLY / "readings.parquet.gz", "lab", "columnar")
    assert (rec.outcome, rec.rows_staged) == ("staged", 3)


def test_cdc_envelopes_are_checked_and_deletes_need_only_the_key(ctx):
    [rec] = drop_file(ctx, UGLY / "applications_bad_ops.jsonl", "customer_success", "applications")
    assert (rec.outcome, rec.rows_read, rec.rows_staged, rec.rows_quarantined) == ("partial", 41, 39, 2)
    assert [(e["row"], e["column"], e["message"]) for e in report(ctx, rec)["errors"]] == [
        (39, "_op", "op must be one of c, u, d, r"), (40, "_lsn", "required value is missing")]
    last = staged(ctx, rec).to_pylist()[-1]
    assert (last["_op"], last["_lsn"], last["application_id"], last["stage"]) == ("d", 41, 7, None)


def test_windows_line_endings_with_a_bom(ctx):
    [rec] = drop_file(ctx, UGLY / "crlf_bom.csv", "finance", "expenses")
    t = staged(ctx, rec)
    assert rec.outcome == "staged" and t.column("expense_id").to_pylist() == [1, 2]
    assert t.column("description").to_pylist() == ["two\r\nlines", "x"]  # inside quotes: untouched
