"""Raw files rewritten without the subject's rows: same format, every other row byte for byte."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lake.erasure.raw import Layout, might_hold, rewrite
from lake.erasure.subject import BadSubject, Subject

DANA = Subject.of("person_email", "dana.lee@example.com")
CSV = Layout("csv", frozenset({"employee_email"}))


def run(tmp_path: Path, name: str, data: bytes, layout: Layout, subject: Subject = DANA, **kw):  # noqa: ANN003, ANN201
    src, dst = tmp_path / name, tmp_path / f"out-{name}"
    src.write_bytes(data)
    return rewrite(src, dst, layout, subject, **kw), dst.read_bytes()


def test_csv_keeps_every_other_record_byte_for_byte(tmp_path: Path) -> None:
    head = "\ufeffexpense_id,employee_email,description\r\n".encode()
    keep1 = b'1,ann@example.com,"two\r\nlines, quoted"\r\n'
    dana_padded = b'2, Dana.Lee@EXAMPLE.com ,"note ""quoted"""\r\n'
    keep2 = b"3,diana.lee@example.com,not her: a longer address\r\n"
    mention = b'4,bob@example.com,"taxi shared with dana.lee@example.com."\r\n'
    keep3 = b"\r\n5,carl@example.com,dana.lee@example.community\r\n"
    res, out = run(tmp_path, "e.csv", head + keep1 + dana_padded + keep2 + mention + keep3, CSV)
    assert out == head + keep1 + keep2 + keep3
    assert (res.rows, res.removed, res.removed_rows) == (5, 2, [2, 4])
    assert res.spellings == {" Dana.Lee@EXAMPLE.com "}  # the exact stored form, for hashing it as ODS did


def test_gzipped_csv_stays_gzip_and_is_reproducible(tmp_path: Path) -> None:
    data = b"expense_id,employee_email\n1,dana.lee@example.com\n2,ann@example.com\n"
    res, out = run(tmp_path, "e.csv.gz", gzip.compress(data), CSV)
    assert out[:2] == b"\x1f\x8b" and gzip.decompress(out) == b"expense_id,employee_email\n2,ann@example.com\n"
    assert res.removed == 1
    _, again = run(tmp_path, "e2.csv.gz", gzip.compress(data, mtime=12345), CSV)
    assert again == out  # the landing copy and the ingress object, rewritten apart, stay identical


def test_csv_dialect_encoding_and_no_header(tmp_path: Path) -> None:
    latin = Layout("csv", frozenset({"email"}), encoding="latin-1", delimiter=";", header=False,
                   columns=("id", "email", "city"))
    data = "1;dana.lee@example.com;Köln\n2;ann@example.com;Zürich\n".encode("latin-1") + b"3;x@y.z;\xff\xfe\n"
    res, out = run(tmp_path, "l.csv", data, latin)
    assert out == "2;ann@example.com;Zürich\n".encode("latin-1") + b"3;x@y.z;\xff\xfe\n"
    assert res.removed_rows == [1]


def test_a_file_that_is_not_its_contracts_csv_loses_the_lines_naming_the_subject(tmp_path: Path) -> None:
    data = b"expense_id;employee_email;amount\n1;dana.lee@example.com;3\n2;ann@example.com;4\n"
    res, out = run(tmp_path, "semicolon.csv", data, CSV)  # the contract says ',': one column, no match by column
    assert out == b"expense_id;employee_email;amount\n2;ann@example.com;4\n" and res.removed == 1


def test_identifier_kinds_match_their_columns_only(tmp_path: Path) -> None:
    subject = Subject.of("person_id", "42")
    layout = Layout("csv", frozenset({"person"}))
    data = b"id,person,amount\n1,42,42\n2,7,42\n3, 42 ,1\n"
    res, out = run(tmp_path, "p.csv", data, layout, subject)
    assert out == b"id,person,amount\n2,7,42\n" and res.removed_rows == [1, 3]


def test_rejected_rows_can_be_dropped_by_row_number(tmp_path: Path) -> None:
    data = b'"_row_number","_errors","employee_email"\n3,"amount: bad","ann@example.com"\n7,"x","bob@example.com"\n'
    res, out = run(tmp_path, "r.csv", data, CSV, drop=lambda row: row["_row_number"] == "7")
    assert out == b'"_row_number","_errors","employee_email"\n3,"amount: bad","ann@example.com"\n'
    assert res.removed == 1


def test_jsonl_change_events_escapes_and_broken_lines(tmp_path: Path) -> None:
    layout = Layout("jsonl", frozenset({"candidate_email"}), cdc=True)
    lines = [
        json.dumps({"op": "c", "lsn": 1, "before": None, "after": {"id": 1, "candidate_email": "ann@example.org"}}),
        json.dumps({"op": "d", "lsn": 2, "before": {"id": 2, "candidate_email": "DANA.LEE@example.com"},
                    "after": None}),
        '{"op": "c", "lsn": 3, "after": {"id": 3, "candidate_email": "dana.lee\\u0040example.com"}}',
        '{"op": "c", "lsn": 4, "after": {"id": 4, "candidate_email": "dana.lee@example.com"',  # not JSON
        "",
        json.dumps({"op": "u", "lsn": 5, "before": {"id": 1},
                    "after": {"id": 1, "candidate_email": "ann@example.org"}}),
    ]
    res, out = run(tmp_path, "a.jsonl", ("\n".join(lines) + "\n").encode(), layout)
    assert out.decode().split("\n") == [lines[0], "", lines[5], ""]
    assert res.removed_rows == [2, 3, 4] and res.spellings == {"DANA.LEE@example.com", "dana.lee@example.com"}


def test_parquet_keeps_schema_metadata_and_codec(tmp_path: Path) -> None:
    table = pa.table({"sensor": pa.array([1, 2, 3], pa.int32()),
                      "holder_email": ["a@x.io", "Dana.Lee@example.com", None],
                      "note": ["", "", "met dana.lee@example.com"]}).replace_schema_metadata({"origin": "export"})
    src = tmp_path / "r.parquet"
    pq.write_table(table, src, compression="zstd")
    layout = Layout("parquet", frozenset({"holder_email"}))
    res = rewrite(src, tmp_path / "o.parquet", layout, DANA, keys=("sensor",))
    out = pq.ParquetFile(tmp_path / "o.parquet")
    assert out.read().to_pylist() == [{"sensor": 1, "holder_email": "a@x.io", "note": ""}]
    assert out.schema_arrow.metadata[b"origin"] == b"export" and out.schema_arrow.field("sensor").type == pa.int32()
    assert out.metadata.row_group(0).column(0).compression == "ZSTD"
    assert res.removed_keys == [{"sensor": 2}, {"sensor": 3}] and res.spellings == {"Dana.Lee@example.com"}

    gz = tmp_path / "r.parquet.gz"
    gz.write_bytes(gzip.compress(src.read_bytes()))
    assert rewrite(gz, tmp_path / "o.parquet.gz", layout, DANA).removed == 2
    assert pq.read_table(pa.BufferReader(gzip.decompress((tmp_path / "o.parquet.gz").read_bytes()))).num_rows == 1


def test_the_byte_scan_skips_files_without_the_value(tmp_path: Path) -> None:
    clean, dirty = tmp_path / "c.csv.gz", tmp_path / "d.csv"
    clean.write_bytes(gzip.compress(b"a,b\n1,diana.lee@example.org\n"))
    dirty.write_bytes(b"a,b\n1,DANA.lee@example.com\n")
    assert not might_hold(clean, CSV, DANA) and might_hold(dirty, CSV, DANA)


def test_subject_parsing_and_redaction() -> None:
    with pytest.raises(BadSubject, match="KIND=VALUE"):
        Subject.parse("dana.lee@example.com")
    with pytest.raises(BadSubject, match="did you mean 'person_email'"):
        Subject.parse("person_mail=dana.lee@example.com")
    assert Subject.parse("person_email= Dana.Lee@Example.COM ").value == "dana.lee@example.com"
    text = "rows: Dana.Lee@example.com,dana.lee@example.com; diana.lee@example.com"
    assert DANA.redact(text) == "rows: [erased],[erased]; diana.lee@example.com"


def test_a_parquet_file_dropped_where_csv_was_expected_is_read_as_parquet(tmp_path: Path) -> None:
    src = tmp_path / "actually.csv"
    pq.write_table(pa.table({"employee_email": ["dana.lee@example.com", "ann@example.com"]}), src)
    res = rewrite(src, tmp_path / "o.csv", CSV, DANA)
    assert res.removed == 1 and pq.read_table(tmp_path / "o.csv").column(0).to_pylist() == ["ann@example.com"]
