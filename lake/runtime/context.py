"""The backends one process works with, chosen in one place.

Handlers and jobs receive a ``Context`` and never construct a backend themselves, so the
same business code runs on AWS and on the embedded default. A Lambda or Glue job takes its
context from the environment (``context_from_env``: ``LAKE_BACKEND``, ``LAKE_HOME``, the
resource names); the local runtime hands its own in (``using``).
"""

from __future__ import annotations

import contextvars
import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
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
                   Records(h.records_db))

    def alert_zone(self, zone: str, severity: str, subject: str, detail: str = "", **context: object) -> None:
        """Alert the zone's owners and stewards, and the zones downstream of the table (subscribers,
        owners of dependent projections) — once per table and cause until it recovers."""
        from lake.backends.alerts import route

        route(self, zone, severity, subject, detail, **context)


_current: contextvars.ContextVar[Context | None] = contextvars.ContextVar("lake_context", default=None)


@lru_cache(maxsize=4)
def _from_env(backend: str, home: str | None, config: str | None) -> Context:
    if backend == "local":
        return Context.local(home, config)
    if backend != "aws":
        raise ValueError(f"LAKE_BACKEND={backend}: expected 'local' or 'aws'")
    from lake.backends.dynamodb_ledger import DynamoDbLedger
    from lake.backends.storage import S3Storage

    # /tmp is a Lambda's only writable folder (the alerts log when no topic is set, records when no table is).
    base = Context.local(home or "/tmp/lake", config)
    alerts, records = base.alerts, base.records
    if os.environ.get("ALERT_TOPIC_ARN_PATTERN"):  # the zone topics the pipeline stack wires in
        from lake.backends.aws_alerts import SnsAlerts

        alerts = SnsAlerts.from_env(set(base.cfg.zones))
    storage, buckets = S3Storage(), Buckets.from_env()
    if os.environ.get("RECORDS_TABLE"):  # platform records outlive the run (runs, approvals, open alerts)
        from lake.backends.athena_records import AthenaRecords
        from lake.backends.dynamodb_records import DynamoDbRecords

        records = DynamoDbRecords(os.environ["RECORDS_TABLE"], zones=base.cfg.zones)
        if os.environ.get("STAGING_BUCKET"):  # ... and their history where Athena reads it (platform.<table>)
            records = AthenaRecords(records, storage, buckets.staging)
    return dataclasses.replace(base, storage=storage, ledger=DynamoDbLedger(os.environ["LEDGER_TABLE"]),
                               alerts=alerts, records=records, buckets=buckets)


def context_from_env(home: str | None = None, config: str | None = None) -> Context:
    """The context a handler runs with when nobody gave it one (AWS, or a bare local invoke);
    ``home`` and ``config`` (the CLI's ``--home``/``--config``) win over the environment."""
    env = os.environ
    return _from_env(env.get("LAKE_BACKEND", "local"), home or env.get("LAKE_HOME"), config or env.get("LAKE_CONFIG"))


def current_context() -> Context:
    return _current.get() or context_from_env()


@contextmanager
def using(ctx: Context) -> Iterator[Context]:
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
