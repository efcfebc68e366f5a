"""Key prefixes the platform owns inside the lake's buckets, named once for every layer that uses
them (ingest routing, erasure reach, the local event flow). Zone names start with a letter, so a
key starting with ``_`` is never a zone's data."""

from __future__ import annotations

QUARANTINE = "_quarantine"  # in landing: quarantined files and their reports
UNROUTABLE = "_unroutable"  # under QUARANTINE: objects that belong to no zone and dataset
