"""The runtime of a namespaced stage reaches its own catalog names: under moto, the validator's Glue
catalog calls and the catalog governor's tagging with LAKE_CATALOG_PREFIX=dev_, beside a plain stage's
databases in the same account and region; and Spark in its Glue jobs (lake/namespace_spark.py)."""

from __future__ import annotations

import boto3
import pyarrow as pa
import pytest

from infra.governance.runtime import handler as governor
from lake import namespace as ns
from lake.backends.aws_catalog import GlueCatalog
from lake.metrics import freshness_dimensions

SCHEMA = pa.schema([("expense_id", pa.int64()), ("amount", pa.decimal128(12, 2))])


@pytest.fixture
def dev(aws: None, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    monkeypatch.setenv(ns.ENV, "dev_")
    glue = boto3.client("glue")
    for db in ("finance_staging", "finance_ods", "dev_finance_staging", "dev_finance_ods"):  # prod's and dev's
        glue.create_database(DatabaseInput={"Name": db})
    yield glue


def test_the_validator_registers_staged_files_in_the_stages_database(dev) -> None:  # noqa: ANN001
    catalog = GlueCatalog(dev)
    catalog.add_staged_file("finance", "expenses", "dev-staging", "finance/expenses/ingest_date=2026-11-21/i.parquet",
                            SCHEMA)
    assert dev.get_table(DatabaseName="dev_finance_staging", Name="expenses")["Table"]["Name"] == "expenses"
    assert catalog.partitions("finance", "expenses") == ["2026-11-21"]
    assert dev.get_tables(DatabaseName="finance_staging")["TableList"] == []  # prod's database untouched


def test_the_governor_tags_its_stages_tables_with_its_tag_keys(dev, monkeypatch) -> None:  # noqa: ANN001
    lf = boto3.client("lakeformation")
    for key, values in (("dev_sensitivity", ["pii", "general"]), ("sensitivity", ["pii", "general"]),
                        ("dev_shared_with_executive", ["true"])):
        lf.create_lf_tag(TagKey=key, TagValues=values)
    columns = [{"Name": "expense_id", "Type": "bigint"}, {"Name": "employee_email", "Type": "string"}]
    for db in ("finance_ods", "dev_finance_ods"):
        dev.create_table(DatabaseName=db, TableInput={"Name": "expenses", "StorageDescriptor": {"Columns": columns}})
    catalog_id = boto3.client("sts").get_caller_identity()["Account"]
    # The database's fail-closed tag as tables inherit it (and what moto needs to read a table's tags).
    lf.add_lf_tags_to_resource(CatalogId=catalog_id, Resource={"Table": {"DatabaseName": "dev_finance_ods",
                                                                         "Name": "expenses"}},
                               LFTags=[{"TagKey": "dev_sensitivity", "TagValues": ["pii"]}])
    monkeypatch.setenv("CATALOG_ID", catalog_id)
    monkeypatch.setattr(governor, "_cfg", None)
    # The daily reconcile of dev: its own databases only.
    assert governor.handler({"task": "reconcile"}, _Context()) == {"governed": 1}
    tags = lf.get_resource_lf_tags(CatalogId=catalog_id, Resource={"TableWithColumns": {
        "CatalogId": catalog_id, "DatabaseName": "dev_finance_ods", "Name": "expenses", "ColumnNames": ["expense_id"]}})
    keys = {t["TagKey"] for c in tags.get("LFTagsOnColumns", []) for t in c["LFTags"]}
    assert keys == {"dev_sensitivity"}
    # An event about prod's plain database (the rule's pattern is dev's, but a stray one) governs nothing.
    event = {"detail": {"databaseName": "finance_ods", "tableName": "expenses"}}
    assert governor.handler(event, _Context()) == {"governed": 0}


def test_freshness_metrics_name_the_stages_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ns.ENV, "dev_")
    assert freshness_dimensions("finance_ods.expenses")["table"] == "dev_finance_ods.expenses"


class _Context:  # what Powertools' inject_lambda_context reads
    function_name, memory_limit_in_mb, invoked_function_arn, aws_request_id = "governor", 128, "arn:x", "req-1"


def test_spark_in_a_namespaced_glue_job_reaches_the_stages_tables(spark, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from lake.namespace_spark import installed

    monkeypatch.setenv(ns.ENV, "dev_")
    with installed("dev_"):
        spark.sql("CREATE NAMESPACE IF NOT EXISTS stagetest_ods")  # a task's logical statement ...
        spark.createDataFrame([(1,)], "k int").writeTo("stagetest_ods.t").using("iceberg").createOrReplace()
        assert spark.catalog.tableExists("stagetest_ods.t")
        assert spark.table("stagetest_ods.t").count() == 1
        assert spark.sql("SELECT count(*) AS n FROM stagetest_ods.t").first()["n"] == 1
    try:  # ... landed in the stage's database; outside the mapping the logical name does not exist
        assert spark.catalog.tableExists("dev_stagetest_ods.t")
        assert not spark.catalog.tableExists("stagetest_ods.t")
    finally:
        spark.sql("DROP TABLE IF EXISTS dev_stagetest_ods.t")
