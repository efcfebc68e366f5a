"""Glue job runs, as Glue 5 starts them: the job's script asset in a fresh Python process, argv
``script --JOB_NAME <job> --JOB_RUN_ID <id> --<key> <value>...`` (DefaultArguments merged with the
run's Arguments, which moto does), Spark settings from ``--conf``, Iceberg from
``--datalake-formats``, the Glue Data Catalog as Spark's metastore only with
``--enable-glue-datacatalog``, no SparkSession before the script builds one, and importable only
what Glue provides plus ``--extra-py-files`` and ``--additional-python-modules``.

The one swapped piece: Iceberg's Glue catalog (``GlueCatalog`` + ``S3FileIO``, whose AWS bundle
cannot be installed here) is, under the same class names (``lake.twin.sparkfs``), a Hadoop catalog
whose warehouse is in the twin's S3 (``s3://<CATALOG_BUCKET>/warehouse/<database>/<table>``)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import boto3

from lake.twin import catalog, sparkfs, sparkreads
from lake.twin.cloud import Cloud
from lake.twin.deploy import Deployment
from lake.twin.s3mirror import Mirror

SITE = Path(__file__).parent / "runtime" / "glue_site"
CATALOG_BUCKET = "twin-glue-iceberg-catalog"
# What Glue 5.0 provides to every job (AWS Glue docs, "Python modules already provided"), as far as
# this machine has them; awsglue is the twin's stand-in (runtime/glue_site/awsglue).
GLUE_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "urllib3", "six", "numpy",
                 "pandas", "pyarrow", "pytz", "tzdata", "requests", "charset-normalizer", "idna", "certifi",
                 "packaging", "pyspark", "py4j", "fsspec", "scipy", "s3fs", "aiobotocore")
GLUE_CATALOG = "org.apache.iceberg.aws.glue.GlueCatalog"


@dataclass
class JobRun:
    job: str
    run_id: str
    arguments: dict[str, str]
    state: str = "RUNNING"
    error: str | None = None
    seconds: float = 0.0
    log: Path | None = None
    pid: int | None = None  # the job's process while it runs (drills pause it)


class FifoLock:
    """A lock taken in the order it was asked for (``threading.Lock`` makes no such promise)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = self._serving = 0

    def __enter__(self) -> None:
        with self._cond:
            ticket, self._next = self._next, self._next + 1
            self._cond.wait_for(lambda: self._serving == ticket)

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


Fault = Callable[["JobRun", Path], bool]  # (run, mirror root) -> kill the run now?


@dataclass
class GlueRunner:
    dep: Deployment
    cloud: Cloud
    work: Path
    calls_file: Path
    runs: list[JobRun] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)  # job name -> fault to inject (drills)
    env: dict[str, str] = field(default_factory=dict)  # added to every run's environment (drills)
    concurrent: bool = False  # runs overlap, as on Glue (drills); else one Spark at a time on this machine
    _queue: FifoLock = field(default_factory=lambda: FifoLock())

    def __post_init__(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        self.mirror = Mirror(self.work / "s3")
        self.mirror.root.mkdir(parents=True, exist_ok=True)
        self.jar = sparkfs.jar()
        s3 = boto3.client("s3", region_name=self.cloud.region)
        s3.create_bucket(Bucket=CATALOG_BUCKET, CreateBucketConfiguration={"LocationConstraint": self.cloud.region})

    # -- moto's hook ---------------------------------------------------------------------
    def run(self, job: Any, fake_run: Any) -> tuple[str, str | None]:
        """``FakeJob.start_job_run``: run it; the job run's final state and error message."""
        run = JobRun(job.name, fake_run.job_run_id, dict(fake_run.arguments or {}))
        self.runs.append(run)
        with contextlib.nullcontext() if self.concurrent else self._queue:
            started = time.monotonic()
            try:
                self._run(job, run)
            except Exception as err:  # the twin's own failure: the run fails, loudly
                run.state, run.error = "FAILED", f"twin: {err}"
            run.seconds = time.monotonic() - started
        return run.state, run.error

    def _run(self, job: Any, run: JobRun) -> None:
        res = next(r for r in self.dep.of_type("AWS::Glue::Job") if r.ref == job.name)
        component = f"glue:{res.stack}/{res.logical_id}"
        s3 = _recorded_s3(self.cloud.region, self.calls_file, component)
        self.mirror.export(s3)
        before = catalog.iceberg_tables(self.warehouse)
        script = self.dep.assembly.asset(res.properties["Command"]["ScriptLocation"])
        args = run.arguments
        extra = [self.dep.assembly.asset(u) for u in args.get("--extra-py-files", "").split(",") if u]
        # The run's Spark properties go to spark-submit as a file, not through SPARK_CONF_DIR: that folder
        # is on the JVM's class path, which must be the same for every run to share a class-data archive.
        conf_dir = self.work / f"conf-{run.run_id}"
        conf_dir.mkdir()
        properties = conf_dir / "spark.properties"
        reads = conf_dir / "s3-reads.tsv"  # what Spark reads through the twin's S3 (lake.twin.sparkreads)
        conf = {**self.spark_conf(args), "spark.hadoop.fs.s3.twin.reads": str(reads)}
        properties.write_text("\n".join(f"{k} {v}" for k, v in conf.items()) + "\n")
        argv = [sys.executable, "-s", str(script), "--JOB_NAME", job.name, "--JOB_RUN_ID", run.run_id]
        for k, v in args.items():
            argv += [k, str(v)]
        env = {"PATH": os.environ.get("PATH", ""), "LANG": "C.UTF-8", "TZ": "UTC",
               "JAVA_HOME": os.environ.get("JAVA_HOME", ""), "SPARK_LOCAL_IP": "127.0.0.1",
               "SPARK_CONF_DIR": str(empty_conf_dir()), "PYSPARK_PYTHON": sys.executable,
               "PYSPARK_SUBMIT_ARGS": f"--properties-file {properties} pyspark-shell",
               "PYTHONPATH": os.pathsep.join([str(SITE), *map(str, extra)]),
               "TWIN_EXTRA_PY_FILES": os.pathsep.join(map(str, extra)),
               "TWIN_ALLOWED_MODULES": ",".join(sorted(allowed_modules(args.get("--additional-python-modules", "")))),
               "TWIN_COMPONENT": component, "TWIN_CALLS_FILE": str(self.calls_file), **self.cloud.child_env(),
               **self.env}
        run.log = self.work / f"{res.logical_id}-{run.run_id[:12]}.log"
        timeout = int(res.properties.get("Timeout", 2880)) * 60
        with run.log.open("w") as log:
            # A process group of its own: the run is its driver and the JVM that PySpark starts, killed
            # together, and over only when both have exited (a JVM still exiting holds the metastore).
            proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=str(conf_dir),
                                    start_new_session=True)
            run.pid = proc.pid
            fault = self.faults.get(job.name)
            deadline = time.monotonic() + timeout
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    _kill_group(proc.pid)
                    run.state, run.error = "TIMEOUT", f"Job run timed out after {timeout // 60} minutes"
                if fault is not None and fault(run, self.mirror.root):
                    _kill_group(proc.pid)
                    run.state, run.error = "FAILED", "twin drill: the job's process was killed mid-run"
                time.sleep(0.05)
            _wait_group(proc.pid)
        self.mirror.absorb(s3)
        sparkreads.record(reads, self.calls_file, component, CATALOG_BUCKET)
        catalog.register(self._client("glue", component), self._client("events", component), self.warehouse,
                         f"s3://{CATALOG_BUCKET}/warehouse", before)
        if run.state == "RUNNING":
            if proc.returncode == 0:
                run.state = "SUCCEEDED"
            else:
                tail = run.log.read_text(errors="replace").strip().splitlines()[-12:]
                run.state, run.error = "FAILED", "\n".join(tail)

    @property
    def warehouse(self) -> Path:
        return self.mirror.root / CATALOG_BUCKET / "warehouse"

    def _client(self, service: str, component: str) -> Any:
        """The swapped catalog's Glue calls, recorded as the job's (GlueCatalog makes them on Glue)."""
        import json

        from lake.twin.runtime.aws_calls import EVENT, summarize

        client = boto3.client(service, region_name=self.cloud.region)
        if service == "events":
            return client  # Glue's own event, not the job's call

        def before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
            with self.calls_file.open("a") as f:
                f.write(json.dumps({"component": component, "action": f"glue:{model.name}",
                                    "resources": summarize(params)}) + "\n")

        client.meta.events.register(EVENT, before_call)
        return client

    def spark_conf(self, args: dict[str, str]) -> dict[str, str]:
        from lake.spark import iceberg_jar

        conf: dict[str, str] = {
            "spark.master": "local[2]", "spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
            "spark.sql.session.timeZone": "UTC", "spark.sql.shuffle.partitions": "4",
            "spark.driver.memory": "1g",
            "spark.hadoop.fs.s3.impl": sparkfs.CLASS_NAME, "spark.hadoop.fs.s3a.impl": sparkfs.CLASS_NAME,
            "spark.hadoop.fs.s3.impl.disable.cache": "false",
            "spark.hadoop.fs.s3.twin.root": str(self.mirror.root),
            "spark.hadoop.fs.s3a.twin.root": str(self.mirror.root),
            "spark.sql.catalogImplementation": "in-memory",
        }
        # On the driver's own class path, the twin's jar first: its GlueCatalog and S3FileIO must win
        # over the classes of the same name in Iceberg's runtime jar (local mode: the driver is all).
        jars = [str(self.jar)]
        if "iceberg" in args.get("--datalake-formats", ""):
            jars.append(str(iceberg_jar()))
        conf["spark.driver.extraClassPath"] = os.pathsep.join(jars)
        conf["spark.driver.extraJavaOptions"] = java_options(conf["spark.driver.extraClassPath"])
        if "--enable-glue-datacatalog" in args:
            # The Glue Data Catalog as Spark's metastore: one Derby metastore for every run of the twin.
            meta = self.work / "glue-data-catalog"
            conf["spark.sql.catalogImplementation"] = "hive"
            conf["spark.hadoop.javax.jdo.option.ConnectionURL"] = f"jdbc:derby:;databaseName={meta};create=true"
            conf["spark.sql.warehouse.dir"] = f"s3://{CATALOG_BUCKET}/hive"
        conf.update(parse_conf(args.get("--conf", "")))
        for key, value in list(conf.items()):  # the swapped Glue catalog needs its warehouse
            if key.endswith(".catalog-impl") and value == GLUE_CATALOG:
                conf[key[: -len("catalog-impl")] + "warehouse"] = f"s3://{CATALOG_BUCKET}/warehouse"
        return conf


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _group_alive(pgid: int) -> bool:
    """Any process of the group still running (zombies not counted: whoever reaps them may be slow)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def _wait_group(pgid: int, patience: float = 180.0) -> None:
    """Until the run's JVM has exited too (writing a class-data archive at exit takes seconds)."""
    deadline = time.monotonic() + patience
    while _group_alive(pgid):
        if time.monotonic() > deadline:
            _kill_group(pgid)
            return
        time.sleep(0.1)


def empty_conf_dir() -> Path:
    """Spark's conf folder for every run: empty (a class-data archive refuses non-empty folders on the
    class path) and the same path for every twin on this machine (so is the class path)."""
    path = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "insight-lake" / "twin-spark-conf"
    path.mkdir(parents=True, exist_ok=True)
    return path


def java_options(class_path: str) -> str:
    """Short jobs on a small machine: the client compiler and one GC thread start faster and cost less
    CPU, and Spark's classes come mapped from a class-data archive (lake.spark.class_archive; the
    first run writes it): a twin scenario starts a dozen Glue JVMs, each then takes about half the CPU.
    Glue's own JVMs are not ours to tune; these options change nothing a job's code can see."""
    from lake.spark import class_archive

    log4j = Path(__file__).parents[1] / "log4j2.properties"
    return " ".join(["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", f"-Dlog4j2.configurationFile={log4j}",
                     *class_archive(variant=f"twin-glue|{empty_conf_dir()}|{class_path}")])


def parse_conf(value: str) -> dict[str, str]:
    """Glue's ``--conf a=b --conf c=d`` (one argument holding the rest as text)."""
    out = {}
    for part in value.split("--conf "):
        part = part.strip()
        if "=" in part:
            k, _, v = part.partition("=")
            out[k.strip()] = v.strip()
    return out


def allowed_modules(additional: str) -> set[str]:
    """Top-level import names of Glue's own packages and of ``--additional-python-modules``
    (with what pip would install alongside them)."""
    wanted = list(GLUE_PROVIDED) + [m.split("==")[0].split(">=")[0].strip() for m in additional.split(",") if m]
    by_dist: dict[str, set[str]] = {}
    for top, dists in metadata.packages_distributions().items():
        for d in dists:
            by_dist.setdefault(_norm(d), set()).add(top)
    names: set[str] = set()
    seen: set[str] = set()
    while wanted:
        dist = _norm(wanted.pop())
        if dist in seen:
            continue
        seen.add(dist)
        names |= by_dist.get(dist, set())
        try:
            requires = metadata.requires(dist) or []
        except metadata.PackageNotFoundError:
            continue
        wanted += [r.split(";")[0].split("[")[0].split(" ")[0].split("=")[0].split(">")[0].split("<")[0]
                   .split("~")[0].split("!")[0] for r in requires if "extra ==" not in r]
    return names


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _recorded_s3(region: str, calls_file: Path, component: str) -> Any:
    """The job's S3 client for what Spark wrote: recorded as the job's calls."""
    import json

    from lake.twin.runtime.aws_calls import EVENT, summarize

    s3 = boto3.client("s3", region_name=region)

    def before_call(model: Any, params: dict[str, Any], **_: Any) -> None:
        if model.name in ("PutObject", "DeleteObject"):
            with calls_file.open("a") as f:
                f.write(json.dumps({"component": component, "action": f"s3:{model.name}",
                                    "resources": summarize(params)}) + "\n")

    s3.meta.events.register(EVENT, before_call)
    return s3
