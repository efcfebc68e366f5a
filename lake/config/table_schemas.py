"""The columns and types of every table a projection can read, as the jobs build them.

Staging and ODS tables come from the contracts (ODS after PII treatment); analytics tables
from their compiled projections (lake.config.compile). Types are spelled as Athena (Trino)
spells them, so sqlglot annotates projection SQL the way Athena would type it.
"""

from __future__ import annotations

from lake.config.contract import Dataset
from lake.config.evolution import ods_type
from lake.config.types import ColumnType

Columns = dict[str, str]  # column (lower case) -> Trino type

# What the platform adds to each layer (lake/ingest/convert.py, lake/tasks/to_ods/tables.py,
# lake/tasks/projections/build.py).
STAGING_LINEAGE = {"_ingest_id": "varchar", "_source_file": "varchar", "_row_number": "bigint",
                   "_ingested_at": "timestamp"}
CDC_STAGING = {"_op": "varchar", "_lsn": "bigint", "_ts_ms": "bigint"}
ODS_LINEAGE = {"_ingest_id": "varchar", "_ingested_at": "timestamp"}
PROMOTED_AT = {"_promoted_at": "timestamp"}


def trino_type(ctype: ColumnType) -> str:
    return {"string": "varchar", "float": "real", "int": "integer"}.get(ctype.sql, ctype.sql)


def staging_columns(ds: Dataset) -> Columns:
    cols = {c.name.lower(): trino_type(c.type) for c in ds.columns}
    return cols | STAGING_LINEAGE | (CDC_STAGING if ds.options.cdc else {})


def ods_columns(ds: Dataset) -> Columns:
    cols = {c.name.lower(): trino_type(ods_type(ds, c.name)) for c in ds.columns if c.pii != "drop"}
    return cols | ODS_LINEAGE | ({"_lsn": "bigint"} if ds.options.cdc else {}) | PROMOTED_AT


def contract_tables(datasets: dict[str, dict[str, Dataset]]) -> dict[str, Columns]:
    """zone -> dataset -> contract, to "<zone>_<layer>.<dataset>" -> columns."""
    out: dict[str, Columns] = {}
    for zone, by_name in datasets.items():
        for name, ds in by_name.items():
            out[f"{zone}_staging.{name}"] = staging_columns(ds)
            out[f"{zone}_ods.{name}"] = ods_columns(ds)
    return out
