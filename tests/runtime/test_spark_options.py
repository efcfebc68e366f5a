"""The local Spark JVM's flags: C1-only JIT and the serial collector by default, the class-data-sharing
archive's life cycle."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from lake import spark


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("LAKE_SPARK_CDS", raising=False)
    monkeypatch.delenv("LAKE_SPARK_JIT", raising=False)
    monkeypatch.delenv("LAKE_SPARK_JAVA_OPTIONS", raising=False)
    return tmp_path / "insight-lake"


def _flag(opts: list[str], prefix: str) -> str | None:
    return next((o.split("=", 1)[1] for o in opts if o.startswith(prefix)), None)


def test_the_first_run_dumps_the_archive_and_a_later_one_maps_it(cache: Path) -> None:
    opts = spark.java_options()
    assert "-XX:TieredStopAtLevel=1" in opts and "-Xlog:disable" in opts  # no CDS warnings on stdout
    assert "-XX:+UseSerialGC" in opts  # a heap grown as needed: a small run stays under 1 GB
    dump = Path(_flag(opts, "-XX:ArchiveClassesAtExit=") or "")
    assert dump.parent == cache and dump.name.endswith(f".{os.getpid()}.tmp")
    # The JVM wrote it at exit (the header, with its magic number, last), a while ago.
    dump.write_bytes(bytes.fromhex("a8ab0bf0") + b"\0" * 64)
    old = time.time() - 60
    os.utime(dump, (old, old))
    archive = Path(_flag(spark.java_options(), "-XX:SharedArchiveFile=") or "")
    assert archive.is_file() and not dump.exists() and archive.name == dump.name.split(".jsa")[0] + ".jsa"
    late = archive.with_name(archive.name + ".999999.tmp")  # another JVM's dump, finished later
    late.write_bytes(b"x")
    os.utime(late, (time.time() - 7200, time.time() - 7200))
    assert _flag(spark.java_options(), "-XX:SharedArchiveFile=") == str(archive) and not late.exists()


def test_one_jvm_dumps_at_a_time(cache: Path) -> None:
    first = spark.java_options()
    assert _flag(first, "-XX:ArchiveClassesAtExit=")
    second = spark.java_options()  # another run starts while the first one's JVM still runs
    assert _flag(second, "-XX:ArchiveClassesAtExit=") is None and _flag(second, "-XX:SharedArchiveFile=") is None


def test_an_unfinished_dump_is_never_mapped(cache: Path) -> None:
    dump = Path(_flag(spark.java_options(), "-XX:ArchiveClassesAtExit=") or "")
    dump.write_bytes(b"\0" * 68)  # killed before the header was written
    old = time.time() - 900
    os.utime(dump, (old, old))
    opts = spark.java_options()
    assert _flag(opts, "-XX:SharedArchiveFile=") is None and _flag(opts, "-XX:ArchiveClassesAtExit=")
    stale = time.time() - 7200
    os.utime(dump, (stale, stale))
    spark.java_options()
    assert dump.stat().st_size == 0  # an hour on, it is removed (and this run claims a new dump)


def test_switches(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAKE_SPARK_CDS", "0")
    monkeypatch.setenv("LAKE_SPARK_JIT", "full")
    monkeypatch.setenv("LAKE_SPARK_JAVA_OPTIONS", "-Xss4m")
    assert spark.java_options() == ["-XX:+UseSerialGC", "-Xss4m"]
    monkeypatch.setenv("LAKE_SPARK_JAVA_OPTIONS", "-XX:+UseParallelGC -Xss4m")  # the JVM refuses two collectors
    assert spark.java_options() == ["-XX:+UseParallelGC", "-Xss4m"]
    monkeypatch.setenv("LAKE_SPARK_JIT", "fast")
    with pytest.raises(ValueError, match="LAKE_SPARK_JIT"):
        spark.java_options()


def test_a_conf_folder_of_your_own_has_an_archive_of_its_own(cache: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # SPARK_CONF_DIR takes pyspark's conf folder's place on the JVM's class path: an archive made with
    # the other class path would be silently ignored by every run (and never made again).
    monkeypatch.delenv("SPARK_CONF_DIR", raising=False)
    default = _flag(spark.class_archive(), "-XX:ArchiveClassesAtExit=")
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path / "conf"))
    own = _flag(spark.class_archive(), "-XX:ArchiveClassesAtExit=")
    assert default and own and Path(default).name.split(".")[0] != Path(own).name.split(".")[0]
