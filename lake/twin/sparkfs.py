"""The twin's Java for Spark, compiled at twin start against PySpark's and Iceberg's jars into a
cache folder keyed by the sources' hash (the binary is never committed):

- ``lake/twin/TwinS3FileSystem.java``: the Hadoop FileSystem that maps ``s3://bucket/key`` to the
  twin's mirror folder;
- ``org/apache/iceberg/aws/glue/GlueCatalog.java`` and ``org/apache/iceberg/aws/s3/S3FileIO.java``:
  the Glue Iceberg catalog swapped for a Hadoop catalog (the classes the jobs' ``--conf`` names)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

JAVA = Path(__file__).parent / "runtime" / "java"
CLASS_NAME = "lake.twin.TwinS3FileSystem"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "insight-lake-twin"


def jar() -> Path:
    import pyspark

    from lake.spark import iceberg_jar

    sources = sorted(JAVA.rglob("*.java"))
    digest = hashlib.sha256(b"".join(s.read_bytes() for s in sources)).hexdigest()[:16]
    out = cache_dir() / f"twin-s3fs-{digest}.jar"
    if out.exists():
        return out
    javac = shutil.which("javac")
    if javac is None:
        raise RuntimeError("javac not found: the twin compiles its S3 mapping for Spark with the JDK")
    classes = cache_dir() / f"classes-{digest}"
    classes.mkdir(parents=True, exist_ok=True)
    jars = Path(pyspark.__file__).parent / "jars"
    proc = subprocess.run([javac, "--release", "8", "-nowarn", "-cp", f"{jars}/*{os.pathsep}{iceberg_jar()}",
                           "-d", str(classes), *map(str, sources)], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"javac failed:\n{proc.stderr[-2000:]}")
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for f in classes.rglob("*.class"):
            z.write(f, f.relative_to(classes).as_posix())
    tmp.replace(out)
    shutil.rmtree(classes, ignore_errors=True)
    return out
