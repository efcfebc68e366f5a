"""On AWS, `lake status` / `lake describe` / the docs site read "rows" (what the table holds now), the
snapshot and the last update from the deployed tables: the Glue table's ``metadata_location`` -> the
Iceberg metadata JSON in S3 -> the current snapshot's summary; staging from the staged files' footers."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lake.backends.storage import S3Storage
from lake.catalog import describe
from lake.docs_site import site_data
from lake.health import stored
from lake.health_aws import GlueTables
from lake.runtime.context import Context
from lake.status import status
from tests.conftest import ZONES

WAREHOUSE, STAGING = "lake-warehouse", "lake-staging"


def _metadata(current: int) -> dict[str, Any]:
    """Two commits: 10 rows appended, then a MERGE that deleted 3 of them by position and added 2."""
    snap = lambda sid, ms, total, deletes: {  # noqa: E731
        "snapshot-id": sid, "timestamp-ms": ms,
        "summary": {"operation": "overwrite", "total-records": str(total), "total-position-deletes": str(deletes)}}
    return {"format-version": 2, "current-snapshot-id": current, "last-updated-ms": 1767225600000,
            "current-schema-id": 1, "schemas": [
                {"schema-id": 0, "fields": [{"id": 1, "name": "old", "type": "string", "required": False}]},
                {"schema-id": 1, "fields": [
                    {"id": 1, "name": "department", "type": "string", "required": False},
                    {"id": 2, "name": "total", "type": "decimal(38,2)", "required": False},
                    {"id": 3, "name": "_promoted_at", "type": "timestamptz", "required": False}]}],
            "snapshots": [snap(11, 1767225600000, 10, 0), snap(22, 1767229200000, 12, 3)]}


def _iceberg_table(glue: Any, s3: Any, db: str, name: str, md: dict[str, Any]) -> None:
    key = f"{db}/{name}/metadata/00002-abc.metadata.json"
    s3.put_object(Bucket=WAREHOUSE, Key=key, Body=json.dumps(md).encode())
    # an older metadata file beside it: only the one the catalog points at counts
    s3.put_object(Bucket=WAREHOUSE, Key=f"{db}/{name}/metadata/00001-old.metadata.json",
                  Body=json.dumps(_metadata(11)).encode())
    glue.create_table(DatabaseName=db, TableInput={
        "Name": name, "TableType": "EXTERNAL_TABLE",
        "Parameters": {"table_type": "ICEBERG", "metadata_location": f"s3://{WAREHOUSE}/{key}"},
        "StorageDescriptor": {"Location": f"s3://{WAREHOUSE}/{db}/{name}", "Columns": []}})


def _parquet(rows: int) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"expense_id": [f"E{i}" for i in range(rows)]}), buf)
    return buf.getvalue()


@pytest.fixture
def deployed(aws: None, tmp_path: Path) -> Context:
    glue, s3 = boto3.client("glue"), boto3.client("s3")
    for bucket in (WAREHOUSE, STAGING):
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    for db in ("finance_ods", "finance_analytics", "finance_staging"):
        glue.create_database(DatabaseInput={"Name": db})
    _iceberg_table(glue, s3, "finance_ods", "expenses", _metadata(22))
    _iceberg_table(glue, s3, "finance_analytics", "expense_summary", _metadata(22))
    created = {**_metadata(22), "current-snapshot-id": -1, "snapshots": []}  # created by a deploy, never written
    _iceberg_table(glue, s3, "finance_ods", "cost_centers", created)
    glue.create_table(DatabaseName="finance_staging", TableInput={
        "Name": "expenses", "StorageDescriptor": {"Location": f"s3://{STAGING}/finance/expenses/", "Columns": []}})
    s3.put_object(Bucket=STAGING, Key="finance/expenses/ingest_date=2026-01-01/a.parquet", Body=_parquet(3))
    s3.put_object(Bucket=STAGING, Key="finance/expenses/ingest_date=2026-01-02/b.parquet", Body=_parquet(1500))
    s3.put_object(Bucket=STAGING, Key="finance/expenses/_SUCCESS", Body=b"")
    ctx = Context.local(tmp_path / "home", ZONES)  # ledger and records local: only the tables are on AWS
    return dataclasses.replace(ctx, storage=S3Storage())


def test_status_reads_rows_now_from_the_iceberg_snapshot_on_aws(deployed: Context) -> None:
    rows = {r["table"]: r for r in status(deployed, "finance")}
    ods = rows["finance_ods.expenses"]
    assert (ods["rows"], ods["snapshot_id"]) == (9, 22)  # 12 records - 3 position deletes, current snapshot
    assert ods["last_update"] == "2026-01-01T01:00:00+00:00"
    assert rows["finance_analytics.expense_summary"]["rows"] == 9
    assert (rows["finance_ods.cost_centers"]["rows"], rows["finance_ods.cost_centers"]["snapshot_id"]) == (0, None)
    assert rows["finance_analytics.expense_anomalies"]["rows"] is None  # no Glue table yet: never written


def test_describe_and_docs_site_show_the_same_state_on_aws(deployed: Context) -> None:
    d = describe(deployed, "finance_analytics.expense_summary")
    assert d["rows"] == 9 and d["snapshot_id"] == 22
    assert [c["name"] for c in d["columns"]] == ["department", "total"]  # the current schema, lineage hidden
    staging = describe(deployed, "finance_staging.expenses")
    assert staging["rows"] == 1503 and staging["last_update"] is not None  # two files' footers, _SUCCESS aside
    assert describe(deployed, "finance_staging.cost_centers")["rows"] is None
    assert site_data(deployed)["tables"]["finance_ods.expenses"]["rows"] == 9


def test_lake_catalog_lists_rows_now_on_aws(deployed: Context, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import lake.cli

    monkeypatch.setattr(lake.cli, "_ctx", lambda args: deployed)
    assert lake.cli.main(["catalog", "--zone", "finance", "--json"]) == 0
    rows = {r["table"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["finance_ods.expenses"]["rows"] == 9 and rows["finance_staging.expenses"]["rows"] == 1503


def test_glue_tables_use_the_callers_session(deployed: Context) -> None:
    """Another session (e.g. an assumed role) is what reads: here one with no access to the region's tables."""
    other = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    assert stored(GlueTables(other), "finance_ods.expenses") == (None, None, None)
    assert stored(GlueTables(boto3.Session()), "finance_ods.expenses")[0] == 9


def test_lake_status_with_lake_backend_aws_reads_the_deployment(deployed: Context, monkeypatch: pytest.MonkeyPatch,
                                                                  capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    """An operator's `lake status` with LAKE_BACKEND=aws: the deployment's ledger, records and tables."""
    from lake.cli import main
    from lake.runtime import context as runtime
    from tests.backends.test_records import records_table
    from tests.ingest.test_aws_backends import ledger_table

    monkeypatch.setenv("LAKE_BACKEND", "aws")
    monkeypatch.delenv("RECORDS_TABLE", raising=False)
    assert main(["status", "--config", str(ZONES)]) == 2
    assert "LAKE_BACKEND=aws: set LEDGER_TABLE, RECORDS_TABLE" in capsys.readouterr().err
    env = {"LEDGER_TABLE": ledger_table(), "RECORDS_TABLE": records_table(), "LAKE_HOME": str(tmp_path / "t")}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    runtime._from_env.cache_clear()
    assert main(["status", "--zone", "finance", "--json", "--config", str(ZONES)]) == 0
    rows = {r["table"]: r for r in json.loads(capsys.readouterr().out)["tables"]}
    assert (rows["finance_ods.expenses"]["rows"], rows["finance_ods.expenses"]["health"]) == (9, "never loaded")
    assert main(["describe", "finance_staging.expenses", "--json", "--config", str(ZONES)]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 1503
    runtime._from_env.cache_clear()


@pytest.mark.parametrize(("broken", "reason"), [
    ("missing", "the S3 object does not exist (NoSuchKey)"),
    ("not json", "not Iceberg metadata JSON"),
])
def test_a_table_with_a_broken_metadata_location_shows_its_problem_not_a_crash(
        deployed: Context, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        broken: str, reason: str) -> None:
    """The catalog points at a metadata file that is gone (or not JSON): that table shows which table, which
    location and what is wrong; every other table still shows its state."""
    import lake.cli

    s3 = boto3.client("s3")
    key = "finance_ods/expenses/metadata/00002-abc.metadata.json"
    location = f"s3://{WAREHOUSE}/{key}"
    if broken == "missing":
        s3.delete_object(Bucket=WAREHOUSE, Key=key)
    else:
        s3.put_object(Bucket=WAREHOUSE, Key=key, Body=b"{truncated")
    rows = {r["table"]: r for r in status(deployed, "finance")}
    bad = rows["finance_ods.expenses"]
    assert bad["rows"] is None and bad["health"] == "failing"
    assert bad["problem"].startswith(f"finance_ods.expenses: cannot read its Iceberg metadata at {location}: {reason}")
    summary = rows["finance_analytics.expense_summary"]
    assert (summary["rows"], summary["problem"]) == (9, None)

    monkeypatch.setattr(lake.cli, "_ctx", lambda args: deployed)
    monkeypatch.setattr(lake.cli, "_state_ctx", lambda args: deployed)
    assert lake.cli.main(["status", "--zone", "finance"]) == 0
    out = capsys.readouterr().out
    assert f"problem: finance_ods.expenses: cannot read its Iceberg metadata at {location}: {reason}" in out
    assert "finance_analytics.expense_summary" in out and "rows=9" in out
    assert lake.cli.main(["describe", "finance_ods.expenses"]) == 0
    assert f"PROBLEM: finance_ods.expenses: cannot read its Iceberg metadata at {location}" in capsys.readouterr().out
    assert describe(deployed, "finance_ods.expenses")["columns"]  # the contract's columns still show
    assert lake.cli.main(["catalog", "--zone", "finance", "--json"]) == 0
    listed = {r["table"]: r for r in json.loads(capsys.readouterr().out)}
    assert location in listed["finance_ods.expenses"]["problem"] and reason in listed["finance_ods.expenses"]["problem"]
    assert listed["finance_staging.expenses"]["rows"] == 1503
    assert site_data(deployed)["tables"]["finance_ods.expenses"]["problem"] is not None
