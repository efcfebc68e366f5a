"""The promotion's tests share the small-lake fixture of the Glue job tests (one SparkSession)."""

from tests.glue_jobs.conftest import lake  # noqa: F401 - a fixture, used by name
