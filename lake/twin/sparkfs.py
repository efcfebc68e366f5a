"""The Hadoop FileSystem that maps ``s3://bucket/key`` to the twin's mirror folder
(``runtime/java/lake/twin/TwinS3FileSystem.java``), compiled at twin start against PySpark's own
jars into a cache folder, keyed by the source's hash (the binary is never committed)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

SOURCE = Path(__file__).parent / "runtime" / "java" / "lake" / "twin" / "TwinS3FileSystem.java"
CLASS_NAME = "lake.twin.TwinS3FileSystem"


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "insight-lake-twin"


def jar() -> Path:
    import pyspark

    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    out = cache_dir() / f"twin-s3fs-{digest}.jar"
    if out.exists():
        return out
    javac = shutil.which("javac")
    if javac is None:
        raise RuntimeError("javac not found: the twin compiles its S3 mapping for Spark with the JDK")
    classes = cache_dir() / f"classes-{digest}"
    classes.mkdir(parents=True, exist_ok=True)
    jars = Path(pyspark.__file__).parent / "jars"
    subprocess.run([javac, "--release", "8", "-nowarn", "-cp", f"{jars}/*", "-d", str(classes), str(SOURCE)],
                   check=True, capture_output=True)
    tmp = out.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w") as z:
        for f in classes.rglob("*.class"):
            z.write(f, f.relative_to(classes).as_posix())
    tmp.replace(out)
    shutil.rmtree(classes, ignore_errors=True)
    return out
