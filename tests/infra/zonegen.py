"""Generate N insight zones (same file format as insight_zones/) for scale and isolation tests.

Zone k has D datasets (one PII column each), a projection ``summary_k`` over its first dataset,
published to zone k+1, and (for k > 0) a projection ``combined_k`` reading zone k-1's summary:
a chain of cross-zone reads with no cycle.
"""

from __future__ import annotations

from pathlib import Path

import yaml


def zone_name(k: int) -> str:
    return f"zone{k:02d}"


def _contract(zone: str, name: str) -> dict:
    prop = lambda n, t, **kw: {"name": n, "logicalType": t, "physicalType": t, **kw}  # noqa: E731
    return {
        "apiVersion": "v3.1.0", "kind": "DataContract", "id": f"{zone}.{name}", "name": name, "version": "1.0.0",
        "status": "active", "domain": zone,
        "schema": [{"name": name, "logicalType": "object", "physicalType": "table", "properties": [
            prop("id", "string", required=True, primaryKey=True, primaryKeyPosition=1),
            prop("amount", "integer"),
            prop("email", "string", classification="pii"),
            prop("updated_at", "timestamp"),
        ]}],
        "customProperties": [{"property": "format", "value": "csv"}, {"property": "latestWins", "value": "updated_at"}],
    }


def generate(root: Path, zones: int = 50, datasets: int = 10) -> Path:
    for k in range(zones):
        z, folder = zone_name(k), root / zone_name(k)
        (folder / "datasets").mkdir(parents=True)
        (folder / "projections").mkdir()
        spec = {
            "zone": z, "description": f"Generated zone {k}",
            "owners": [{"name": f"Owner {k}", "email": f"owner{k}@example.com"}],
            "producers": [f"{z}_producer"], "readers": [f"{z}_analyst"], "pii_readers": [f"{z}_auditor"],
            "publish": ([{"table": f"{z}_analytics.summary_{k}", "to": [zone_name((k + 1) % zones)]}]
                        if zones > 1 else []),
        }
        (folder / "zone.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
        for d in range(datasets):
            (folder / "datasets" / f"d{d}.yaml").write_text(yaml.safe_dump(_contract(z, f"d{d}"), sort_keys=False))
        (folder / "projections" / f"summary_{k}.sql").write_text(
            f"SELECT id, SUM(amount) AS total FROM {z}_ods.d0 GROUP BY id\n")
        if k > 0:
            up = zone_name(k - 1)
            (folder / "projections" / f"combined_{k}.sql").write_text(
                f"SELECT s.id, s.total, d.amount FROM {up}_analytics.summary_{k - 1} s "
                f"JOIN {z}_ods.d1 d ON s.id = d.id\n")
    return root
