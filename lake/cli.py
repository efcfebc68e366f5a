"""The ``lake`` command line: the embedded default's front door.

Exit codes: 0 success; 1 data was rejected or a check failed; 2 bad usage or bad config.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from lake.home import LakeHome

OK, REJECTED, USAGE = 0, 1, 2
T = TypeVar("T")
# Long commands: a status line on stderr while they work, when it is a terminal (lake/progress.py).
PROGRESS = {"demo", "drop", "ingest", "run", "forget", "twin"}
WAIT_HELP = "if another command holds the lock, wait up to SECONDS for it (default 0: exit 1 at once)"


def _ctx(args: argparse.Namespace):  # noqa: ANN202 - Context import is deferred to keep --help fast
    from lake.runtime.context import Context

    return Context.local(args.home, args.config)


def cmd_validate(args: argparse.Namespace) -> int:
    import os

    from lake.config import ConfigError, load_config
    from lake.runtime import shipped

    # The same config every other command reads: --config, else $LAKE_CONFIG, else the shipped zones.
    cfg = load_config(args.config or os.environ.get("LAKE_CONFIG") or shipped.config_root())
    home = LakeHome.resolve(args.home)
    if home.warehouse.exists():  # compare with the tables already built, when there are any
        from lake.config.deployed import check_against

        breaking = check_against(cfg, home.warehouse)
        if breaking:
            raise ConfigError(breaking)
    n_ds = sum(len(z.datasets) for z in cfg.zones.values())
    n_pr = sum(len(z.projections) for z in cfg.zones.values())
    print(f"ok: {len(cfg.zones)} zones, {n_ds} datasets, {n_pr} projections")
    return OK


def cmd_schema(args: argparse.Namespace) -> int:
    from lake.config.schema_export import write_zone_schema

    print(write_zone_schema(Path(args.out) if args.out else None))
    return OK


def _summary(rec) -> str:  # noqa: ANN001
    counts = f"{rec.rows_staged} staged, {rec.rows_quarantined} quarantined of {rec.rows_read} rows"
    where = f"{rec.zone}/{rec.dataset}" if rec.zone else "?"
    reason = f" — {rec.reason}" if rec.reason else ""
    return f"{rec.outcome:<11} {rec.source_key} -> {where} ({counts}){reason} [ingest {rec.ingest_id}]"


def _print_ingests(ctx, records) -> None:  # noqa: ANN001
    """Each ingest's summary line; for a quarantined or partly staged file, where its report is."""
    from lake.ingest.report import report_key

    for rec in records:
        print(_summary(rec))
        key = report_key(rec)
        if key:
            where = ctx.storage.local_path(ctx.buckets.landing, key) or f"s3://{ctx.buckets.landing}/{key}"
            print(f"  report: {where}")
        for w in rec.warnings if rec.outcome in ("staged", "partial") else []:
            print(f"  warning: {w}")


def _ingest_exit(records) -> int:  # noqa: ANN001
    # An ingest left unfinished (received, validating) is a failure too, never a silent "ok".
    return REJECTED if any(r.outcome in ("partial", "quarantined", "received", "validating") for r in records) else OK


def cmd_drop(args: argparse.Namespace) -> int:
    from lake.local.ingest import drop_file

    path = Path(args.file)
    if not path.is_file():
        print(f"lake drop: no such file: {path}", file=sys.stderr)
        return USAGE
    ctx = _ctx(args)
    records = _locked(ctx, "sweep", "lake drop", args, lambda: drop_file(ctx, path, args.zone, args.dataset),
                      exclusive=[], shared=("ingest",))
    if records is None:
        return REJECTED
    _print_ingests(ctx, records)
    return _ingest_exit(records)


def cmd_ingest(args: argparse.Namespace) -> int:
    from lake.local.ingest import sweep

    ctx = _ctx(args)
    records = _locked(ctx, "sweep", "lake ingest", args, lambda: sweep(ctx), exclusive=[], shared=("ingest",))
    if records is None:
        return REJECTED
    _print_ingests(ctx, records)
    print(f"{len(records)} new object(s) ingested")
    return _ingest_exit(records)


AWS_REPLAY_ENV = ("LEDGER_TABLE", "LANDING_BUCKET", "STAGING_BUCKET")
AWS_STATE_ENV = ("LEDGER_TABLE", "RECORDS_TABLE")


def _backend_ctx(args: argparse.Namespace, required: tuple[str, ...]):  # noqa: ANN202 - a Context, imported late
    """The local lake, or with LAKE_BACKEND=aws the deployment named by the environment (``required``:
    the settings the command needs); None, said on stderr, when one is missing."""
    if os.environ.get("LAKE_BACKEND") != "aws":
        return _ctx(args)
    if missing := [v for v in required if not os.environ.get(v)]:
        print(f"lake {args.command} with LAKE_BACKEND=aws: set {', '.join(missing)}", file=sys.stderr)
        return None
    from lake.runtime.context import context_from_env

    return context_from_env(args.home, args.config)


def _state_ctx(args: argparse.Namespace):  # noqa: ANN202 - a Context, imported late
    """What lake status / describe / catalog / docs read: the local lake, or with LAKE_BACKEND=aws the
    deployment's ledger, platform records and tables (Glue, S3), with the caller's AWS credentials."""
    return _backend_ctx(args, AWS_STATE_ENV)


def _replay_ctx(args: argparse.Namespace):  # noqa: ANN202 - a Context, imported late
    """The local lake, or with LAKE_BACKEND=aws the deployment's ledger and buckets (files too big for
    this process go to the Glue job named by GLUE_VALIDATE_JOB)."""
    return _backend_ctx(args, AWS_REPLAY_ENV)


def cmd_replay(args: argparse.Namespace) -> int:
    from lake.local.replay import replay

    if bool(args.ingest_ids) == bool(args.dataset):
        print("lake replay: give INGEST_ID... or --dataset ZONE.DATASET (not both)", file=sys.stderr)
        return USAGE
    ctx = _replay_ctx(args)
    if ctx is None:
        return USAGE
    done: tuple[list, list[str]] | None
    if os.environ.get("LAKE_BACKEND") == "aws":  # the ledger's lease keeps two validations of one file apart
        done = replay(ctx, args.ingest_ids, args.dataset)
    else:
        done = _locked(ctx, "sweep", "lake replay", args, lambda: replay(ctx, args.ingest_ids, args.dataset),
                       exclusive=[], shared=("ingest",))
    if done is None:
        return REJECTED
    records, refused = done
    _print_ingests(ctx, records)
    for reason in refused:
        print(f"not replayed: {reason}", file=sys.stderr)
    if not records and not refused:
        print(f"no open quarantines in {args.dataset}")
    return USAGE if refused and not records else (REJECTED if refused else _ingest_exit(records))


def cmd_acknowledge(args: argparse.Namespace) -> int:
    import getpass

    from lake.tasks.ingest import ReplayRefused, acknowledge_task

    ctx = _replay_ctx(args)
    if ctx is None:
        return USAGE
    code = OK
    for ingest_id in args.ingest_ids:
        try:
            rec = acknowledge_task(ctx, ingest_id, f"{getpass.getuser()}: {args.reason}")
        except ReplayRefused as err:
            print(f"lake acknowledge: {err}", file=sys.stderr)
            code = USAGE
            continue
        print(f"acknowledged {rec.outcome} {rec.source_key} [ingest {rec.ingest_id}]: no longer an open quarantine")
    return code


def cmd_run(args: argparse.Namespace) -> int:
    from lake.local.run import run

    ctx = _ctx(args)
    if args.zone and args.zone not in ctx.cfg.zones:
        print(f"lake run: unknown zone '{args.zone}'", file=sys.stderr)
        return USAGE
    from lake.local.run import rebuild_targets
    from lake.runtime.guard import zone_locks

    try:
        force = rebuild_targets(ctx.cfg, None if args.rebuild == "*" else args.rebuild, args.zone) \
            if args.rebuild else set()
    except ValueError as err:
        print(f"lake run: {err}", file=sys.stderr)
        return USAGE
    command = "lake run" + (f" --zone {args.zone}" if args.zone else "")
    try:
        report = _locked(ctx, "promotion", command, args, lambda: run(ctx, args.zone, rebuild=force),
                         exclusive=zone_locks(ctx, args.zone), zone=args.zone)
    except Exception as err:  # noqa: BLE001 - recorded and alerted by the guard; no Py4J traceback for users
        print(f"lake run: failed: {(str(err).strip().splitlines() or [type(err).__name__])[0]}", file=sys.stderr)
        return REJECTED
    if report is None:
        return REJECTED
    for p in report.promotions:
        if p.ingests:
            print(f"{p.status:<9} {p.table}: {len(p.ingests)} ingest(s), {p.rows_in} rows in, "
                  f"{p.rows_quarantined} held back, {p.rows_out} rows in table" + (f" — {p.error}" if p.error else ""))
    for b in report.builds:
        detail = f"{b.rows} rows ({b.reason})" if b.status == "built" else b.error
        print(f"{b.status:<9} {b.table}: {detail}")
    if not any(p.ingests for p in report.promotions) and all(b.status == "unchanged" for b in report.builds):
        print("nothing to promote: every staged ingest is already in ODS")
    print(f"run {report.run_id}: {'ok' if report.ok else 'failed'}")
    return OK if report.ok else REJECTED


def _locked(ctx, task: str, command: str, args: argparse.Namespace, body: Callable[[], T],  # noqa: ANN001
            **how: Any) -> T | None:
    """``body()`` holding the command's locks (``lake.runtime.guard``); None, said on stderr, when refused."""
    from lake.runtime.guard import Busy, guarded

    try:
        with guarded(ctx, task, command, wait=args.wait, **how):
            return body()
    except Busy as err:
        print(f"{command.split(' --')[0]}: {err}", file=sys.stderr)
        return None


def cmd_query(args: argparse.Namespace) -> int:
    from lake.output import write
    from lake.query import QueryEngine
    from lake.query.engine import QueryError

    if args.target == "aws":
        return _query_aws(args)
    if (args.zone is None) == (args.principal is None):
        print("lake query: give exactly one of --zone ZONE or --as PRINCIPAL", file=sys.stderr)
        return USAGE
    ctx = _ctx(args)
    try:
        engine = QueryEngine(ctx.cfg, ctx.home, args.zone, principal=args.principal)
        write(engine.batches(args.sql), args.format)
    except PermissionError as err:
        print(str(err), file=sys.stderr)
        return REJECTED
    except QueryError as err:
        print(f"query failed: {err}", file=sys.stderr)
        return REJECTED
    return OK


def _query_aws(args: argparse.Namespace) -> int:
    """Athena in the zone's workgroup; Lake Formation decides what the caller's IAM role sees."""
    from lake.backends.aws_query import AthenaQuery
    from lake.output import write

    if args.zone is None:
        print("lake query --target aws: --zone names the workgroup to query in", file=sys.stderr)
        return USAGE
    try:
        session = _assume(args.principal) if args.principal else None
        table = AthenaQuery.from_env(session).query(args.zone, args.sql)
    except KeyError as err:
        print(f"lake query --target aws: set {err} (the deployment's Athena workgroup prefix)", file=sys.stderr)
        return USAGE
    except Exception as err:  # noqa: BLE001 - botocore/awswrangler errors: Athena said no
        print(f"query failed: {err}", file=sys.stderr)
        return REJECTED
    write(table.to_batches(), args.format, schema=table.schema)
    return OK


def _assume(role_arn: str):  # noqa: ANN202 - a boto3.Session; boto3 is imported only on AWS
    """On AWS a principal is an IAM role: Lake Formation grants are the role's, so assume it."""
    import boto3

    creds = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="lake-query")["Credentials"]
    return boto3.Session(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                         aws_session_token=creds["SessionToken"])


def cmd_catalog(args: argparse.Namespace) -> int:
    from lake.catalog import catalog, render_catalog
    from lake.health import tables_of
    from lake.query import AccessDenied

    ctx = _state_ctx(args)
    if ctx is None:
        return USAGE
    try:
        rows = catalog(ctx.cfg, tables_of(ctx), args.zone, getattr(args, "principal", None))
    except AccessDenied as err:
        print(str(err), file=sys.stderr)
        return USAGE
    print(json.dumps(rows, indent=2) if args.json else render_catalog(rows))
    return OK


def cmd_describe(args: argparse.Namespace) -> int:
    from lake.catalog import describe, render_describe

    ctx = _state_ctx(args)
    if ctx is None:
        return USAGE
    try:
        d = describe(ctx, args.table.lower())
    except KeyError:
        print(f"lake describe: unknown table '{args.table}' (name it <zone>_<layer>.<table>)", file=sys.stderr)
        return USAGE
    print(json.dumps(d, indent=2, default=str) if args.json else render_describe(d))
    return OK


def cmd_docs(args: argparse.Namespace) -> int:
    from lake.docs_site import write_site

    ctx = _state_ctx(args)
    if ctx is None:
        return USAGE
    page = write_site(ctx, Path(args.out) if args.out else ctx.home.root / "docs")
    print(f"catalog site written: {page}")
    return OK


def cmd_status(args: argparse.Namespace) -> int:
    from lake.approvals import waiting
    from lake.status import status

    ctx = _state_ctx(args)
    if ctx is None:
        return USAGE
    rows = status(ctx, args.zone)
    held = waiting(ctx, args.zone)
    dead: list[dict] = []
    if os.environ.get("LAKE_BACKEND") == "aws":  # locally nothing is ever queued
        from lake.backends.dead_letters import dead_letters

        dead = dead_letters()
    if args.json:
        print(json.dumps({"tables": rows, "waiting_for_approval": [
            {"zone": r.zone, "dataset": r.dataset, "ingest_id": r.ingest_id, "source_key": r.source_key,
             "rows_staged": r.rows_staged} for r in held], "dead_letters": dead}, indent=2, default=str))
    else:
        for d in dead:
            print(f"dead letters: {d['messages']} message(s) in {d['queue']} ({d['what']}): inspect them, fix the "
                  "cause, then redrive (aws sqs start-message-move-task)")
        for rec in held:
            print(f"waiting for approval: {rec.zone}/{rec.dataset} ingest {rec.ingest_id} ({rec.source_key}, "
                  f"{rec.rows_staged} rows) — lake approve {rec.zone}/{rec.dataset} --ingest {rec.ingest_id}")
        for row in rows:
            rows_now = "-" if row["rows"] is None else row["rows"]
            pending = f" (+{row['pending_rows']} staged, awaiting lake run)" if row["pending_rows"] else ""
            print(f"{row['table']:<45} {row['health']:<13} rows={rows_now:<7}{pending} "
                  f"last_load={row['last_load'] or '-'}  open_quarantines={len(row['open_quarantines'])}"
                  + (f"  error={row['error']}" if row.get("error") else "")
                  + (f"\n  problem: {row['problem']}" if row.get("problem") else ""))
    return OK


def cmd_check_freshness(args: argparse.Namespace) -> int:
    from lake.status import check_freshness

    stale = check_freshness(_ctx(args), args.zone)
    for s in stale:
        print(f"stale {s['table']}: last load {s['last_load']}, {s['age_hours']:.0f} h ago "
              f"(SLA {s['freshness_sla_hours']:g} h)")
    print(f"{len(stale)} table(s) past their freshness SLA")
    return REJECTED if stale else OK


def cmd_lineage(args: argparse.Namespace) -> int:
    from lake import lineage

    ctx = _ctx(args)
    try:
        table = lineage.resolve(ctx.cfg, args.table)
    except KeyError:
        print(f"lake lineage: unknown table '{args.table}'", file=sys.stderr)
        return USAGE
    if args.columns:
        hops = lineage.columns(ctx.cfg, table, args.columns)
        if args.json:
            print(json.dumps(hops, indent=2))
        for h in [] if args.json else hops:
            print(f"{h['table']}.{h['column']} <- {', '.join(h['from']) or '(constant)'}  [{h['via']}]")
        return OK
    if args.json:
        print(json.dumps({"table": table, "upstream": lineage.upstream(ctx.cfg, table, args.depth),
                          "downstream": lineage.downstream(ctx.cfg, table, args.depth)}, indent=2))
    else:
        print(lineage.render(ctx.cfg, table, args.depth))
    return OK


def cmd_plan(args: argparse.Namespace) -> int:
    import subprocess

    from lake.config import load_config
    from lake.plan import config_at, plan, render

    root = Path(args.config or "insight_zones")
    repo = Path(subprocess.run(["git", "-C", str(root), "rev-parse", "--show-toplevel"], check=True,
                               capture_output=True, text=True).stdout.strip())
    base, new = config_at(args.base, root, repo), load_config(root, keep_sql_errors=True)
    spark = None
    if args.diff:  # Python projections' columns: their transform on empty inputs (Spark analysis only)
        from lake.plan_diff import python_outputs
        from lake.spark import local_session

        spark = local_session(LakeHome.resolve(args.home).warehouse)
        result = plan(base, new, (python_outputs(spark, base), python_outputs(spark, new)))
    else:
        result = plan(base, new)
    doc = result.as_dict()
    if spark is not None:  # run the changed projections into scratch views, beside the real tables
        from lake.plan_diff import diff

        doc["diff"] = diff(spark, base, new)
    if args.json:
        print(json.dumps(doc, indent=2, default=str))
    else:
        print(render(result))
        for d in doc.get("diff", []):
            print(f"diff {d['table']}: " + (f"error {d['error']}" if "error" in d else
                  f"rows {d['rows_before']} -> {d['rows_after']}; only after: {d.get('only_after', [])[:3]}; "
                  f"only before: {d.get('only_before', [])[:3]}"))
    return REJECTED if result.breaking or any("error" in d for d in doc.get("diff", [])) else OK


AWS_DECIDE_ENV = ("LEDGER_TABLE", "RECORDS_TABLE", "STAGING_BUCKET", "ALERT_TOPIC_ARN_PATTERN")


def cmd_decide(args: argparse.Namespace) -> int:
    import os

    from lake.approvals import decide

    decision = "approved" if args.command == "approve" else "rejected"
    # LAKE_BACKEND=aws: the deployment's ledger and records (DynamoDB), its zone topics (SNS), and the
    # promotions waiting on Step Functions task tokens, which the decision resumes.
    on_aws = os.environ.get("LAKE_BACKEND") == "aws"
    if on_aws and (missing := [v for v in AWS_DECIDE_ENV if not os.environ.get(v)]):
        print(f"lake {args.command} with LAKE_BACKEND=aws: set {', '.join(missing)} (see the README)", file=sys.stderr)
        return USAGE
    try:
        if on_aws:
            from lake.runtime.context import context_from_env

            ctx = context_from_env(args.home, args.config)
        else:
            ctx = _ctx(args)
        ids = decide(ctx, args.target, decision, args.ingest, getattr(args, "reason", "") or "")
    except ValueError as err:
        print(f"lake {args.command}: {err}", file=sys.stderr)
        return USAGE
    for i in ids:
        print(f"{decision} ingest {i}")
    if not ids:
        print(f"nothing waiting for approval in {args.target}")
    elif decision == "approved":
        print("the promotions waiting for them continue on AWS" if on_aws
              else "run `lake run` to promote the approved ingests")
    return OK


def cmd_cdc(args: argparse.Namespace) -> int:
    import psycopg2

    from lake.cdc.capture import capture
    from lake.cdc.source import SourceError, Table
    from lake.cdc.stream import Options

    opts = Options(args.batch_rows, args.batch_seconds, args.max_batches, args.until_idle, args.on_truncate)
    try:
        out = capture(_ctx(args), args.dsn, args.zone, args.dataset, args.slot, Table.parse(args.table or args.dataset),
                      args.create_slot, opts)
    except SourceError as err:
        print(f"lake cdc: {err}", file=sys.stderr)
        return USAGE
    except psycopg2.Error as err:  # after the checks: slot in use, connection lost (rerun resumes)
        print(f"lake cdc: PostgreSQL: {str(err).strip()}", file=sys.stderr)
        return REJECTED
    print(f"{out.batches} batch(es), {out.changes} change(s) written to ingress")
    return REJECTED if out.truncated else OK


def cmd_forget(args: argparse.Namespace) -> int:
    from lake.erasure.subject import BadSubject, Subject
    from lake.local.forget import forget, kinds_in_use

    try:
        subject = Subject.parse(args.subject)
    except BadSubject as err:
        print(f"lake forget: {err}", file=sys.stderr)
        return USAGE
    if args.target == "aws":
        return _forget_aws(subject.kind.name, subject.value)
    ctx = _ctx(args)
    if subject.kind.name not in kinds_in_use(ctx) and not subject.kind.distinctive:
        print(f"lake forget: no contract marks a column as subject '{subject.kind.name}': nothing could identify "
              "the subject", file=sys.stderr)
        return USAGE
    try:
        # An erasure rewrites raw files, staging, every zone's tables and their history: nothing may
        # write them meanwhile (orphan removal cannot tell a running promotion's new files from debris).
        from lake.runtime.guard import zone_locks

        report = _locked(ctx, "erase", "lake forget", args, lambda: forget(ctx, subject),
                         exclusive=[*zone_locks(ctx, None), "ingest"], records_itself=True)
        if report is None:
            return REJECTED
    except RuntimeError as err:
        print(f"lake forget: {err}", file=sys.stderr)
        return REJECTED
    for change in report.changes:
        print(change.line())
    print(f"erasure {report.request_id}: {report.rows_removed} row(s) removed "
          f"({subject.kind.name} {report.subject_hash[:12]}…, recorded in platform.erasures)")
    return OK


def _forget_aws(kind: str, value: str) -> int:
    """Submit the request to the deployed lake: the erase Glue job runs it (lake/erasure/aws.py)."""
    from lake.erasure.aws import submit, targets_from_env

    try:
        t = targets_from_env()
    except KeyError as err:
        print(f"lake forget --target aws: set {err.args[0]} (the pipeline stack's outputs name it)", file=sys.stderr)
        return USAGE
    execution = submit(kind, value, state_machine_arn=t.state_machine_arn, landing_bucket=t.landing_bucket,
                       kms_key_id=t.kms_key_id)
    print(f"erasure submitted: {execution} (follow it in Step Functions; platform.erasures records the result)")
    return OK


def cmd_demo(args: argparse.Namespace) -> int:
    from lake.demo.run import demo

    return demo(args.home, args.config)


def cmd_twin(args: argparse.Namespace) -> int:
    from lake.twin.run import main as twin

    return twin(args.assembly, args.unused)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lake", description="Insight Lake on the embedded default (no AWS needed).")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--home", help="lake home (default: $LAKE_HOME or ./.lake)")
    common.add_argument("--config", help="insight_zones folder (default: $LAKE_CONFIG or the repo's)")
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("validate", parents=[common], help="validate all insight zone config").set_defaults(fn=cmd_validate)
    s = sub.add_parser("schema", parents=[common], help="write the JSON Schema for zone.yaml")
    s.add_argument("--out")
    s.set_defaults(fn=cmd_schema)
    sub.add_parser("demo", parents=[common], help="fresh home, sample data, full flow").set_defaults(fn=cmd_demo)
    s = sub.add_parser("forget", parents=[common], help="erase a data subject from every layer, history included")
    s.add_argument("--subject", required=True, metavar="KIND=VALUE", help="e.g. person_email=jane@example.com")
    s.add_argument("--target", choices=["local", "aws"], default="local",
                   help="aws: submit to the deployed erasure workflow (LAKE_ERASURE_STATE_MACHINE_ARN, LANDING_BUCKET)")
    s.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=WAIT_HELP)
    s.set_defaults(fn=cmd_forget)
    s = sub.add_parser("drop", parents=[common], help="put FILE into ingress and ingest it")
    s.add_argument("file")
    s.add_argument("--zone", required=True)
    s.add_argument("--dataset", required=True)
    s.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=WAIT_HELP)
    s.set_defaults(fn=cmd_drop)
    s = sub.add_parser("ingest", parents=[common], help="ingest every ingress object not yet seen")
    s.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=WAIT_HELP)
    s.set_defaults(fn=cmd_ingest)
    s = sub.add_parser("replay", parents=[common], help="validate quarantined files again (after a contract fix)")
    s.add_argument("ingest_ids", nargs="*", metavar="INGEST_ID")
    s.add_argument("--dataset", metavar="ZONE.DATASET", help="every open quarantine of this dataset")
    s.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=WAIT_HELP)
    s.set_defaults(fn=cmd_replay)
    s = sub.add_parser("acknowledge", parents=[common], help="close quarantines that need no replay")
    s.add_argument("ingest_ids", nargs="+", metavar="INGEST_ID")
    s.add_argument("--reason", required=True, help="why no replay is needed (recorded in the ledger)")
    s.set_defaults(fn=cmd_acknowledge)
    s = sub.add_parser("run", parents=[common], help="promote staged data to ODS, rebuild projections")
    s.add_argument("--zone", help="promote this zone's datasets and rebuild only its own projections")
    s.add_argument("--rebuild", nargs="?", const="*", metavar="TABLE",
                   help="rebuild TABLE (and what depends on it), or every projection, even if unchanged")
    s.add_argument("--wait", type=float, default=0.0, metavar="SECONDS", help=WAIT_HELP)
    s.set_defaults(fn=cmd_run)
    s = sub.add_parser("query", parents=[common], help="Athena-dialect SQL as zone Z (or as a principal)")
    s.add_argument("sql")
    s.add_argument("--zone", help="query as the zone's ordinary reader (on AWS: in the zone's workgroup)")
    s.add_argument("--as", dest="principal", metavar="PRINCIPAL",
                   help="query as a principal named in a zone.yaml (readers or pii_readers); "
                        "with --target aws, the ARN of the IAM role to assume")
    s.add_argument("--format", choices=["table", "csv", "json"], default="table")
    s.add_argument("--target", choices=["local", "aws"], default="local",
                   help="local DuckDB (default) or Athena in the zone's workgroup ($ATHENA_WORKGROUP_PREFIX)")
    s.set_defaults(fn=cmd_query)
    s = sub.add_parser("catalog", parents=[common], help="every table a zone can see: owner, layer, rows, last update")
    who = s.add_mutually_exclusive_group()
    who.add_argument("--zone")
    who.add_argument("--as", dest="principal", metavar="PRINCIPAL")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_catalog)
    from lake.infer.command import add_parser as add_infer

    add_infer(sub, common)
    s = sub.add_parser("describe", parents=[common], help="one table: columns, key, lineage, quality, freshness")
    s.add_argument("table", help="<zone>_<layer>.<table>")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_describe)
    s = sub.add_parser("docs", parents=[common], help="write a static catalog site (zones, tables, lineage, health)")
    s.add_argument("--out", help="folder for the site (default: <home>/docs)")
    s.set_defaults(fn=cmd_docs)
    s = sub.add_parser("status", parents=[common], help="per table: last load, rows, health")
    s.add_argument("--zone")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_status)
    s = sub.add_parser("check-freshness", parents=[common], help="alert each table past its freshness SLA")
    s.add_argument("--zone")
    s.set_defaults(fn=cmd_check_freshness)
    s = sub.add_parser("lineage", parents=[common], help="upstream and downstream tables, across zones")
    s.add_argument("table", help="zone_layer.table, zone.table or zone/dataset")
    s.add_argument("--depth", type=int, help="hops to follow (default: all)")
    s.add_argument("--columns", metavar="COLUMN", help="follow this column through the projection SQL")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_lineage)
    s = sub.add_parser("plan", parents=[common], help="what a config change breaks downstream, before merging")
    s.add_argument("--base", default="HEAD", help="git revision to compare with (default: HEAD)")
    s.add_argument("--diff", action="store_true", help="also run changed projections into scratch views and "
                   "report rows before/after")
    s.add_argument("--json", action="store_true")
    s.set_defaults(fn=cmd_plan)
    s = sub.add_parser("cdc", parents=[common], help="stream a PostgreSQL table's changes (logical replication "
                       "slot, wal2json) into ingress, acknowledging only what is durably written")
    s.add_argument("--dsn", required=True, help="libpq connection string or postgresql:// URI")
    s.add_argument("--zone", required=True)
    s.add_argument("--dataset", required=True)
    s.add_argument("--slot", required=True, help="logical replication slot (plugin wal2json)")
    s.add_argument("--table", help="source table [schema.]name (default: public.<dataset>)")
    s.add_argument("--create-slot", action="store_true", help="create the slot if missing, starting from a "
                   "snapshot of the table's rows")
    s.add_argument("--batch-rows", type=int, default=10_000, help="changes per file at most (default 10000)")
    s.add_argument("--batch-seconds", type=float, default=5.0, help="write a batch once its first change is "
                   "this old (default 5)")
    s.add_argument("--max-batches", type=int, help="stop after this many batches")
    s.add_argument("--until-idle", type=float, metavar="SECONDS", help="stop once no change came for SECONDS "
                   "(default: run until SIGINT/SIGTERM)")
    s.add_argument("--on-truncate", choices=["stop", "delete"], default="stop", help="at a TRUNCATE: stop and "
                   "report (default), or delete every key the lake holds and go on")
    s.set_defaults(fn=cmd_cdc)
    for name, text in (("approve", "let waiting ingests of a manual dataset reach ODS"),
                       ("reject", "keep waiting ingests of a manual dataset out of ODS, telling producers why")):
        s = sub.add_parser(name, parents=[common], help=text)
        s.add_argument("target", metavar="ZONE/DATASET")
        s.add_argument("--ingest", help="one ingest id (default: every waiting ingest)")
        if name == "reject":
            s.add_argument("--reason", required=True)
        s.set_defaults(fn=cmd_decide)
    s = sub.add_parser("twin", help="the demo scenario through the synthesized deployment, offline, against local")
    s.add_argument("--assembly", metavar="DIR", help="a synthesized cloud assembly (default: synthesize this repo)")
    s.add_argument("--unused", action="store_true",
                   help="also write README's table of role statements the scenario never needed")
    s.set_defaults(fn=cmd_twin)
    return p


def main(argv: list[str] | None = None) -> int:
    """The command line; ``argv`` None: this process is the command (``lake ...``, ``python -m lake.cli``)."""
    code = _main(argv)
    if argv is None:
        _exit_after_spark(code)
    return code


def _exit_after_spark(code: int) -> None:
    """End a command that started Spark now, as a user waits for the prompt: exit hooks run and output is
    flushed, but the interpreter's teardown is skipped: with Spark's Py4J gateway open it takes 0.1-0.4 s
    (benchmarks/run/PROFILE.md). The JVM ends when this process does (its stdin closes), as after a
    normal exit. The records are committed by then (SQLite commits each
    write); their connections are closed as a normal exit closes them (SQLite then folds its write-ahead
    log back into the database file, leaving no -wal file behind). Only when this process is the command:
    never inside a caller (tests pass ``argv``)."""
    context = sys.modules.get("pyspark.context")
    if context is None or getattr(context.SparkContext, "_gateway", None) is None:
        return
    import atexit
    import gc
    import sqlite3
    import threading

    for thread in threading.enumerate():  # as a normal exit does: wait for the threads that are not daemons
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()  # what a normal exit runs next (logging's flush among them)
    for db in [o for o in gc.get_objects() if type(o) is sqlite3.Connection]:
        with contextlib.suppress(sqlite3.Error):
            db.close()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def _main(argv: list[str] | None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command not in PROGRESS:
            return args.fn(args)
        from lake.progress import reporting

        with reporting(f"lake {args.command}"):
            return args.fn(args)
    except Exception as err:
        # lake.config (pydantic, sqlglot, pyarrow: ~1 s) is imported by the commands that read
        # config, not by every `lake` start.
        from lake.config import ConfigError

        if not isinstance(err, ConfigError):
            raise
        for problem in err.problems:
            print(problem, file=sys.stderr)
        print(f"{len(err.problems)} problem(s) in insight zone config", file=sys.stderr)
        return USAGE


if __name__ == "__main__":
    sys.exit(main())
