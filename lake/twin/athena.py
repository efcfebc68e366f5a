"""Athena in the twin: a query through a zone's workgroup is answered by the local query engine
(DuckDB over the twin's S3), with the permissions Lake Formation would give the workgroup's
principals, read from the deployment, not from the zone config: the ``PrincipalPermissions`` of the
templates (LF-tag expressions, named tables), evaluated against the LF-tags on databases (the
templates' tag associations), tables and columns (applied by the deployed catalog governor). A grant
the templates lack is a table the query cannot read; a column whose tags no grant matches is
hidden, and naming it is denied. Several principals share a workgroup: a zone's query gets what
all of them may read (its ordinary readers), like ``lake query --zone``. The JSON tables of the
catalog (``platform.*``) are read from the twin's S3 with the templates' data cells filters
(``lake.twin.platform_records``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from lake.config import LakeConfig
from lake.query.engine import QueryEngine
from lake.query.grants import Grants
from lake.twin import platform_records as records
from lake.twin.access.principals import workgroup_principals
from lake.twin.deploy import Deployment


@dataclass
class TwinHome:
    """The parts of a lake home the query engine reads, over the twin's S3 mirror."""

    staging: Path
    warehouse: Path
    platform: Path

    def table_location(self, table: str) -> Path:
        namespace, name = table.split(".", 1)
        return self.warehouse / namespace / name


class LakeFormation:
    def __init__(self, dep: Deployment, lf: Any) -> None:
        self.grants = [r.properties for r in dep.of_type("AWS::LakeFormation::PrincipalPermissions")]
        self.lf = lf

    def _tags(self, db: str, table: str) -> tuple[dict[str, list[str]], dict[str, dict[str, list[str]]]]:
        got = self.lf.get_resource_lf_tags(Resource={"Table": {"DatabaseName": db, "Name": table}})
        base = {t["TagKey"]: t["TagValues"] for t in got.get("LFTagOnDatabase", [])}
        base |= {t["TagKey"]: t["TagValues"] for t in got.get("LFTagsOnTable", [])}
        per_column = {c["Name"]: base | {t["TagKey"]: t["TagValues"] for t in c.get("LFTags", [])}
                      for c in got.get("LFTagsOnColumns", [])}
        return base, per_column

    def visible_columns(self, principal: str, db: str, table: str, columns: list[str]) -> set[str]:
        base, per_column = self._tags(db, table)
        visible: set[str] = set()
        for g in self.grants:
            if g["Principal"]["DataLakePrincipalIdentifier"] != principal or "SELECT" not in g["Permissions"]:
                continue
            res = g["Resource"]
            policy = res.get("LFTagPolicy")
            if policy and policy.get("ResourceType") == "TABLE":
                for col in columns:
                    tags = per_column.get(col, base)
                    if all(any(v in tags.get(e["TagKey"], []) for v in e["TagValues"]) for e in policy["Expression"]):
                        visible.add(col)
            named = res.get("Table") or res.get("TableWithColumns")
            if named and named.get("DatabaseName") == db and named.get("Name") in (table, None):
                visible |= set(named.get("ColumnNames") or columns)
        return visible


class TwinAthena(QueryEngine):
    """``QueryEngine`` with the deployment's grants and the twin's storage."""

    def __init__(self, cfg: LakeConfig, home: TwinHome, zone: str, tables: dict[str, set[str]],
                 platform: dict[str, pa.Table] | None = None) -> None:
        # tables: "<db>.<table>" -> the columns the workgroup may read (tables it may not read are absent);
        # platform: "<db>.<table>" -> the rows and columns of a JSON table the workgroup may read
        self._visible = tables
        self._platform_rows = platform or {}
        grants = Grants(f"zone {zone}", (zone,), frozenset(tables), frozenset())
        super().__init__(cfg, home, zone, grants=grants,  # type: ignore[arg-type]
                         platform=tuple(sorted(self._platform_rows)))

    def _register_platform(self) -> None:
        """Copied in as Arrow tables: the connection gets no folder of the records to read."""
        for table, rows in sorted(self._platform_rows.items()):
            namespace = table.split(".")[0]
            self._con.execute(f'CREATE SCHEMA IF NOT EXISTS "{namespace}"')
            self._con.register("_platform_rows", rows)
            self._con.execute(f"CREATE TABLE {table} AS SELECT * FROM _platform_rows")
            self._con.unregister("_platform_rows")

    def _raw_source(self, table: str, snapshot: str = "") -> str | None:
        location = self.home.table_location(table)
        if (location / "metadata" / "version-hint.text").exists():
            return f"SELECT * FROM iceberg_scan('{location}', allow_moved_paths = true{snapshot})"
        return super()._raw_source(table, snapshot)

    def _source(self, table: str, snapshot: str = "") -> str | None:
        raw = self._raw_source(table, snapshot)
        if raw is None:
            return None
        present = self._con.sql(raw).columns
        hidden = [c for c in present if c not in self._visible[table] and not c.startswith("_")]
        self.hidden[table] = {c.lower() for c in hidden}
        if not hidden:
            return raw
        return f"SELECT * EXCLUDE ({', '.join(chr(34) + c + chr(34) for c in hidden)}) FROM ({raw})"


def for_zone(twin: Any, cfg: LakeConfig, zone: str) -> TwinAthena:
    """The query engine as zone ``zone``'s workgroup (``<prefix>-<zone>``) answers."""
    from lake.twin.glue import CATALOG_BUCKET
    from lake.twin.scenario import deployment_setting

    dep = twin.deployment
    workgroup = next(r.ref for r in dep.of_type("AWS::Athena::WorkGroup") if r.ref.endswith(f"-{zone}"))
    principals = workgroup_principals(dep, workgroup)
    lf = LakeFormation(dep, twin.client("lakeformation", f"athena:{workgroup}"))
    glue = twin.client("glue", f"athena:{workgroup}")
    tables: dict[str, set[str]] = {}
    platform: dict[str, pa.Table] = {}
    s3 = twin.client("s3", f"athena:{workgroup}")
    for db in glue.get_databases()["DatabaseList"]:
        for t in glue.get_tables(DatabaseName=db["Name"])["TableList"]:
            cols = [c["Name"] for c in t.get("StorageDescriptor", {}).get("Columns", []) + t.get("PartitionKeys", [])]
            if records.is_json_table(t):
                def whole(p: str, db: str = db["Name"], t: str = t["Name"], cols: list[str] = cols) -> set[str]:
                    return lf.visible_columns(p, db, t, cols)
                grant = records.workgroup_access(records.access(dep, p, db["Name"], t["Name"], cols, whole)
                                                 for p in sorted(principals))
                if grant is not None:
                    platform[f"{db['Name']}.{t['Name']}"] = records.visible(records.read_rows(s3, t), grant)
                continue
            seen = [lf.visible_columns(p, db["Name"], t["Name"], cols) for p in principals]
            visible = set.intersection(*seen) if seen else set()
            if visible:
                tables[f"{db['Name']}.{t['Name']}"] = visible
    for name in sorted([*tables, *platform]):  # what AWS reads for the workgroup's queries (the access proof)
        db, _, tbl = name.partition(".")
        twin.calls.record(f"athena-query:{workgroup}", "glue:GetTable", {"DatabaseName": db, "Name": tbl})
    twin.glue.mirror.export(twin.client("s3"))
    root = twin.glue.mirror.root
    home = TwinHome(root / deployment_setting(twin, "STAGING_BUCKET"), root / CATALOG_BUCKET / "warehouse",
                    twin.work / "no-platform-tables")
    return TwinAthena(cfg, home, zone, tables, platform)
