"""Big files go to a Glue job that runs the very same validation code.

A Lambda has 15 minutes, up to 10 GB of memory and of /tmp. The validator streams, so memory
is not the limit; time is. At the ~60 MB/s the benchmark shows per core for CSV, a Lambda
finishes ~5 GB with margin — the default threshold is 2 GiB of *content* (a gzip file counts
~8x its size). Above it, the validator Lambda only starts the Glue Python-shell job
``validate_large`` (no 15-minute limit) with the landing bucket and key; the job runs
``lake.tasks.ingest.validate_task(..., runner="glue")``. Locally the "job" runs in-process, so the routing decision and
the job's code path are both exercised without AWS.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from lake.backends.ledger import IngestRecord
from lake.ingest.routing import is_gzip
from lake.ingest.validator import validate
from lake.runtime.context import Context

DEFAULT_THRESHOLD = 2 << 30
GZIP_EXPANSION = 8
LAMBDA_MAX_TMP_MIB = 10240  # a Lambda's ephemeral storage: 512 MiB to 10 GiB
TMP_HEADROOM_MIB = 512


def threshold() -> int:
    return int(os.environ.get("INGEST_GLUE_THRESHOLD_BYTES", DEFAULT_THRESHOLD))


def runner_for(size: int, filename: str, limit: int | None = None) -> str:
    """'glue' when the file's content is too big for a Lambda to validate in time, else 'lambda'."""
    content = size * (GZIP_EXPANSION if is_gzip(filename) else 1)
    return "glue" if content > (threshold() if limit is None else limit) else "lambda"


def lambda_scratch_mib(limit: int = DEFAULT_THRESHOLD) -> int:
    """The /tmp a validator Lambda needs for the largest file it validates itself (content up to
    ``limit``): the downloaded file (at most ``limit`` bytes: a gzip file's content is ~8x its size)
    plus what it writes beside it, the staged Parquet and the rejected rows (every row goes to one of
    them; each is budgeted at the content's size, since typed Parquet with lineage columns can
    outgrow a narrow CSV), plus headroom."""
    need = (3 * limit >> 20) + TMP_HEADROOM_MIB
    if need > LAMBDA_MAX_TMP_MIB:
        raise ValueError(f"a {limit >> 20} MiB threshold needs {need} MiB of /tmp, above a Lambda's "
                         f"{LAMBDA_MAX_TMP_MIB}: lower INGEST_GLUE_THRESHOLD_BYTES")
    return need


def start_glue_job(bucket: str, key: str) -> str:
    """Start the Glue job on AWS; returns the job run id."""
    import boto3

    glue = boto3.client("glue")
    out = glue.start_job_run(JobName=os.environ["GLUE_VALIDATE_JOB"],
                             Arguments={"--landing_bucket": bucket, "--landing_key": key})
    return str(out["JobRunId"])


def dispatch(ctx: Context, bucket: str, key: str, size: int,
             start_job: Callable[[str, str], str] | None = None) -> IngestRecord | None:
    """Validate here, or hand the file to the Glue job (in-process when no job is deployed)."""
    if runner_for(size, key) == "lambda":
        return validate(ctx, bucket, key, runner="lambda")
    if start_job is None and os.environ.get("GLUE_VALIDATE_JOB"):
        start_job = start_glue_job
    if start_job is not None:
        start_job(bucket, key)
        return None  # the job takes the ledger lease and records the outcome
    return validate(ctx, bucket, key, runner="glue")
