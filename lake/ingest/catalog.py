"""Staged files become partitions of ``<zone>_staging.<dataset>`` in the Glue Data Catalog.

Only on AWS: locally, ``lake query`` reads the staging folder directly, so there is nothing
to register.
"""

from __future__ import annotations

import os

from lake.backends.ledger import IngestRecord
from lake.ingest.convert import staging_schema
from lake.runtime.context import Context


def register_staged(ctx: Context, rec: IngestRecord) -> str | None:
    """Add the ingest's staged file to the catalog; returns its ``ingest_date`` partition."""
    if os.environ.get("LAKE_BACKEND", "local") != "aws" or not rec.staged_key or not rec.zone or not rec.dataset:
        return None
    from lake.backends.aws_catalog import GlueCatalog

    ds = ctx.cfg.zones[rec.zone].datasets[rec.dataset]
    return GlueCatalog().add_staged_file(rec.zone, rec.dataset, ctx.buckets.staging, rec.staged_key,
                                         staging_schema(ds))
