"""`lake demo`'s floor: what any demo on local Spark waits for before its first statement, and after its last.

    python -m benchmarks.demo.floor WAREHOUSE

A new process starts the local SparkSession the platform starts (``lake.spark.local_session``: the
same builder, settings, JIT flags, collector and class-data archive, its catalog pointed at an
empty warehouse), runs one statement through the catalog (as every command's first does), and ends
as a ``lake`` command ends once Spark ran (``lake.cli``: exit hooks, then ``os._exit``, the JVM
ending with its stdin). No files, tables or queries: a JVM-based demo cannot take less.
"""

from __future__ import annotations

import sys
from pathlib import Path


def main(warehouse: Path) -> None:
    from lake.cli import _exit_after_spark
    from lake.spark import local_session

    local_session(warehouse).sql("SHOW NAMESPACES").collect()
    _exit_after_spark(0)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
