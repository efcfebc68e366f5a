"""The SparkSession of a Glue job, built the way Glue builds it.

On Glue no session exists before the script runs: the script calls ``SparkSession.builder
.getOrCreate()`` and gets Iceberg and the Glue Data Catalog from the job's ``--conf`` settings
(and ``--datalake-formats``/``--enable-glue-datacatalog``, which Glue itself acts on). The
``--conf`` value is one string, ``k=v --conf k2=v2 ...`` (infra/constructs/glue_job.py); applying
it here as well costs nothing on Glue and is what makes the script run the same wherever it is
started with Glue's argv. Never the local runtime's builder (``lake.spark``): that needs a
package only the local runtime installs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from pyspark.sql import SparkSession

from lake import namespace, namespace_spark

PREFIX_ARG = "--lake_catalog_prefix"  # infra/constructs/glue_job.py sets it on every job of a namespaced stage


def conf_settings(argv: Sequence[str]) -> dict[str, str]:
    """The ``key=value`` pairs of every ``--conf`` argument in Glue's argv form."""
    out: dict[str, str] = {}
    for i, arg in enumerate(argv):
        values = [argv[i + 1]] if arg == "--conf" and i + 1 < len(argv) else (
            [arg.removeprefix("--conf=")] if arg.startswith("--conf=") else [])
        for value in values:
            for setting in value.split(" --conf "):
                key, sep, val = setting.strip().partition("=")
                if not sep or not key:
                    raise ValueError(f"--conf {setting!r}: expected key=value")
                out[key] = val
    return out


def catalog_namespace(argv: Sequence[str] | None = None) -> str:
    """The stage's catalog prefix from the job's arguments, exported as ``LAKE_CATALOG_PREFIX`` (what the
    backends read) and applied to Spark (lake/namespace_spark.py): the tasks keep the logical names."""
    args = list(sys.argv if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == PREFIX_ARG and i + 1 < len(args):
            os.environ[namespace.ENV] = args[i + 1]
        elif arg.startswith(f"{PREFIX_ARG}="):
            os.environ[namespace.ENV] = arg.partition("=")[2]
    return namespace_spark.install()


def glue_session(argv: Sequence[str] | None = None) -> SparkSession:
    catalog_namespace(argv)
    builder = SparkSession.builder
    for key, value in conf_settings(sys.argv if argv is None else argv).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
