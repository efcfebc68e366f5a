"""Contracts checked against the tables already built from them.

``lake validate`` refuses a contract that would remove, rename or narrow a column of an
existing ODS table without a new major version: the same rule ``to_ods`` enforces, caught
in the pull request instead of at run time. Reads Iceberg metadata files directly, no Spark.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lake.config import evolution
from lake.config.loader import LakeConfig
from lake.config.problems import Problem

_ICEBERG = {"long": "bigint", "int": "int", "string": "string", "boolean": "boolean", "date": "date",
            "timestamptz": "timestamp", "timestamp": "timestamp", "double": "double", "float": "float"}


def iceberg_schema(table_dir: Path) -> tuple[dict[str, str], dict[str, str]] | None:
    """(column -> Spark-style simple type, table properties) of an Iceberg Hadoop table, if built."""
    hint = table_dir / "metadata" / "version-hint.text"
    if not hint.exists():
        return None
    meta = json.loads((table_dir / "metadata" / f"v{hint.read_text().strip()}.metadata.json").read_text())
    schema = next(s for s in meta["schemas"] if s["schema-id"] == meta["current-schema-id"])
    cols = {}
    for f in schema["fields"]:
        t = f["type"] if isinstance(f["type"], str) else "struct"
        cols[f["name"]] = re.sub(r"\s+", "", t) if t.startswith("decimal") else _ICEBERG.get(t, t)
    return cols, meta.get("properties", {})


def check_against(cfg: LakeConfig, warehouse: Path) -> list[Problem]:
    problems = []
    for zone in cfg.zones.values():
        for ds in zone.datasets.values():
            found = iceberg_schema(warehouse / f"{zone.name}_ods" / ds.name)
            if found is None:
                continue
            columns, props = found
            built_from = props.get("lake.contract.version", "0")
            if evolution.major(built_from) != evolution.major(ds.version):
                continue  # a new major version rebuilds the table from staging
            rel = ds.path.relative_to(cfg.root.parent) if ds.path.is_relative_to(cfg.root.parent) else ds.path
            for message in evolution.plan(ds, columns).breaking:
                problems.append(Problem(str(rel), "schema", f"{message} in {zone.name}_ods.{ds.name} (built from "
                                        f"contract {built_from}); a breaking change needs a new major version"))
    return problems
