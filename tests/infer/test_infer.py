"""lake infer: the draft says what the sample shows, lake validate accepts it unchanged, and the file
it was drafted from then ingests with every row staged, typed as drafted."""

from __future__ import annotations

import codecs
import gzip
import tracemalloc
from pathlib import Path

import pytest
import yaml

from lake.cli import main
from lake.config import load_config
from lake.infer import infer
from lake.infer.keys import candidate_keys
from lake.infer.pii import likely_pii
from lake.infer.types import infer_type
from lake.local.ingest import drop_file
from lake.runtime.context import Context

INVOICES = (
    "invoice_id;customer_email;customer_phone;issued_on;amount;currency;paid;paid_at;iban;country;note\n"
    '1001;ana@example.com;+44 20 7946 0018;03/31/2026;120.50;EUR;yes;2026-04-02T10:00:00Z;'
    'GB82 WEST 1234 5698 7654 32;NA;"late; reminded"\n'
    "1002;ben@example.org;+44 20 7946 0019;04/01/2026;80;EUR;no;NA;DE89370400440532013000;DE;NA\n"
    "1003;cy@example.net;(020) 7946-0020;04/02/2026;15.25;GBP;YES;2026-04-05 09:30;"
    "FR1420041010050500013M02606;FR;\n"
)


def _props(doc: dict) -> dict[str, dict]:
    return {p["name"]: p for p in doc["schema"][0]["properties"]}


def _custom(doc: dict) -> dict:
    return {c["property"]: c["value"] for c in doc["customProperties"]}


@pytest.fixture
def invoices(tmp_path: Path) -> Path:
    path = tmp_path / "invoices.csv"
    path.write_text(INVOICES)
    return path


def test_draft_reads_dialect_types_nulls_keys_and_pii(invoices: Path) -> None:
    d = infer(invoices, "finance", "invoices")
    props, custom = _props(d.doc), _custom(d.doc)
    assert custom["format"] == "csv" and custom["encoding"] == "utf-8"
    assert custom["csv"] == {"delimiter": ";", "header": True, "nullValues": ["", "NA"]}
    types = {n: (p["physicalType"], p.get("logicalTypeOptions", {}).get("format")) for n, p in props.items()}
    assert types == {"invoice_id": ("bigint", None), "customer_email": ("string", None),
                     "customer_phone": ("string", None), "issued_on": ("date", "MM/dd/yyyy"),
                     "amount": ("decimal(11,2)", None), "currency": ("string", None), "paid": ("boolean", None),
                     "paid_at": ("timestamp", None), "iban": ("string", None), "country": ("string", None),
                     "note": ("string", None)}
    required = {n for n, p in props.items() if p.get("required")}
    assert required == {"invoice_id", "customer_email", "customer_phone", "issued_on", "amount", "currency", "paid",
                        "iban"}  # paid_at, country and note have a missing value (NA or empty)
    assert props["invoice_id"]["primaryKey"] and props["invoice_id"]["primaryKeyPosition"] == 1
    assert sum(bool(p.get("primaryKey")) for p in props.values()) == 1
    assert d.pii == {"customer_email": "email", "customer_phone": "phone", "iban": "bank account"}
    assert custom["pii"] == dict.fromkeys(d.pii, "hash")
    assert props["customer_email"]["customProperties"] == [{"property": "subject", "value": "person_email"}]
    assert "pii" not in (props["country"].get("classification") or "")


def test_validate_accepts_the_draft_and_the_file_ingests_as_drafted(invoices: Path, zones_copy: Path,
                                                                   tmp_path: Path, capsys) -> None:  # noqa: ANN001
    assert main(["infer", str(invoices), "--zone", "finance", "--dataset", "invoices", "--write",
                 "--config", str(zones_copy)]) == 0
    written = zones_copy / "finance" / "datasets" / "invoices.yaml"
    assert "draft contract written" in capsys.readouterr().err and written.read_text().startswith("# Drafted by")
    assert main(["validate", "--config", str(zones_copy), "--home", str(tmp_path / "home")]) == 0
    ds = load_config(zones_copy).zones["finance"].datasets["invoices"]
    assert ds.primary_key == ["invoice_id"] and ds.column("customer_email").pii == "hash"
    ctx = Context.local(tmp_path / "home", zones_copy)
    [rec] = drop_file(ctx, invoices, "finance", "invoices")
    assert (rec.outcome, rec.rows_staged, rec.rows_quarantined) == ("staged", 3, 0), rec.reason
    import pyarrow.parquet as pq

    rows = pq.read_table(next((ctx.home.staging / "finance" / "invoices").rglob("*.parquet"))).to_pylist()
    assert [r["paid_at"] is None for r in rows] == [False, True, False]  # NA: no value, not the text "NA"
    assert [r["note"] for r in rows] == ["late; reminded", None, None]
    assert str(rows[0]["amount"]) == "120.50" and rows[2]["issued_on"].isoformat() == "2026-04-02"
    # --write never overwrites a reviewed contract by accident
    assert main(["infer", str(invoices), "--zone", "finance", "--dataset", "invoices", "--write",
                 "--config", str(zones_copy)]) == 2
    assert "exists (--force" in capsys.readouterr().err


@pytest.mark.parametrize("encoding, bom", [("utf-8", True), ("latin-1", False), ("cp1252", False),
                                           ("utf-16", True)])
def test_encodings(tmp_path: Path, zones_copy: Path, encoding: str, bom: bool) -> None:
    cities = ["Zürich", "São Paulo", "Kraków €" if encoding != "latin-1" else "Malmö"]
    text = "id,city,price\n" + "".join(f"{i},{c},{i + 2}\n" for i, c in enumerate(cities, 1))
    path = tmp_path / "cities.csv"
    path.write_bytes((codecs.BOM_UTF8 if encoding == "utf-8" and bom else b"") + text.encode(encoding))
    d = infer(path, "finance", "cities")
    assert _custom(d.doc)["encoding"] == encoding
    assert list(_props(d.doc)) == ["id", "city", "price"]  # the BOM is not part of the first name
    # ingestion reads the file with the drafted encoding: every row staged, every character intact
    (zones_copy / "finance" / "datasets" / "cities.yaml").write_text(d.yaml("cities.csv"))
    ctx = Context.local(tmp_path / "home", zones_copy)
    [rec] = drop_file(ctx, path, "finance", "cities")
    assert (rec.outcome, rec.rows_staged) == ("staged", 3), rec.reason
    import pyarrow.parquet as pq

    staged = pq.read_table(next((ctx.home.staging / "finance" / "cities").rglob("*.parquet")))
    assert staged.column("city").to_pylist() == cities


def test_null_markers_only_where_the_sample_proves_them(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    # NA is a country (Namibia) in a text column: a value, not a marker. \\N is never a value.
    path.write_text("id,country,score,seen\n1,NA,\\N,2026-01-01\n2,DE,3,\\N\n3,FR,4,2026-01-03\n")
    d = infer(path, "finance", "x")
    assert _custom(d.doc)["csv"]["nullValues"] == ["", "\\N"]
    props = _props(d.doc)
    assert props["country"].get("required") and props["score"]["physicalType"] == "bigint"
    assert props["seen"]["physicalType"] == "date" and not props["seen"].get("required")
    path.write_text("id,score\n1,NULL\n2,null\n3,7\n")
    assert _custom(infer(path, "finance", "x").doc)["csv"]["nullValues"] == ["", "NULL", "null"]


@pytest.mark.parametrize("values, physical", [
    (["1", "-2", "30"], "bigint"), (["007", "8"], "string"), (["1.5", "22.25", "3"], "decimal(10,2)"),
    (["1e3", "2.5"], "double"), (["0.123456789012", "1"], "double"), (["yes", "No", "TRUE"], "boolean"),
    (["0", "1"], "bigint"), (["2026-01-31", "2026-02-01"], "date"), (["31.01.2026"], "date"),
    (["2026-01-31T10:00:00+01:00", "2026-01-31 11:00"], "timestamp"), (["2026-02-30"], "string"),
    (["12345678901234567890123"], "string"), ([], "string"),
])
def test_type_ladder(values: list[str], physical: str) -> None:
    assert infer_type(values).physical == physical


def test_ambiguous_day_month_order_is_flagged() -> None:
    t = infer_type(["01/02/2026", "03/04/2026"])
    assert t.input_format == "MM/dd/yyyy" and "ambiguous" in (t.note or "")
    assert infer_type(["13/02/2026", "03/04/2026"]).input_format == "dd/MM/yyyy"


def test_candidate_keys_single_first_then_pairs() -> None:
    types = {"id": "bigint", "day": "date", "store": "string", "amount": "string", "ok": "boolean"}
    cols = {"id": ["1", "2", "3"], "day": ["d1", "d1", "d2"], "store": ["a", "b", "a"], "amount": ["5", "5", "6"],
            "ok": ["true", "false", "true"]}
    assert candidate_keys(cols, types, 3) == [("id",)]
    cols["id"] = ["1", "1", "2"]
    assert candidate_keys(cols, types, 3)[0] == ("id", "store")  # no single column: the best pair
    cols["id"] = ["1", None, "2"]  # a column with a missing value is never (part of) a key
    assert all("id" not in k for k in candidate_keys(cols, types, 3))


def test_no_key_in_the_sample_is_said_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "dupes.csv"
    path.write_text("a,b\n1,x\n1,x\n")
    d = infer(path, "finance", "dupes")
    assert not any(p.get("primaryKey") for p in _props(d.doc).values())
    assert any("mark the key" in n for n in d.notes)


@pytest.mark.parametrize("name, values, what", [
    ("contact", ["ana@example.com", "ben@example.org"], "email"),
    ("c1", ["+1 415 555 0100", "(415) 555-0101"], "phone"),
    ("acct", ["GB82WEST12345698765432", "DE89 3704 0044 0532 0130 00"], "iban"),
    ("acct", ["GB00WEST12345698765432"], None),  # fails the IBAN check digits
    ("first_name", ["Ana"], "person name"), ("date_of_birth", ["1990-01-01"], "birth date"),
    ("cost_center_name", ["Travel"], None), ("amount", ["12.50", "13.75"], None),
    ("src", ["10.0.0.1", "192.168.1.20"], "ip address"), ("card", ["4111 1111 1111 1111"], "card number"),
])
def test_likely_pii_by_name_and_value(name: str, values: list[str], what: str | None) -> None:
    assert likely_pii(name, values) == what


def test_samples_a_huge_file_without_reading_it_whole(tmp_path: Path) -> None:
    path = tmp_path / "big.csv.gz"
    row = b"".join(b"%d,2026-01-01,%d.25,note\n" % (i, i % 97) for i in range(10_000))
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(b"id,day,amount,note\n")
        for _ in range(300):  # ~80 MB of content
            f.write(row)
    tracemalloc.start()
    d = infer(path, "finance", "big", max_rows=5_000, max_bytes=1 << 20)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 << 20, peak
    assert any("first 5000 rows only" in n for n in d.notes)
    assert _props(d.doc)["amount"]["physicalType"] == "decimal(10,2)"  # 2 + 2 digits, and room to grow


def test_jsonl_and_parquet(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "events.jsonl"
    path.write_text('{"event_id": 1, "ok": true, "at": "2026-01-01T00:00:00Z", "tags": ["a"]}\n'
                    '{"event_id": 2, "ok": false, "at": "2026-01-02T00:00:00Z", "tags": null}\n')
    doc = infer(path, "finance", "events").doc
    assert _custom(doc)["format"] == "jsonl"
    assert {n: p["physicalType"] for n, p in _props(doc).items()} == {
        "event_id": "bigint", "ok": "boolean", "at": "timestamp", "tags": "string"}
    pq.write_table(pa.table({"k": pa.array([1, 2], pa.int32()), "v": pa.array([1.5, None])}), tmp_path / "t.parquet")
    doc = infer(tmp_path / "t.parquet", "finance", "t").doc
    assert {n: (p["physicalType"], bool(p.get("required"))) for n, p in _props(doc).items()} == {
        "k": ("bigint", True), "v": ("double", False)}
    assert _custom(doc) == {"format": "parquet"}


def test_cli_prints_to_stdout_and_rejects_bad_names(invoices: Path, capsys) -> None:  # noqa: ANN001
    assert main(["infer", str(invoices), "--zone", "finance", "--dataset", "invoices"]) == 0
    out = capsys.readouterr()
    assert yaml.safe_load(out.out)["id"] == "finance.invoices" and "review: primary key invoice_id" in out.err
    assert main(["infer", str(invoices), "--zone", "finance", "--dataset", "Bad-Name"]) == 2
    assert "dataset name 'Bad-Name'" in capsys.readouterr().err
    assert main(["infer", "nope.csv", "--zone", "finance", "--dataset", "x"]) == 2
