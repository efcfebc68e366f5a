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


def _pii_names(cfg: LakeConfig, zones: set[str]) -> set[str]:
    return {c.name.lower() for z in zones for d in cfg.zones[z].datasets.values() for c in d.columns if c.is_pii}


def pii_columns(cfg: LakeConfig, table: str) -> set[str]:
    """PII-classified columns of a table (lower case), by the rule the AWS catalog governor
    tags them with (infra/governance/runtime/plan.py), so both modes hide the same columns:
    staging/ODS: the contract's PII columns (a side table such as ``__quarantine``: any PII
    name of the zone); analytics: any PII name of the zones the projection reads from.
    """
    zone, layer, name = owner(table)
    z = cfg.zones.get(zone)
    if z is None:
        return set()
    if layer in ("staging", "ods"):
        ds = z.datasets.get(name)
        return {c.name.lower() for c in ds.columns if c.is_pii} if ds else _pii_names(cfg, {zone})
    proj = z.projections.get(name)
    tables = cfg.all_tables()
    upstream = {tables[t].name for t in (proj.reads if proj else ()) if t in tables} | {zone}
    return _pii_names(cfg, upstream)
