"""Spark's reads inside a Glue job run (the twin's S3 file system's lines) as the job's S3 calls."""

from __future__ import annotations

from pathlib import Path

from lake.twin.glue import CATALOG_BUCKET
from lake.twin.sparkreads import calls, record

JOB = "glue:Zone-finance/ToOdsJob"


def test_each_read_becomes_the_s3_request_s3a_makes(tmp_path: Path) -> None:
    reads = tmp_path / "reads.tsv"
    reads.write_text("GetObject\tstaging\tfinance/expenses/part-0.parquet\n"
                     "HeadObject\tstaging\tfinance/expenses/part-0.parquet\n"
                     "List\tstaging\tfinance/expenses/\n"
                     f"GetObject\t{CATALOG_BUCKET}\twarehouse/finance_ods/expenses/metadata/v2.metadata.json\n"
                     f"List\t{CATALOG_BUCKET}\twarehouse/finance_ods/expenses/metadata/\n")
    part, meta = "finance/expenses/part-0.parquet", "warehouse/finance_ods/expenses/metadata/"
    assert [(c["component"], c["action"], c["resources"]) for c in calls(reads, JOB, CATALOG_BUCKET)] == [
        (JOB, "s3:GetObject", {"Bucket": "staging", "Key": part}),
        (JOB, "s3:HeadObject", {"Bucket": "staging", "Key": part}),
        (JOB, "s3:ListObjectsV2", {"Bucket": "staging", "Prefix": "finance/expenses/"}),
        (JOB, "s3:GetObject", {"Bucket": CATALOG_BUCKET, "Key": f"{meta}v2.metadata.json"}),
        (JOB, "s3:ListObjectsV2", {"Bucket": CATALOG_BUCKET, "Prefix": meta}),
    ]


def test_the_swapped_catalogs_own_bookkeeping_is_not_a_call_of_the_job(tmp_path: Path) -> None:
    """Outside a table's folder the catalog bucket holds what Glue's catalog keeps in Glue, not in S3; so is
    the Hadoop catalog's pointer to a table's current metadata."""
    reads = tmp_path / "reads.tsv"
    reads.write_text(f"List\t{CATALOG_BUCKET}\twarehouse/finance_ods/\n"
                     f"List\t{CATALOG_BUCKET}\thive/\n"
                     f"HeadObject\t{CATALOG_BUCKET}\twarehouse/\n"
                     f"GetObject\t{CATALOG_BUCKET}\twarehouse/finance_ods/expenses/metadata/version-hint.text\n"
                     f"List\t{CATALOG_BUCKET}\twarehouse/finance_ods/expenses/metadata/version-hint.text/\n")
    assert calls(reads, JOB, CATALOG_BUCKET) == []


def test_recorded_beside_the_jobs_other_calls(tmp_path: Path) -> None:
    calls_file = tmp_path / "calls.jsonl"
    calls_file.write_text('{"component": "x", "action": "s3:PutObject", "resources": {}}\n')
    assert record(tmp_path / "none.tsv", calls_file, JOB, CATALOG_BUCKET) == 0  # Spark read nothing
    reads = tmp_path / "reads.tsv"
    reads.write_text("List\tstaging\tfinance/\n")
    assert record(reads, calls_file, JOB, CATALOG_BUCKET) == 1
    assert len(calls_file.read_text().splitlines()) == 2
