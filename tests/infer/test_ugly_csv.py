"""A database export as users send them: a BOM, `;`, CRLF, a quoted newline and delimiter, doubled
quotes, `NA` / `NULL` / `\\N` markers and integers written `+3`. `lake infer` drafts, `lake validate`
accepts the draft unchanged, and every row ingests with the values the file holds."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from lake.cli import main
from lake.infer import infer
from lake.local.ingest import drop_file
from lake.runtime.context import Context

UGLY = (b"\xef\xbb\xbfid;name;qty;price;note;day\r\n"
        b'1;"Ann";+3;1.50;"line one\r\nline two";2026-01-02\r\n'
        b'2;"Bob";NA;2.25;NULL;2026-01-03\r\n'
        b'3;"C;D";-4;\\N;"he said ""hi""";NA\r\n'
        b"4;NULL;+5;3.10;;2026-01-05\r\n")


def test_an_ugly_export_drafts_validates_and_ingests_every_row(tmp_path: Path, zones_copy: Path) -> None:
    path = tmp_path / "ugly.csv"
    path.write_bytes(UGLY)
    d = infer(path, "finance", "ugly")
    props = {p["name"]: p for p in d.doc["schema"][0]["properties"]}
    assert list(props) == ["id", "name", "qty", "price", "note", "day"]  # no BOM in the first name
    assert props["qty"]["physicalType"] == "bigint"  # "+3" is a number, as Athena reads it
    assert props["price"]["physicalType"].endswith(",2)") and props["day"]["physicalType"] == "date"
    (zones_copy / "finance" / "datasets" / "ugly.yaml").write_text(d.yaml("ugly.csv"))
    assert main(["validate", "--config", str(zones_copy)]) == 0
    ctx = Context.local(tmp_path / "home", zones_copy)
    [rec] = drop_file(ctx, path, "finance", "ugly")
    assert (rec.outcome, rec.rows_staged) == ("staged", 4), rec.reason
    staged = pq.read_table(next((ctx.home.staging / "finance" / "ugly").rglob("*.parquet"))).sort_by("id")
    assert staged.column("qty").to_pylist() == [3, None, -4, 5]
    assert staged.column("name").to_pylist() == ["Ann", "Bob", "C;D", None]
    assert staged.column("note").to_pylist() == ["line one\r\nline two", None, 'he said "hi"', None]
    assert [str(v) if v else None for v in staged.column("price").to_pylist()] == ["1.50", "2.25", None, "3.10"]
    assert [str(v) if v else None for v in staged.column("day").to_pylist()] == \
        ["2026-01-02", "2026-01-03", None, "2026-01-05"]
