"""What one insight zone costs a month at 1,000, 10,000 and 100,000 files a day, from the synthesized
templates' settings and the unit prices in ``prices.yaml``. Prints the README's table with its
assumptions (``python -m benchmarks.cost.model``; ``--assembly DIR`` reads an existing cloud
assembly instead of synthesizing one).

Read from the templates: Lambda memory and batch sizes, Glue worker type and count (and the number of
datasets, the to_ods job's concurrent-run limit), whether a zone builds projections, S3 bucket keys,
the workgroup's scan cutoff. Assumed (below, printed with the table): file size, durations, queries.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).parent
VOLUMES = (1_000, 10_000, 100_000)
DAYS = 30
DPU = {"G.025X": 0.25, "G.1X": 1, "G.2X": 2, "G.4X": 4, "G.8X": 8}

# Assumptions, each printed under the table.
FILE_MIB = 1.0  # an average ingress file
STAGED_RATIO = 0.25  # typed Parquet (and the ODS's Iceberg files) against the raw CSV
SECONDS = {"receiver": 0.4, "validator": 3.0}  # billed duration per file
GLUE_RUN_MINUTES = 3.0  # one to_ods (or projections) run, Spark start included
POLLERS = 5  # Lambda's SQS pollers per queue, one long poll (20 s) each while idle
QUERIES_PER_DAY, QUERY_MIB = 200, 100  # Athena, per zone
# Step Functions transitions: an execution that finds its file promoted or coalesces, and the extra of a run.
TRANSITIONS_COALESCED, TRANSITIONS_PER_RUN = 7, 9
S3_PUTS_PER_FILE, S3_GETS_PER_FILE = 4, 4  # ingress put, landing copy, staging put, report; and their reads
S3_PUTS_PER_RUN = 6  # data, manifest, manifest list, metadata files of an Iceberg commit
KMS_PER_S3_CALL = 0.01  # bucket keys: S3 asks KMS about once per 100 encrypted object operations


@dataclass(frozen=True)
class Settings:
    """What the model reads from the templates."""

    memory_mb: dict[str, int]
    batch_size: int
    glue_dpus: float
    datasets: int
    projections: bool
    bucket_keys: bool
    scan_cutoff_bytes: int


def _resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r.get("Properties", {}) for r in template["Resources"].values() if r["Type"] == kind]


def read_settings(assembly: Path, zone: str) -> Settings:
    pipeline = json.loads((assembly / "Pipeline.template.json").read_text())
    storage = json.loads((assembly / "Storage.template.json").read_text())
    zone_t = json.loads((assembly / f"Zone-{zone}.template.json").read_text())
    memory = {name: next(f["MemorySize"] for f in _resources(pipeline, "AWS::Lambda::Function")
                         if f.get("Handler") == f"lambdas.{name}.handler.handler") for name in SECONDS}
    batch = {m["BatchSize"] for m in _resources(pipeline, "AWS::Lambda::EventSourceMapping")}
    glue = _resources(zone_t, "AWS::Glue::Job")
    to_ods = next(j for j in glue if j["Description"].startswith("Promote staged"))
    buckets = _resources(storage, "AWS::S3::Bucket")
    return Settings(
        memory_mb=memory, batch_size=min(batch),
        glue_dpus=DPU[to_ods["WorkerType"]] * to_ods["NumberOfWorkers"],
        datasets=to_ods["ExecutionProperty"]["MaxConcurrentRuns"],  # one concurrent run per dataset
        projections=len(glue) > 1,
        bucket_keys=all(b["BucketEncryption"]["ServerSideEncryptionConfiguration"][0].get("BucketKeyEnabled")
                        for b in buckets if "KMSMasterKeyID" in json.dumps(b["BucketEncryption"])),
        scan_cutoff_bytes=_resources(zone_t, "AWS::Athena::WorkGroup")[0]["WorkGroupConfiguration"][
            "BytesScannedCutoffPerQuery"])


def glue_runs_per_day(files: int, datasets: int) -> float:
    """Coalesced promotions: a dataset runs at most once at a time, and a run takes every file staged
    before it started; files arriving evenly make min(files, runs that fit in a day) runs."""
    per_dataset = files / datasets
    return datasets * min(per_dataset, 24 * 60 / GLUE_RUN_MINUTES)


def month(files_per_day: int, s: Settings, p: dict[str, Any]) -> dict[str, float]:
    files = files_per_day * DAYS
    runs = glue_runs_per_day(files_per_day, s.datasets) * DAYS
    jobs_per_run = 2 if s.projections else 1
    gb_seconds = sum(s.memory_mb[f] / 1024 * SECONDS[f] for f in SECONDS) * files
    invocations = 2 * files  # at most one file per invocation when files trickle in (a burst batches them)
    sqs = 2 * files * (1 + 2 / s.batch_size) + 2 * POLLERS * 3 * 60 * 24 * DAYS
    s3_calls = files * (S3_PUTS_PER_FILE + S3_GETS_PER_FILE) + runs * S3_PUTS_PER_RUN
    # ingress and landing raw, staging and ODS; the month's average of a linear growth
    stored_gib = files * FILE_MIB * (2 + 2 * STAGED_RATIO) / 1024 / 2
    scanned_tb = QUERIES_PER_DAY * DAYS * max(min(QUERY_MIB * 2**20, s.scan_cutoff_bytes), 10 * 2**20) / 2**40
    return {
        "Lambda": gb_seconds * p["lambda_gb_second_arm64"] + invocations / 1e6 * p["lambda_per_million_requests"],
        "SQS": sqs / 1e6 * p["sqs_per_million_requests"],
        "EventBridge": runs / 1e6 * p["eventbridge_per_million_custom_events"],  # "Tables Updated" per run
        "Step Functions": (files * TRANSITIONS_COALESCED + runs * TRANSITIONS_PER_RUN) / 1e3
        * p["stepfunctions_per_thousand_transitions"],
        "Glue": runs * jobs_per_run * max(GLUE_RUN_MINUTES, 1) / 60 * s.glue_dpus * p["glue_per_dpu_hour"],
        "S3 requests": (files * S3_PUTS_PER_FILE + runs * S3_PUTS_PER_RUN) / 1e3 * p["s3_per_thousand_put"]
        + files * S3_GETS_PER_FILE / 1e3 * p["s3_per_thousand_get"],
        "S3 storage": stored_gib * p["s3_gb_month"],
        "KMS": s3_calls * (KMS_PER_S3_CALL if s.bucket_keys else 1) / 1e4 * p["kms_per_ten_thousand_requests"],
        "Athena": scanned_tb * p["athena_per_tb_scanned"],
    }


def dpu_hours(files_per_day: int, s: Settings) -> float:
    return glue_runs_per_day(files_per_day, s.datasets) * DAYS * (2 if s.projections else 1) \
        * GLUE_RUN_MINUTES / 60 * s.glue_dpus


def table(s: Settings, p: dict[str, Any], zone: str) -> str:
    months = [month(v, s, p) for v in VOLUMES]
    head = "| per zone, per month (USD) | " + " | ".join(f"{v:,} files/day" for v in VOLUMES) + " |"
    lines = [head, "|---|" + "---:|" * len(VOLUMES)]
    for service in months[0]:
        cells = [f"{m[service]:,.2f}" for m in months]
        if service == "Glue":
            cells = [f"{c} ({dpu_hours(v, s):,.0f} DPU-h)" for c, v in zip(cells, VOLUMES, strict=True)]
        lines.append(f"| {service} | " + " | ".join(cells) + " |")
    lines.append("| **total** | " + " | ".join(f"**{sum(m.values()):,.2f}**" for m in months) + " |")
    settings = (f"Read from the templates (zone `{zone}`): receiver and validator {s.memory_mb['receiver']} and "
                f"{s.memory_mb['validator']} MB (arm64), SQS batches of {s.batch_size}, to_ods on {s.glue_dpus:g} DPU "
                f"for {s.datasets} datasets, {'with' if s.projections else 'no'} projections job, S3 bucket keys "
                f"{'on' if s.bucket_keys else 'off'}, Athena scan cutoff {s.scan_cutoff_bytes / 2**30:g} GiB "
                "per query.")
    assumptions = (
        f"Assumed: files of {FILE_MIB:g} MiB arriving evenly over the day, staged Parquet and ODS at "
        f"{STAGED_RATIO:g}× that, receiver {SECONDS['receiver']:g} s and validator {SECONDS['validator']:g} s per file "
        f"(one file per invocation), a Glue run {GLUE_RUN_MINUTES:g} min (promotions coalesced: at most one run of a "
        f"dataset at a time, so at most {24 * 60 / GLUE_RUN_MINUTES:g} runs a dataset a day, each followed by the "
        f"projections), {POLLERS} idle SQS pollers per queue, {QUERIES_PER_DAY} Athena queries a day of "
        f"{QUERY_MIB} MiB, storage the month's average of a first month (ingress and landing raw, staging and ODS), "
        f"{TRANSITIONS_COALESCED} Step Functions transitions per staged file and {TRANSITIONS_PER_RUN} more per run. "
        "Platform-wide costs (the key, alarms, secrets, the sweep) are under \"Cost at rest\"; CloudWatch Logs, "
        "DynamoDB and backups are not modelled.")
    prices = f"Prices: `benchmarks/cost/prices.yaml` ({p['region']}, list prices of {p['date']})."
    return "\n".join([*lines, "", settings, "", assumptions, "", prices])


def synthesize(outdir: Path) -> Path:
    import os

    os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    import aws_cdk as cdk

    from infra.composer import build
    from infra.settings import ROOT

    app = cdk.App(outdir=str(outdir), context=json.loads((ROOT / "cdk.json").read_text())["context"])
    build(app)
    app.synth()
    return outdir


def render(assembly: Path, zone: str = "finance") -> str:
    prices = yaml.safe_load((HERE / "prices.yaml").read_text())
    return table(read_settings(assembly, zone), prices, zone)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cost.model", description=__doc__.splitlines()[0])
    parser.add_argument("--assembly", type=Path, help="a synthesized cloud assembly (default: synthesize one)")
    parser.add_argument("--zone", default="finance")
    args = parser.parse_args(argv)
    if args.assembly:
        print(render(args.assembly, args.zone))
        return 0
    with tempfile.TemporaryDirectory(prefix="lake-cost-") as tmp:
        print(render(synthesize(Path(tmp)), args.zone))
    return 0


if __name__ == "__main__":
    sys.exit(main())

