"""The backends one process works with, chosen in one place.

Handlers and jobs receive a ``Context`` and never construct a backend themselves, so the
same business code runs on AWS and on the embedded default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from lake.backends.alerts import Alerts, LocalAlerts
from lake.backends.ledger import Ledger, SqliteLedger
from lake.backends.records import PlatformRecords, Records
from lake.backends.storage import LocalStorage, Storage
from lake.config import LakeConfig, load_config
from lake.home import LakeHome
from lake.runtime import shipped


@dataclass(frozen=True)
class Buckets:
    ingress: str = "ingress"
    landing: str = "landing"  # also holds _quarantine/
    staging: str = "staging"

    @classmethod
    def from_env(cls) -> Buckets:
        return cls(os.environ.get("INGRESS_BUCKET", "ingress"), os.environ.get("LANDING_BUCKET", "landing"),
                   os.environ.get("STAGING_BUCKET", "staging"))


QUARANTINE_PREFIX = "_quarantine/"


@dataclass
class Context:
    cfg: LakeConfig
    home: LakeHome
    storage: Storage
    ledger: Ledger
    alerts: Alerts
    records: PlatformRecords
    buckets: Buckets = Buckets()

    @classmethod
    def local(cls, home: str | Path | None = None, config_root: str | Path | None = None) -> Context:
        h = LakeHome.resolve(home).ensure()
        cfg = load_config(config_root or os.environ.get("LAKE_CONFIG") or shipped.config_root())
        return cls(cfg, h, LocalStorage(h.root), SqliteLedger(h.ledger_db), LocalAlerts(h.platform / "alerts.jsonl"),
                   Records(h.platform / "records.sqlite"))

    def alert_zone(self, zone: str, severity: str, subject: str, detail: str = "", **context: object) -> None:
        """Alert the zone's owners and stewards, and the zones downstream of the table (subscribers,
        owners of dependent projections) — once per table and cause until it recovers."""
        from lake.backends.alerts import route

        route(self, zone, severity, subject, detail, **context)
