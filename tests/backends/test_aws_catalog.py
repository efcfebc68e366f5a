"""The Glue catalog adapter under moto: staging tables from the staged file's schema, partitions."""

from __future__ import annotations

import boto3
import pyarrow as pa
import pytest

from lake.backends.aws_catalog import GlueCatalog, glue_type

SCHEMA = pa.schema([("expense_id", pa.int64()), ("amount", pa.decimal128(12, 2)),
                    ("submitted_at", pa.timestamp("us", tz="UTC")), ("expense_date", pa.date32()),
                    ("approved", pa.bool_()), ("_ingest_id", pa.string())])


@pytest.fixture
def glue(aws: None):  # noqa: ANN201
    client = boto3.client("glue")
    client.create_database(DatabaseInput={"Name": "finance_staging"})  # the zone stack's job
    yield client


def test_arrow_types_map_to_athena_types() -> None:
    assert [glue_type(f.type) for f in SCHEMA] == ["bigint", "decimal(12,2)", "timestamp", "date", "boolean", "string"]


def test_first_file_creates_the_partitioned_parquet_table(glue) -> None:  # noqa: ANN001
    catalog = GlueCatalog(glue)
    day = catalog.add_staged_file("finance", "expenses", "staging-bkt",
                                  "finance/expenses/ingest_date=2026-11-21/i1.parquet", SCHEMA)
    assert day == "2026-11-21"
    table = glue.get_table(DatabaseName="finance_staging", Name="expenses")["Table"]
    assert table["PartitionKeys"] == [{"Name": "ingest_date", "Type": "string"}]
    assert table["StorageDescriptor"]["Location"] == "s3://staging-bkt/finance/expenses/"
    assert table["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]][:2] == ["expense_id", "amount"]
    assert catalog.partitions("finance", "expenses") == ["2026-11-21"]


def test_partitions_are_idempotent_and_new_columns_are_added(glue) -> None:  # noqa: ANN001
    catalog = GlueCatalog(glue)
    key = "finance/expenses/ingest_date=2026-11-21/i{}.parquet"
    catalog.add_staged_file("finance", "expenses", "b", key.format(1), SCHEMA)
    catalog.add_staged_file("finance", "expenses", "b", key.format(2), SCHEMA)  # same day: no error
    catalog.add_staged_file("finance", "expenses", "b", key.format(3).replace("21", "22"),
                            SCHEMA.append(pa.field("description", pa.string())))
    assert catalog.partitions("finance", "expenses") == ["2026-11-21", "2026-11-22"]
    cols = [c["Name"] for c in glue.get_table(DatabaseName="finance_staging", Name="expenses")
            ["Table"]["StorageDescriptor"]["Columns"]]
    assert cols[-1] == "description" and len(cols) == len(SCHEMA) + 1


def test_a_key_of_another_zone_is_refused(glue) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="not a staging key"):
        GlueCatalog(glue).add_staged_file("finance", "expenses", "b", "hr/expenses/ingest_date=2026-11-21/x.parquet",
                                          SCHEMA)
