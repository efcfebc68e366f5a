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


def threshold() -> int:
    return int(os.environ.get("INGEST_GLUE_THRESHOLD_BYTES", DEFAULT_THRESHOLD))


def runner_for(size: int, filename: str, limit: int | None = None) -> str:
    """'glue' when the file's content is too big for a Lambda to validate in time, else 'lambda'."""
    content = size * (GZIP_EXPANSION if is_gzip(filename) else 1)
    return "glue" if content > (threshold() if limit is None else limit) else "lambda"


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
