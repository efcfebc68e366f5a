"""``lake query``: Athena (Trino) SQL, checked against the caller's grants, run on DuckDB.

Isolation is enforced twice, and each wall holds on its own:

1. the check (``check``, with ``lake.query.guard``): only queries run; every relation is resolved
   per scope with sqlglot (``lake.config.projection.real_tables``) and must be a plain
   ``<db>.<table>`` name the caller may read; paths, table functions, catalog-qualified names,
   DuckDB's file, setting and catalog functions are refused with ``access denied``;
2. the connection (``lake.query.duck.lock``): it holds only views of the readable tables, built
   without the PII columns the caller may not see, and once they are attached DuckDB's external
   access is off except for exactly those tables' folders, with its configuration locked.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from lake.config import Dataset, LakeConfig
from lake.config.loader import LAYERS
from lake.config.projection import TableRefError, parse_sql, real_tables
from lake.home import LakeHome
from lake.query import guard
from lake.query.duck import connect, lock
from lake.query.grants import AccessDenied, Grants, owner, pii_columns
from lake.query.platform import register_platform
from lake.sql import NotSupported, Schema, to_duckdb
from lake.sql import duck as athena_duck

PLATFORM_TABLES = ("platform.ingest_ledger", "platform.runs", "platform.quality_results", "platform.erasures")
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
    """Queries as ``zone``'s ordinary reader, or as ``principal`` (a name in some zone.yaml).

    What it may read is fixed when it opens (``readable`` is frozen, the DuckDB configuration locked)."""

    def __init__(self, cfg: LakeConfig, home: LakeHome, zone: str | None = None, *, principal: str | None = None,
                 grants: Grants | None = None, platform: tuple[str, ...] = PLATFORM_TABLES):
        """``grants`` given: queries with exactly those (the twin's, read from a deployment's Lake Formation
        grants); ``platform``: the platform tables to offer."""
        if grants is None:
            if (zone is None) == (principal is None):
                raise ValueError("query as exactly one of a zone or a principal")
            grants = Grants.for_zone(cfg, zone) if zone else Grants.for_principal(cfg, principal or "")
        self.grants = grants
        self.cfg, self.home = cfg, home
        self.zone = zone or self.grants.zones[0]
        self.readable = frozenset(self.grants.tables) | frozenset(platform)
        self.platform = frozenset(platform)  # copied into the connection, not read from a folder
        self.hidden: dict[str, set[str]] = {}  # table -> PII columns left out of its view
        self._travels = 0
        self._con = connect()
        for name, value in athena_duck.SETTINGS.items():  # Athena semantics (lake.sql), before the lock
            self._con.execute(f"SET {name} = {value}")
        self._register()
        if platform:
            self._register_platform()
        lock(self._con, [self._folder(t) for t in self.readable - self.platform if not self._pii_staged(t)])

    # -- views ---------------------------------------------------------------------------
    def _folder(self, table: str) -> Path:
        zone, layer, name = owner(table)
        return self.home.staging / zone / name if layer == "staging" else self.home.table_location(table)

    def _pii_staged(self, table: str) -> bool:
        """A staging table holding PII (in clear) that the caller may not see."""
        zone, layer, _ = owner(table)
        return layer == "staging" and not self.grants.sees_pii_of(zone) and bool(pii_columns(self.cfg, table))

    def _staged_without_pii(self, table: str, files: list[Path]) -> str:
        """Staged files read by pyarrow with the PII columns left out (projections and filters still pushed
        down, still streaming): DuckDB gets no access to the folder, so even a query that slipped past the
        check could not read those columns."""
        pii = pii_columns(self.cfg, table)
        schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
        visible = pa.schema([f for f in schema if f.name.lower() not in pii and f.name != "ingest_date"])
        view = "_staged_" + table.replace(".", "__")
        self._con.register(view, ds.dataset([str(f) for f in files], format="parquet", schema=visible))
        return f'SELECT * FROM "{view}"'

    def _raw_source(self, table: str, snapshot: str = "") -> str | None:
        zone, layer, name = owner(table)
        folder = self._folder(table)
        if layer == "staging":
            files = sorted(folder.rglob("*.parquet"))
            if files and self._pii_staged(table):
                return self._staged_without_pii(table, files)
            if files:
                return (f"SELECT * EXCLUDE (ingest_date) FROM read_parquet('{folder}/**/*.parquet', "
                        "hive_partitioning = true, union_by_name = true)")
            ds = self.cfg.dataset(zone, name)
            return _empty_view(ds) if ds else None
        if self._iceberg(table):
            return f"SELECT * FROM iceberg_scan('{folder}'{snapshot})"
        ds = self.cfg.dataset(zone, name)
        return _empty_view(ds) if ds and layer == "ods" and not snapshot else None

    def _source(self, table: str, snapshot: str = "") -> str | None:
        """The view body: the table's data without the PII columns the caller may not see."""
        raw = self._raw_source(table, snapshot)
        if raw is None or self.grants.sees_pii_of(owner(table)[0]):
            return raw
        pii = pii_columns(self.cfg, table)
        present = [c for c in self._con.sql(raw).columns if c.lower() in pii] if pii else []
        self.hidden[table] = set(pii) | {c.lower() for c in present}  # PiiColumns may match by rule, not list
        if not present:
            return raw
        return f"SELECT * EXCLUDE ({', '.join(map(_quote, present))}) FROM ({raw})"

    def _register_platform(self) -> None:
        register_platform(self._con, self.home, self.grants.zones, self.platform)

    def _register(self) -> None:
        for table in sorted(self.readable - set(PLATFORM_TABLES) - self.platform):
            source = self._source(table)
            if source is None:
                continue  # e.g. a projection not built yet: querying it says "does not exist"
            namespace = table.split(".")[0]
            self._con.execute(f'CREATE SCHEMA IF NOT EXISTS "{namespace}"')
            self._con.execute(f"CREATE VIEW {table} AS {source}")

    # -- checking ------------------------------------------------------------------------
    def _denied(self, what: str) -> AccessDenied:
        return AccessDenied(f"access denied: {self.grants.who} cannot read {what}")

    def _check_table(self, ref: str, known: set[str]) -> None:
        if ref in self.readable:
            return
        if "." not in ref:
            if any(t.endswith(f".{ref}") for t in known):
                raise QueryError(f"name the table with its database, as in Athena: <zone>_<layer>.{ref}")
            raise self._denied(ref)  # e.g. sqlite_master, a DuckDB catalog
        zone, layer, _ = owner(ref)
        if zone in self.grants.zones and layer in LAYERS and ref not in known:
            raise QueryError(f"table {ref} does not exist")  # the caller's own zone: nothing to hide
        raise self._denied(ref)  # landing, another zone's table, a system catalog

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
            tokens = guard.statement_tokens(sql, self.grants.who)
        except sqlglot.errors.SqlglotError as err:
            raise QueryError(f"not valid Athena SQL: {err}") from err
        try:
            tree = parse_sql(sql)
        except sqlglot.errors.SqlglotError as err:
            guard.check_calls(tokens, self.grants.who)
            raise QueryError(f"not valid Athena SQL: {err}") from err
        if not isinstance(tree, exp.Query | exp.Values):
            raise AccessDenied(f"access denied: {self.grants.who} may run queries only (SELECT, WITH, VALUES)")
        try:
            tables = real_tables(tree)
        except TableRefError as err:
            raise self._denied(str(err)) from err
        guard.check_functions(tree, self.grants.who)
        known = set(self.cfg.all_tables()) | {t for t in self.readable if t.endswith("__quarantine")}
        refs = {ref.removesuffix("$snapshots") for _, ref in tables}
        for ref in sorted(refs):
            self._check_table(ref, known)
        for t, ref in tables:  # DuckDB runs exactly the names checked: lower case, unquoted
            db, name = ref.split(".")
            t.set("db", exp.to_identifier(db))
            t.set("this", exp.to_identifier(name))
        self._check_columns(tree, refs)
        self._time_travel([t for t, _ in tables])
        try:
            return to_duckdb(tree, self._schema(refs))
        except NotSupported as err:
            raise QueryError(str(err)) from err

    def _time_travel(self, tables: list[exp.Table]) -> None:
        """``FOR VERSION AS OF <snapshot id>`` / ``FOR TIMESTAMP AS OF <ts>`` on an Iceberg table, as
        in Athena: the table is swapped for a view of that snapshot (same PII rules)."""
        for t in tables:
            version = t.args.get("version")
            if t.name.endswith("$snapshots"):
                self._snapshots(t)
            if version is None:
                continue
            ref = f"{t.db}.{t.name}"
            value = version.expression
            if version.name.upper() == "VERSION":
                if not (isinstance(value, exp.Literal) and not value.is_string and value.this.isdigit()):
                    raise QueryError(f"FOR VERSION AS OF needs an Iceberg snapshot id (a number), got {value.sql()}")
                arg = f", snapshot_from_id = {value.this}"
            elif not value.find(exp.Column, exp.Subquery, exp.Table, exp.Query):  # a constant, nothing read
                arg = f", snapshot_from_timestamp = {value.sql(dialect='duckdb', comments=False)}"
            else:
                raise QueryError(f"FOR TIMESTAMP AS OF needs a constant timestamp, got {value.sql()}")
            if ref.startswith("platform.") or owner(ref)[1] == "staging" or not self._iceberg(ref):
                raise QueryError(f"time travel needs an Iceberg table (ODS or analytics, built): {ref}")
            self._travels += 1
            view = f"_as_of_{self._travels}"
            self._con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS {self._source(ref, arg)}')
            t.replace(exp.Table(this=exp.to_identifier(view), alias=exp.TableAlias(
                this=exp.to_identifier(t.alias or t.name))))

    def _snapshots(self, t: exp.Table) -> None:
        """Athena's ``"<table>$snapshots"`` metadata table: the ids and times to travel to."""
        ref = f"{t.db}.{t.name}".removesuffix("$snapshots")
        if not self._iceberg(ref):
            raise QueryError(f"{ref} has no snapshots: it is not a built Iceberg table")
        self._travels += 1
        view = f"_snapshots_{self._travels}"
        self._con.execute(f'CREATE OR REPLACE TEMP VIEW "{view}" AS SELECT CAST(timestamp_ms AS TIMESTAMPTZ) '
                          "AS committed_at, snapshot_id, sequence_number, manifest_list "
                          f"FROM iceberg_snapshots('{self.home.table_location(ref)}')")
        t.replace(exp.Table(this=exp.to_identifier(view), alias=exp.TableAlias(this=exp.to_identifier(t.alias or "s"))))

    def _iceberg(self, table: str) -> bool:
        return (self.home.table_location(table) / "metadata" / "version-hint.text").exists()

    def _schema(self, refs: set[str]) -> Schema:
        """The column types of the tables the query reads, as DuckDB has them (Trino spelling)."""
        schema: Schema = {}
        for ref in refs:
            try:
                rel = self._con.sql(f"SELECT * FROM {ref} LIMIT 0")
            except duckdb.Error as err:  # e.g. a projection not built yet: said before any typing problem
                if "_analytics." in ref and not self._iceberg(ref):
                    raise QueryError(f"{ref} is not built yet: `lake run` builds it once its inputs are loaded") \
                        from err
                raise QueryError(str(err).splitlines()[0]) from err
            db, name = ref.split(".")
            columns = schema.setdefault(db, {}).setdefault(name, {})
            for c, t in zip(rel.columns, rel.types, strict=True):
                try:
                    columns[c.lower()] = exp.DataType.build(str(t), dialect="duckdb").sql(dialect="trino")
                except sqlglot.errors.SqlglotError:
                    continue  # left untyped: what needs its type is refused, never guessed
        return schema

    # -- running -------------------------------------------------------------------------
    @contextmanager
    def _errors(self) -> Iterator[None]:
        """DuckDB's refusals (the lock) read as the check's; other DuckDB errors as a failed query."""
        try:
            yield
        except duckdb.PermissionException as err:
            raise self._denied(f"that ({str(err).splitlines()[0]})") from err
        except duckdb.Error as err:
            raise QueryError(str(err).splitlines()[0]) from err

    def execute(self, sql: str) -> duckdb.DuckDBPyRelation:
        duck_sql = self.check(sql)
        with self._errors():
            return self._con.sql(duck_sql)

    def arrow(self, sql: str) -> pa.Table:
        rel = self.execute(sql)
        with self._errors():
            return rel.to_arrow_table()

    def batches(self, sql: str, rows: int = 10_000) -> Iterator[pa.RecordBatch]:
        """Stream the result: large answers never sit in memory whole."""
        rel = self.execute(sql)
        with self._errors():
            yield from rel.to_arrow_reader(rows)
