"""What LF-tags a catalog table of the lake should carry, from the zone config alone (pure).

Databases carry ``sensitivity=pii`` (fail closed); this plan marks each column explicitly:
``pii`` when the contracts say so, ``general`` otherwise. A column is PII when
  - staging/ODS: it is a PII column of the zone's dataset of that name, or (for the platform's
    side tables, e.g. held-back rows) a PII column of any dataset of the zone;
  - analytics: it derives from a PII column by column lineage, whatever its name, across
    projections and zones (lake/config/pii_lineage.py, the rule ``lake query`` hides them by);
    every column of a Python projection reading PII unless it declares ``PII_COLUMNS``; a column
    the projection's SQL does not produce (a table built from older SQL) until it is rebuilt.
Lineage columns (``_ingest_id``, ``_promoted_at`` ...) are ``general``. A table published to
zone Z carries ``shared_with_Z=true``; a table no longer published to Z loses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lake.config import LakeConfig
from lake.config.pii_lineage import pii_columns as lineage_pii_columns
from lake.namespace import logical_database, shared_with

LAYERS = ("staging", "ods", "analytics")
SENSITIVITY, PII, GENERAL = "sensitivity", "pii", "general"
SHARED_PREFIX, SHARED_VALUE = "shared_with_", "true"


@dataclass
class TablePlan:
    database: str
    table: str
    pii_columns: list[str] = field(default_factory=list)
    general_columns: list[str] = field(default_factory=list)
    shared_with: list[str] = field(default_factory=list)

    @property
    def shared_tags(self) -> dict[str, str]:
        return {shared_with(z): SHARED_VALUE for z in self.shared_with}


def zone_and_layer(cfg: LakeConfig, database: str) -> tuple[str, str] | None:
    for layer in LAYERS:
        zone = database.removesuffix(f"_{layer}")
        if zone != database and zone in cfg.zones:
            return zone, layer
    return None


def pii_columns(cfg: LakeConfig, zone: str, layer: str, table: str) -> set[str]:
    return lineage_pii_columns(cfg, f"{zone}_{layer}.{table}")


def plan(cfg: LakeConfig, database: str, table: str, columns: list[str]) -> TablePlan | None:
    """The tags for one table (``database``: as the stage's catalog names it), or None when the table is
    not one of the lake's zones in this stage's namespace."""
    logical = logical_database(database)
    where = zone_and_layer(cfg, logical) if logical else None
    if where is None:
        return None
    zone, layer = where
    pii = pii_columns(cfg, zone, layer, table)
    result = TablePlan(database, table)
    for col in columns:
        (result.pii_columns if col.lower() in pii else result.general_columns).append(col)
    result.shared_with = sorted(cfg.zones[zone].spec.published_to(f"{logical}.{table}"))
    return result
