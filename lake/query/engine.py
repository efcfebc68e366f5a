"""``lake query``: Athena (Trino) SQL, checked against the zone's grants, run on DuckDB.

Isolation is enforced twice, as Lake Formation would: every table the statement names
(in subqueries, CTEs and joins too) must be readable by the zone, and the connection only
ever holds views of readable tables, so nothing else can be reached by any path.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa
import sqlglot

from lake.config import Dataset, LakeConfig
from lake.config.loader import LAYERS
from lake.config.projection import parse_sql, table_refs
from lake.home import LakeHome
from lake.query.duck import connect

PLATFORM_TABLES = ("platform.ingest_ledger", "platform.runs", "platform.quality_results")


class AccessDenied(PermissionError):
    pass


class QueryError(ValueError):
    pass


def _empty_view(ds: Dataset) -> str:
    cols = ", ".join(f"CAST(NULL AS {c.type.sql if c.type.name != 'timestamp' else 'TIMESTAMPTZ'}) AS \"{c.name}\""
                     for c in ds.columns)
    return f"SELECT {cols} WHERE false"


class QueryEngine:
    def __init__(self, cfg: LakeConfig, home: LakeHome, zone: str):
        if zone not in cfg.zones:
            raise AccessDenied(f"unknown zone '{zone}' (zones: {', '.join(sorted(cfg.zones))})")
        self.cfg, self.home, self.zone = cfg, home, zone
        # A zone also reads the rows its quality gates held back (<zone>_ods.<dataset>__quarantine).
        held = {f"{zone}_ods.{d}__quarantine" for d in cfg.zones[zone].datasets}
        self.readable = cfg.readable_by(zone) | held | set(PLATFORM_TABLES)
        self.con = connect()
        self._register()
        self._register_platform()

    def _source(self, table: str) -> str | None:
        namespace, name = table.split(".")
        zone, layer = namespace.rsplit("_", 1)
        if layer == "staging":
            folder = self.home.staging / zone / name
            if any(folder.rglob("*.parquet")):
                return (f"SELECT * EXCLUDE (ingest_date) FROM read_parquet('{folder}/**/*.parquet', "
                        "hive_partitioning = true, union_by_name = true)")
            ds = self.cfg.dataset(zone, name)
            return _empty_view(ds) if ds else None
        location = self.home.table_location(table)
        if (location / "metadata" / "version-hint.text").exists():
            return f"SELECT * FROM iceberg_scan('{location}')"
        ds = self.cfg.dataset(zone, name)
        return _empty_view(ds) if ds and layer == "ods" else None

    def _register(self) -> None:
        for table in sorted(self.readable - set(PLATFORM_TABLES)):
            source = self._source(table)
            if source is None:
                continue  # e.g. a projection not built yet: querying it says "does not exist"
            namespace = table.split(".")[0]
            self.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{namespace}"')
            self.con.execute(f"CREATE VIEW {table} AS {source}")

    def _register_platform(self) -> None:
        """Platform records as tables, holding only this zone's rows (as row filters would on AWS)."""
        from dataclasses import asdict

        from lake.backends.ledger import SqliteLedger
        from lake.backends.records import SCHEMAS, Records

        self.con.execute("CREATE SCHEMA IF NOT EXISTS platform")
        ledger = [asdict(r) for r in SqliteLedger(self.home.ledger_db).records(self.zone)]
        for rec in ledger:
            rec["warnings"] = "; ".join(rec["warnings"])
        tables = {"ingest_ledger": ledger}
        records = Records(self.home.platform / "records.sqlite")
        tables |= {name: records.rows(name, self.zone) for name in SCHEMAS}
        for name, rows in tables.items():
            if not rows:
                continue
            self.con.register(f"_platform_{name}", pa.Table.from_pylist(rows))
            self.con.execute(f"CREATE VIEW platform.{name} AS SELECT * FROM _platform_{name}")

    def check(self, sql: str) -> str:
        """Authorize and transpile one Athena statement; returns the DuckDB SQL."""
        try:
            tree = parse_sql(sql)
        except sqlglot.errors.SqlglotError as err:
            raise QueryError(f"not valid Athena SQL: {err}") from err
        known = set(self.cfg.all_tables()) | {t for t in self.readable if t.endswith("__quarantine")}
        for ref in sorted(table_refs(tree)):
            if "." not in ref:
                raise QueryError(f"name the table with its database, as in Athena: <zone>_<layer>.{ref}")
            if ref not in self.readable:
                zone, _, layer = ref.split(".")[0].rpartition("_")
                own_missing = zone == self.zone and layer in LAYERS and ref not in known
                if zone in self.cfg.zones and not own_missing:  # landing, or another zone's table
                    raise AccessDenied(f"access denied: zone {self.zone} cannot read {ref}")
                raise QueryError(f"table {ref} does not exist")
        return tree.sql(dialect="duckdb")

    def execute(self, sql: str) -> duckdb.DuckDBPyRelation:
        duck_sql = self.check(sql)
        try:
            return self.con.sql(duck_sql)
        except duckdb.Error as err:
            raise QueryError(str(err).splitlines()[0]) from err

    def arrow(self, sql: str) -> pa.Table:
        return self.execute(sql).to_arrow_table()

    def batches(self, sql: str, rows: int = 10_000) -> Iterator[pa.RecordBatch]:
        """Stream the result: large answers never sit in memory whole."""
        reader = self.execute(sql).to_arrow_reader(rows)
        yield from reader
