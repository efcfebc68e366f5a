"""The demo scenario through the deployment: producers put the demo's sample files into the
ingress bucket with boto3, the twin runs what that sets in motion, and the results are read back
from the twin's S3, DynamoDB and SNS deliveries; the same scenario runs locally (``lake demo``'s
steps) for the comparison."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from lake.config import LakeConfig
from lake.demo.samples import SampleFile, generate
from lake.twin import results as R
from lake.twin.twin import Twin


def deployment_setting(twin: Twin, name: str) -> str:
    """A setting the deployment hands its functions (what an operator reads from the stack)."""
    for spec in twin.functions.specs.values():
        if name in spec.environment:
            return spec.environment[name]
    raise LookupError(f"no function of the deployment has {name} in its environment")


def drop(twin: Twin, samples: list[SampleFile]) -> None:
    s3 = twin.client("s3", "producer")
    ingress = deployment_setting(twin, "INGRESS_BUCKET")
    for s in samples:
        s3.put_object(Bucket=ingress, Key=f"{s.zone}/{s.dataset}/{s.path.name}", Body=s.path.read_bytes())


def run(twin: Twin, work: Path | None = None) -> list[SampleFile]:
    folder = Path(tempfile.mkdtemp(prefix="lake-twin-samples-", dir=work))
    samples = generate(folder)
    drop(twin, samples)
    twin.settle()
    return samples


def twin_results(twin: Twin, cfg: LakeConfig) -> R.Results:
    from lake.backends.dynamodb_ledger import DynamoDbLedger
    from lake.backends.dynamodb_records import DynamoDbRecords
    from lake.query.duck import connect
    from lake.twin.glue import CATALOG_BUCKET

    out = R.Results()
    ledger_table = deployment_setting(twin, "LEDGER_TABLE")
    records_table = deployment_setting(twin, "RECORDS_TABLE")
    for rec in DynamoDbLedger(ledger_table).records():
        if rec.duplicate_of is None:
            out.ledger[f"{rec.zone}/{rec.dataset}/{rec.source_key.rsplit('/', 1)[-1]}"] = R.ledger_state(rec)
    out.runs = R.Counter(R.run_key(r) for r in DynamoDbRecords(records_table, zones=cfg.zones).rows("runs"))
    s3 = twin.client("s3")
    landing = deployment_setting(twin, "LANDING_BUCKET")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=landing, Prefix="_quarantine/"):
        for obj in page.get("Contents", []):
            if obj["Key"].endswith(".report.json"):
                body = s3.get_object(Bucket=landing, Key=obj["Key"])["Body"].read()
                out.quarantine_reports[R.report_key(obj["Key"])] = R.normalised_report(body)
    twin.glue.mirror.export(s3)
    from lake.health import stored
    from lake.health_aws import GlueTables

    glue_tables = GlueTables.of_clients(twin.client("glue"), s3)  # as lake status reads a deployment
    out.rows_now = {t: stored(glue_tables, t)[0] for t in R.table_names(cfg)}
    con = connect()
    for table in R.table_names(cfg):
        db, name = table.split(".")
        got = R.read_iceberg(con, twin.glue.mirror.root / CATALOG_BUCKET / "warehouse" / db / name, moved=True)
        if got is not None:
            out.tables[table] = R.rows_of(cfg, table, *got)
    from lake.twin import athena

    engines: dict[str, Any] = {}
    out.queries = R.queries(lambda z: engines.setdefault(z, athena.for_zone(twin, cfg, z)))
    out.platform_runs = R.platform_runs(lambda z: engines.setdefault(z, athena.for_zone(twin, cfg, z)),
                                        sorted(cfg.zones))
    out.alerts = sorted((d.endpoint, R.normalise(str(d.alert.get("subject", d.subject))))
                        for d in twin.deliveries.items if d.protocol.startswith("email"))
    return out


def local_results(home: Path, config: str | None = None) -> R.Results:
    """Runs the demo's steps in a fresh local lake home and reads its results."""
    from lake.local.ingest import drop_file
    from lake.local.run import run as run_local
    from lake.query.duck import connect
    from lake.runtime.context import Context

    ctx = Context.local(home, config)
    with tempfile.TemporaryDirectory(prefix="lake-samples-") as work:
        for s in generate(Path(work)):
            drop_file(ctx, s.path, s.zone, s.dataset)
    run_local(ctx)
    out = R.Results()
    for rec in ctx.ledger.records():
        if rec.duplicate_of is None:
            out.ledger[f"{rec.zone}/{rec.dataset}/{rec.source_key.rsplit('/', 1)[-1]}"] = R.ledger_state(rec)
    out.runs = R.Counter(R.run_key(r) for z in ctx.cfg.zones for r in ctx.records.rows("runs", z))
    quarantine = ctx.home.landing / "_quarantine"
    for f in quarantine.rglob("*.report.json"):
        out.quarantine_reports[R.report_key(f.relative_to(ctx.home.landing).as_posix())] = (
            R.normalised_report(f.read_bytes()))
    from lake.health import stored

    out.rows_now = {t: stored(ctx.home, t)[0] for t in R.table_names(ctx.cfg)}
    con = connect()
    for table in R.table_names(ctx.cfg):
        got = R.read_iceberg(con, ctx.home.table_location(table), moved=False)
        if got is not None:
            out.tables[table] = R.rows_of(ctx.cfg, table, *got)
    alerts_log = ctx.home.platform / "alerts.jsonl"
    alerts: list[dict[str, Any]] = [json.loads(line) for line in alerts_log.read_text().splitlines()
                                    if line.strip()] if alerts_log.exists() else []
    out.alerts = R.alert_pairs(alerts)
    from lake.query import QueryEngine

    out.queries = R.queries(lambda z: QueryEngine(ctx.cfg, ctx.home, z))
    out.platform_runs = R.platform_runs(lambda z: QueryEngine(ctx.cfg, ctx.home, z), sorted(ctx.cfg.zones))
    return out
