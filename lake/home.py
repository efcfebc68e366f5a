"""The local lake's layout under ``$LAKE_HOME`` (default ``./.lake``).

One place names every folder, so the handlers, jobs and CLI agree on where data lives.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = ".lake"


@dataclass(frozen=True)
class LakeHome:
    root: Path

    @classmethod
    def resolve(cls, home: str | Path | None = None) -> LakeHome:
        return cls(Path(home or os.environ.get("LAKE_HOME") or DEFAULT_HOME).resolve())

    # Buckets: locally each is a folder; keys inside are the S3 keys.
    @property
    def ingress(self) -> Path:
        return self.root / "ingress"

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def staging(self) -> Path:
        return self.root / "staging"

    @property
    def warehouse(self) -> Path:
        """Iceberg Hadoop catalog: ``<zone>_ods`` and ``<zone>_analytics`` namespaces."""
        return self.root / "warehouse"

    @property
    def platform(self) -> Path:
        """Ledger, run log, quality results, lineage, alerts, keys."""
        return self.root / "platform"

    @property
    def ledger_db(self) -> Path:
        return self.platform / "ledger.sqlite"

    @property
    def records_db(self) -> Path:
        """Runs, quality results, projection builds (``lake.backends.records``)."""
        return self.platform / "records.sqlite"

    def bucket(self, name: str) -> Path:
        return self.root / name

    def table_location(self, table: str) -> Path:
        namespace, name = table.split(".")
        return self.warehouse / namespace / name

    def ensure(self) -> LakeHome:
        for p in (self.ingress, self.landing, self.staging, self.warehouse, self.platform):
            p.mkdir(parents=True, exist_ok=True)
        return self
