"""Who is asking, and what Lake Formation would let them see.

``--zone Z`` asks as zone Z's ordinary reader: Z's own staging/ODS/analytics tables and the
tables published to Z, never PII columns. ``--as PRINCIPAL`` asks as a principal named in
some ``zone.yaml`` (``readers`` or ``pii_readers``): the union of the grants of every zone
naming it, with PII columns only of the tables owned by zones that list it as a PII reader.
There is no all-seeing default.
"""

from __future__ import annotations

from dataclasses import dataclass

from lake.config import LakeConfig
from lake.config.pii_lineage import pii_columns as lineage_pii_columns


class AccessDenied(PermissionError):
    pass


@dataclass(frozen=True)
class Grants:
    who: str  # "zone finance" or "principal finance_auditor", as messages name it
    zones: tuple[str, ...]  # zones whose reader the caller is (platform rows, quarantine tables)
    tables: frozenset[str]  # every <zone>_<layer>.<table> the caller may read
    pii_zones: frozenset[str]  # zones whose PII columns the caller may see

    @classmethod
    def for_zone(cls, cfg: LakeConfig, zone: str) -> Grants:
        if zone not in cfg.zones:
            raise AccessDenied(f"unknown zone '{zone}' (zones: {', '.join(sorted(cfg.zones))})")
        return cls(f"zone {zone}", (zone,), frozenset(_tables(cfg, zone)), frozenset())

    @classmethod
    def for_principal(cls, cfg: LakeConfig, principal: str) -> Grants:
        zones = tuple(sorted(z.name for z in cfg.zones.values()
                             if principal in z.spec.readers or principal in z.spec.pii_readers))
        if not zones:
            raise AccessDenied(f"access denied: principal {principal} is not a reader of any zone")
        pii = frozenset(z.name for z in cfg.zones.values() if principal in z.spec.pii_readers)
        tables = frozenset().union(*(_tables(cfg, z) for z in zones))
        return cls(f"principal {principal}", zones, tables, pii)

    def sees_pii_of(self, owner_zone: str) -> bool:
        return owner_zone in self.pii_zones


def _tables(cfg: LakeConfig, zone: str) -> set[str]:
    # A zone also reads the rows its quality gates held back (<zone>_ods.<dataset>__quarantine).
    held = {f"{zone}_ods.{d}__quarantine" for d in cfg.zones[zone].datasets}
    return cfg.readable_by(zone) | held


def owner(table: str) -> tuple[str, str, str]:
    """``finance_ods.expenses`` -> ("finance", "ods", "expenses")."""
    namespace, name = table.split(".", 1)
    zone, _, layer = namespace.rpartition("_")
    return zone, layer, name


def pii_columns(cfg: LakeConfig, table: str) -> set[str]:
    """PII-classified columns of a table, by column lineage (lake/config/pii_lineage.py): the same
    columns the AWS catalog governor tags (infra/governance/runtime/plan.py), so both modes hide
    the same ones. Test membership with ``column.lower() in pii_columns(...)``."""
    return lineage_pii_columns(cfg, table)
