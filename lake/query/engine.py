"""``lake query``: Athena (Trino) SQL, checked against the caller's grants, run on DuckDB.

Isolation is enforced twice, as Lake Formation would: every table the statement names
(in subqueries, CTEs and joins too) must be readable by the caller, and the connection only
ever holds views of readable tables, built without the PII columns the caller may not see,
so nothing else can be reached by any path. Only SELECT statements run, and DuckDB's own
file-reading functions (``read_parquet``, ``iceberg_scan``, ...) are refused: Athena has none.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pyarrow as pa
import sqlglot
from sqlglot import exp

from lake.config import Dataset, LakeConfig
from lake.config.loader import LAYERS
from lake.config.projection import parse_sql, table_refs
from lake.home import LakeHome
from lake.query.dialect import rewrite
from lake.query.duck import connect
from lake.query.grants import AccessDenied, Grants, owner, pii_columns

PLATFORM_TABLES = ("platform.ingest_ledger", "platform.runs", "platform.quality_results", "platform.erasures")
# DuckDB functions that reach files, settings or the catalog directly: never from a query.
_FORBIDDEN_FUNCTIONS = ("read_", "iceberg_", "parquet_", "glob", "sniff_", "duckdb_", "pragma_", "query",
                        "delta_", "sqlite_", "postgres_", "mysql_", "getenv", "current_setting", "which_secret")

__all__ = ["AccessDenied", "QueryEngine", "QueryError"]


class QueryError(ValueError):
    pass


def _empty_view(ds: Dataset) -> str:
    cols = ", ".join(f"CAST(NULL AS {c.type.sql if c.type.name != 'timestamp' else 'TIMESTAMPTZ'}) AS \"{c.name}\""
                     for c in ds.columns)
    return f"SELECT {cols} WHERE false"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class QueryEngine:
    """Queries as ``zone``'s ordinary reader, or as ``principal`` (a name in some zone.yaml)."""

    def __init__(self, cfg: LakeConfig, home: LakeHome, zone: str | None = None, *, principal: str | None = None):
        if (zone is None) == (principal is None):
            raise ValueError("query as exactly one of a zone or a principal")
        self.grants = Grants.for_zone(cfg, zone) if zone else Grants.for_principal(cfg, principal or "")
        self.cfg, self.home = cfg, home
        self.zone = zone or self.grants.zones[0]
        self.readable = set(self.grants.tables) | set(PLATFORM_TABLES)
        self.hidden: dict[str, set[str]] = {}  # table -> PII columns left out of its view
        self._travels = 0
        self.con = connect()
        self.con.execute("SET integer_division = true")  # Trino: 7 / 2 = 3
        self._register()
        self._register_platform()

    # -- views ---------------------------------------------------------------------------
    def _raw_source(self, table: str, snapshot: str = "") -> str | None:
        zone, layer, name = owner(table)
        if layer == "staging":
            folder = self.home.staging / zone / name
            if any(folder.rglob("*.parquet")):
                return (f"SELECT * EXCLUDE (ingest_date) FROM read_parquet('{folder}/**/*.parquet', "
                        "hive_partitioning = true, union_by_name = true)")
            ds = self.cfg.dataset(zone, name)
            return _empty_view(ds) if ds else None
        location = self.home.table_location(table)
        if (location / "metadata" / "version-hint.text").exists():
            return f"SELECT * FROM iceberg_scan('{location}'{snapshot})"
        ds = self.cfg.dataset(zone, name)
        return _empty_view(ds) if ds and layer == "ods" and not snapshot else None

    def _source(self, table: str, snapshot: str = "") -> str | None:
        """The view body: the table's data without the PII columns the caller may not see."""
        raw = self._raw_source(table, snapshot)
        if raw is None or self.grants.sees_pii_of(owner(table)[0]):
            return raw
        pii = pii_columns(self.cfg, table)
        present = [c for c in self.con.sql(raw).columns if c.lower() in pii] if pii else []
        self.hidden[table] = pii
        if not present:
            return raw
        return f"SELECT * EXCLUDE ({', '.join(map(_quote, present))}) FROM ({raw})"

    def _register(self) -> None:
        for table in sorted(self.readable - set(PLATFORM_TABLES)):
            source = self._source(table)
            if source is None:
                continue  # e.g. a projection not built yet: querying it says "does not exist"
            namespace = table.split(".")[0]
            self.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{namespace}"')
            self.con.execute(f"CREATE VIEW {table} AS {source}")

    def _register_platform(self) -> None:
        """Platform records as tables, holding only the caller's zones' rows (as row filters would on AWS)."""
        from dataclasses import asdict

        from lake.backends.ledger import SqliteLedger
        from lake.backends.records import SCHEMAS, Records

        self.con.execute("CREATE SCHEMA IF NOT EXISTS platform")
        ledger = [asdict(r) for z in self.grants.zones for r in SqliteLedger(self.home.ledger_db).records(z)]
        for rec in ledger:
            rec["warnings"] = "; ".join(rec["warnings"])
        tables = {"ingest_ledger": ledger}
        records = Records(self.home.platform / "records.sqlite")
        tables |= {name: [r for z in self.grants.zones for r in records.rows(name, z)] for name in SCHEMAS}
        for name, rows in tables.items():
            if not rows:
                if f"platform.{name}" in PLATFORM_TABLES and name in SCHEMAS:  # none yet: empty, not missing
                    cols = ", ".join(f'CAST(NULL AS VARCHAR) AS "{c}"' for c in SCHEMAS[name])
                    self.con.execute(f"CREATE VIEW platform.{name} AS SELECT {cols} WHERE false")
                continue
            self.con.register(f"_platform_{name}", pa.Table.from_pylist(rows))
            self.con.execute(f"CREATE VIEW platform.{name} AS SELECT * FROM _platform_{name}")

    # -- checking ------------------------------------------------------------------------
    def _denied(self, what: str) -> AccessDenied:
        return AccessDenied(f"access denied: {self.grants.who} cannot read {what}")

    def _check_table(self, ref: str, known: set[str]) -> None:
        if "." not in ref:
            raise QueryError(f"name the table with its database, as in Athena: <zone>_<layer>.{ref}")
        if ref in self.readable:
            return
        zone, layer, _ = owner(ref)
        own_missing = zone in self.grants.zones and layer in LAYERS and ref not in known
        if zone in self.cfg.zones and not own_missing:  # landing, or another zone's table
            raise self._denied(ref)
        raise QueryError(f"table {ref} does not exist")

    def _check_shape(self, tree: exp.Expression) -> None:
        if not isinstance(tree, exp.Query):
            raise QueryError("only queries (SELECT, WITH, UNION ...) run here")
        for t in tree.find_all(exp.Table):
            if not isinstance(t.this, exp.Identifier):
                raise QueryError(f"table functions are not available: {t.this.sql(dialect='trino')}")
        for f in tree.find_all(exp.Func):
            name = (f.name if isinstance(f, exp.Anonymous) else f.sql_name()).lower()
            if name.startswith(_FORBIDDEN_FUNCTIONS):
                raise QueryError(f"function {name} is not available in Athena SQL")

    def _check_columns(self, tree: exp.Expression, refs: set[str]) -> None:
        """An explicit reference to a hidden PII column is denied, not merely 'not found'."""
        hidden = {c.lower(): t for t in sorted(refs) for c in self.hidden.get(t, ())}
        for col in tree.find_all(exp.Column):
            table = hidden.get(col.name.lower())
            if table:
                raise AccessDenied(f"access denied: {self.grants.who} cannot read {table}.{col.name} "
                                   "(PII: only the owning zone's pii_readers see it)")

    def check(self, sql: str) -> str:
        """Authorize and transpile one Athena statement; returns the DuckDB SQL."""
        try:
            tree = parse_sql(sql)
        except sqlglot.errors.SqlglotError as err:
            raise QueryError(f"not valid Athena SQL: {err}") from err
        self._check_shape(tree)
        known = set(self.cfg.all_tables()) | {t for t in self.readable if t.endswith("__quarantine")}
        refs = {r.removesuffix("$snapshots") for r in table_refs(tree)}
        for ref in sorted(refs):
            self._check_table(ref, known)
        self._check_columns(tree, refs)
        self._time_travel(tree)
        dates, decimals = self._typed_columns(refs)
        return rewrite(tree, dates, decimals).sql(dialect="duckdb")

    def _time_travel(self, tree: exp.Expression) -> None:
        """``FOR VERSION AS OF <snapshot id>`` / ``FOR TIMESTAMP AS OF <ts>`` on an Iceberg table, as
        in Athena: the table is swapped for a view of that snapshot (same PII rules)."""
        for t in list(tree.find_all(exp.Table)):
            version = t.args.get("version")
            if t.name.lower().endswith("$snapshots"):
                self._snapshots(t)
            if version is None:
                continue
            ref = f"{t.db}.{t.name}".lower()
            value = version.expression
            if version.name.upper() == "VERSION":
                if not (isinstance(value, exp.Literal) and not value.is_string and value.this.isdigit()):
                    raise QueryError(f"FOR VERSION AS OF needs an Iceberg snapshot id (a number), got {value.sql()}")
                arg = f", snapshot_from_id = {value.this}"
            else:
                arg = f", snapshot_from_timestamp = {value.sql(dialect='duckdb')}"
            if ref.startswith("platform.") or owner(ref)[1] == "staging" or not self._iceberg(ref):
                raise QueryError(f"time travel needs an Iceberg table (ODS or analytics, built): {ref}")
            self._travels += 1
            view = f"_as_of_{self._travels}"
            self.con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS {self._source(ref, arg)}')
            t.replace(exp.Table(this=exp.to_identifier(view), alias=exp.TableAlias(
                this=exp.to_identifier(t.alias or t.name))))

    def _snapshots(self, t: exp.Table) -> None:
        """Athena's ``"<table>$snapshots"`` metadata table: the ids and times to travel to."""
        ref = f"{t.db}.{t.name}".lower().removesuffix("$snapshots")
        if not self._iceberg(ref):
            raise QueryError(f"{ref} has no snapshots: it is not a built Iceberg table")
        self._travels += 1
        view = f"_snapshots_{self._travels}"
        self.con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT CAST(timestamp_ms AS TIMESTAMPTZ) '
                         "AS committed_at, snapshot_id, sequence_number, manifest_list "
                         f"FROM iceberg_snapshots('{self.home.table_location(ref)}')")
        t.replace(exp.Table(this=exp.to_identifier(view), alias=exp.TableAlias(this=exp.to_identifier(t.alias or "s"))))

    def _iceberg(self, table: str) -> bool:
        return (self.home.table_location(table) / "metadata" / "version-hint.text").exists()

    def _typed_columns(self, refs: set[str]) -> tuple[set[str], dict[str, int]]:
        """DATE columns, and DECIMAL columns with their scale, of the tables the query reads."""
        dates: set[str] = set()
        decimals: dict[str, int] = {}
        for ref in refs:
            try:
                rel = self.con.sql(f"SELECT * FROM {ref} LIMIT 0")
            except duckdb.Error:
                continue  # not built yet: running the query will say so
            for c, t in zip(rel.columns, map(str, rel.types), strict=True):
                if t == "DATE":
                    dates.add(c.lower())
                elif t.startswith("DECIMAL("):
                    decimals[c.lower()] = int(t.rstrip(")").split(",")[1])
        return dates, decimals

    # -- running -------------------------------------------------------------------------
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
