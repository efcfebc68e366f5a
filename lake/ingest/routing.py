"""Keys of the ingestion path, in one place: what an ingress key means and where its copies go.

Ingress:    <zone>/<dataset>/[sub/folders/]<file>
Landing:    <zone>/<dataset>/ingest_date=YYYY-MM-DD/<ingest_id>/<file>
Quarantine: _quarantine/<zone>/<dataset>/ingest_date=YYYY-MM-DD/<ingest_id>/<file>[.report.json]
            (unroutable objects: _quarantine/_unroutable/ingest_date=.../<ingest_id>/<file>)
Staging:    <zone>/<dataset>/ingest_date=YYYY-MM-DD/<ingest_id>.parquet
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from lake.config import Dataset, LakeConfig
from lake.config.layout import QUARANTINE, UNROUTABLE


@dataclass(frozen=True)
class Route:
    """Where an ingress object belongs. ``dataset`` is None when it is unroutable (see ``reason``)."""

    key: str
    filename: str
    zone: str | None = None
    dataset: Dataset | None = None
    reason: str | None = None

    @property
    def routable(self) -> bool:
        return self.dataset is not None


def ignored(key: str) -> bool:
    """Folder markers and hidden files (``.DS_Store``, editors' temp files) are not data."""
    return key.endswith("/") or any(part.startswith(".") for part in key.split("/") if part)


def route(cfg: LakeConfig, key: str) -> Route | None:
    """The route of an ingress key, or None when the key is to be ignored."""
    if ignored(key):
        return None
    parts = key.split("/")
    filename = parts[-1]
    if any(p in ("", "..") for p in parts):
        return Route(key, filename or "object", reason=f"key '{key}' has an empty or '..' path segment")
    if len(parts) < 3:
        return Route(key, filename, parts[0] if len(parts) > 1 else None,
                     reason=f"key '{key}' is not <zone>/<dataset>/<file>")
    zone_name, dataset_name = parts[0], parts[1]
    zone = cfg.zones.get(zone_name)
    if zone is None:
        return Route(key, filename, reason=f"unknown zone '{zone_name}' (known: {', '.join(sorted(cfg.zones))})")
    dataset = zone.datasets.get(dataset_name)
    if dataset is None:
        known = ", ".join(sorted(zone.datasets)) or "none"
        return Route(key, filename, zone_name,
                     reason=f"zone '{zone_name}' has no dataset '{dataset_name}' (known: {known})")
    return Route(key, filename, zone_name, dataset)


def landing_key(zone: str, dataset: str, ingest_date: str, ingest_id: str, filename: str) -> str:
    return f"{zone}/{dataset}/ingest_date={ingest_date}/{ingest_id}/{filename}"


def quarantine_key(zone: str | None, dataset: str | None, ingest_date: str, ingest_id: str, filename: str) -> str:
    where = f"{zone}/{dataset}" if zone and dataset else UNROUTABLE
    return f"{QUARANTINE}/{where}/ingest_date={ingest_date}/{ingest_id}/{filename}"


def staging_key(zone: str, dataset: str, ingest_date: str, ingest_id: str) -> str:
    return f"{zone}/{dataset}/ingest_date={ingest_date}/{ingest_id}.parquet"


@dataclass(frozen=True)
class LandingRef:
    zone: str
    dataset: str
    ingest_date: str
    ingest_id: str
    filename: str


def parse_landing_key(key: str) -> LandingRef | None:
    """The parts of a landing key; None for anything else (quarantine, metadata, stray keys)."""
    parts = key.split("/")
    if len(parts) != 5 or parts[0] == QUARANTINE or not parts[2].startswith("ingest_date="):
        return None
    return LandingRef(parts[0], parts[1], parts[2].removeprefix("ingest_date="), parts[3], parts[4])


def is_gzip(filename: str) -> bool:
    return posixpath.splitext(filename)[1].lower() == ".gz"
