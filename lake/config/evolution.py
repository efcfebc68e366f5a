"""Schema evolution: how an ODS table must change to match its contract. Pure.

Additive changes evolve the Iceberg table in place (new optional columns, widened types).
Removing, renaming or narrowing a column is breaking: refused unless the contract's major
version changed, in which case the table is rebuilt from staging.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lake.config.contract import Dataset
from lake.config.types import ColumnType, parse_type

SYSTEM = {"_ingest_id", "_ingested_at", "_promoted_at", "_lsn"}


@dataclass
class Evolution:
    add: list[tuple[str, str]] = field(default_factory=list)  # (column, sql type)
    widen: list[tuple[str, str]] = field(default_factory=list)
    breaking: list[str] = field(default_factory=list)  # one message per column

    @property
    def changes(self) -> bool:
        return bool(self.add or self.widen)


def ods_type(ds: Dataset, name: str) -> ColumnType:
    col = ds.column(name)
    assert col is not None
    return parse_type("string") if col.pii in ("hash", "mask") else col.type


def plan(ds: Dataset, table_columns: dict[str, str]) -> Evolution:
    """Compare the contract with the table's current columns (name -> Spark simple type)."""
    evo = Evolution()
    wanted = {c.name: ods_type(ds, c.name) for c in ds.columns if c.pii != "drop"}
    for name, current in table_columns.items():
        if name in SYSTEM:
            continue
        if name not in wanted:
            evo.breaking.append(f"column '{name}' was removed or renamed")
            continue
        have, want = parse_type(_spark_to_sql(current)), wanted[name]
        if have == want:
            continue
        if have.widens_to(want):
            evo.widen.append((name, want.sql))
        else:
            evo.breaking.append(f"column '{name}' would narrow from {have.sql} to {want.sql}")
    for name, want in wanted.items():
        if name not in table_columns:
            col = ds.column(name)
            if col and col.required:
                evo.breaking.append(f"new column '{name}' is required, but existing rows have no value for it")
            else:
                evo.add.append((name, want.sql))
    return evo


def _spark_to_sql(spark_type: str) -> str:
    return {"integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint"}.get(spark_type, spark_type)


def major(version: str) -> str:
    return version.split(".")[0]
