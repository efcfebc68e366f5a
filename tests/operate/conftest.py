"""Operate tests reuse the ingest ``ctx`` (a fresh home) and the glue_jobs ``lake`` fixture.

Not the ingest suite's config cache: these tests edit config and reload it, as the CLI would.
"""

from tests.glue_jobs.conftest import lake  # noqa: F401
from tests.ingest.conftest import ctx  # noqa: F401
