"""A Spark session per thread, for builds that run side by side on one JVM (locally and on Glue:
no import of the local runtime)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def session_copy(spark: SparkSession) -> SparkSession:
    """A session of its own for work on another thread, on the same JVM and SparkContext: a copy of
    ``spark``'s SQL settings, catalogs and temporary views (Spark's ``cloneSession``), so settings one
    thread toggles (``lake.sql.spark.athena_session``) do not leak into the other's statements. It is
    made the calling thread's active session (lake/spark.py: the JVM plans a thread's statements with
    its active session's settings)."""
    from pyspark.sql import SparkSession

    own = SparkSession(spark.sparkContext, spark._jsparkSession.cloneSession())  # type: ignore[attr-defined]
    own._jvm.SparkSession.setActiveSession(own._jsparkSession)  # type: ignore[attr-defined,union-attr]
    return own
