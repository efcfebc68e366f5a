"""Issue item 13: files too big for a Lambda go to the Glue job running the same validation."""

from __future__ import annotations

import sys

import pytest

from glue_jobs.validate_large import job as validate_large
from lake.ingest import big_files
from lake.local.ingest import drop_file
from tests.ingest.conftest import FIXTURES


@pytest.mark.parametrize("size, name, limit, runner", [
    (100, "a.csv", 1000, "lambda"),
    (1000, "a.csv", 1000, "lambda"),
    (1001, "a.csv", 1000, "glue"),
    (200, "a.csv.gz", 1000, "glue"),  # compressed: ~8x the content
    (100, "a.csv.gz", 1000, "lambda"),
    (3 << 30, "a.csv", None, "glue"),  # the default threshold is 2 GiB
    (1 << 30, "a.csv", None, "lambda"),
])
def test_routing_decision(size, name, limit, runner):
    assert big_files.runner_for(size, name, limit) == runner


def test_big_file_runs_the_glue_path_in_process_locally(ctx, monkeypatch):
    monkeypatch.setenv("INGEST_GLUE_THRESHOLD_BYTES", "100")
    [rec] = drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    assert (rec.outcome, rec.runner, rec.rows_staged) == ("staged", "glue", 5)


def test_on_aws_the_lambda_only_starts_the_job_and_the_job_validates(ctx, monkeypatch):
    monkeypatch.setenv("INGEST_GLUE_THRESHOLD_BYTES", "100")
    started: list[tuple[str, str]] = []
    monkeypatch.setattr(big_files, "start_glue_job", lambda b, k: started.append((b, k)) or "jr_1")
    monkeypatch.setenv("GLUE_VALIDATE_JOB", "validate_large")
    [rec] = drop_file(ctx, FIXTURES / "expenses_good.csv", "finance", "expenses")
    assert rec.outcome == "received" and started == [("landing", rec.landing_key)]
    # The Glue job's entry point, with the arguments the Lambda passed (and Glue's own).
    monkeypatch.setenv("LAKE_BACKEND", "local")
    monkeypatch.setenv("LAKE_CONFIG", str(ctx.cfg.root))
    monkeypatch.setattr(sys, "argv", ["job.py", "--JOB_ID", "j_1", "--landing_bucket", "landing", "--landing_key",
                                      rec.landing_key, "--lake_home", str(ctx.home.root)])
    assert validate_large.main() == 0
    done = ctx.ledger.get(rec.ingest_id)
    assert (done.outcome, done.runner) == ("staged", "glue")
