"""Where personal data can live, read from the contracts: what erasure must reach.

A zone holds personal data when one of its contracts declares a PII column (``classification:
pii`` or a ``pii`` treatment) or a data-subject column (``subject``). Its data then sits under
``<zone>/`` in every data layer, under ``_quarantine/<zone>/`` in landing, and (whatever the
zone) in the unroutable quarantine. Erasure requests themselves (they carry the raw value)
wait under ``_erasure/requests/`` in landing.

On AWS these prefixes are the erasure role's reach and the prefixes whose old object versions
expire within a day (infra/grants.py, infra/stacks/storage.py, infra/stacks/replica.py).
"""

from __future__ import annotations

from lake.config.layout import QUARANTINE, UNROUTABLE
from lake.config.loader import LakeConfig, Zone

ERASURE_REQUESTS = "_erasure/requests/"
LAYERS = ("ingress", "landing", "staging", "ods", "analytics")


def holds_pii(zone: Zone) -> bool:
    return any(c.is_pii or c.subject for ds in zone.datasets.values() for c in ds.columns)


def pii_zones(cfg: LakeConfig) -> list[str]:
    return sorted(name for name, zone in cfg.zones.items() if holds_pii(zone))


def pii_prefixes(cfg: LakeConfig) -> dict[str, list[str]]:
    """Key prefixes that may hold personal data, per data layer (bucket)."""
    own = [f"{z}/" for z in pii_zones(cfg)]
    landing = [*own, *(f"{QUARANTINE}/{p}" for p in own), f"{QUARANTINE}/{UNROUTABLE}/", ERASURE_REQUESTS]
    return {layer: (landing if layer == "landing" else list(own)) for layer in LAYERS}
