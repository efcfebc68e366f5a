"""The erasure drill's steps (its tests: ``test_erasure_drill.py``): an operator erases a data subject
from the deployment (``lake forget --target aws``) after the demo's files went through it. The
erasure state machine runs the erase and vacuum Glue jobs; then every byte the twin's S3 holds
(every bucket, every object version) and every DynamoDB item is exported, to be searched for the
subject's address and each zone's HMAC of it, as the local erasure test searches the lake home."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from lake.pii import hmac_hex
from lake.twin.intrinsics import resolve
from lake.twin.twin import Twin
from tests.erasure.deep_search import find
from tests.twin import drills


def stack_output(twin: Twin, key: str) -> str:
    """A stack output as the operator reads it (``aws cloudformation describe-stacks``)."""
    for stack in twin.assembly.stacks:
        out = stack.template.get("Outputs", {}).get(key)
        if out:
            return str(resolve(out["Value"], twin.deployment.scopes[stack.id]))
    raise LookupError(key)


def forget_on_aws(twin: Twin, subject: str) -> tuple[int, str]:
    """``lake forget --subject ... --target aws`` with the pipeline stack's outputs in the environment; its
    S3 and Step Functions calls recorded as the ``operator``'s (the access proof decides them)."""
    import functools

    from lake.cli import main
    from lake.erasure import aws

    env = {"LAKE_ERASURE_STATE_MACHINE_ARN": stack_output(twin, "ErasureStateMachineArn"),
           "LANDING_BUCKET": stack_output(twin, "LandingBucketName")}
    old = {k: os.environ.get(k) for k in [*env, "LAKE_KMS_KEY_ID"]}
    os.environ.pop("LAKE_KMS_KEY_ID", None)
    os.environ.update(env)
    out = io.StringIO()
    submit = aws.submit
    aws.submit = functools.partial(submit, s3=twin.client("s3", "operator"),
                                   sfn=twin.client("stepfunctions", "operator"))
    try:
        with contextlib.redirect_stdout(out):
            code = main(["forget", "--subject", subject, "--target", "aws"])
    finally:
        aws.submit = submit
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    return code, out.getvalue()


def export_everything(twin: Twin, root: Path) -> dict[str, list[tuple[str, str, bool]]]:
    """Every version of every object into ``root/<bucket>/<key>/<version>`` (the current ones also in
    ``root/_current``), every DynamoDB table's items into ``root/_dynamodb``; per bucket the versions
    as (key, version id, is latest)."""
    s3, versions = twin.client("s3"), {}
    for b in s3.list_buckets()["Buckets"]:
        bucket, versions[b["Name"]] = b["Name"], []
        for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
            for v in page.get("Versions", []):
                body = s3.get_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])["Body"].read()
                where = root / "_current" if v["IsLatest"] else root / "_noncurrent"
                path = where / bucket / v["Key"] / str(v["VersionId"])
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body)
                versions[bucket].append((v["Key"], str(v["VersionId"]), bool(v["IsLatest"])))
    ddb = twin.client("dynamodb")
    (root / "_current" / "_dynamodb").mkdir(parents=True, exist_ok=True)
    for table in ddb.list_tables()["TableNames"]:
        items = [i for page in ddb.get_paginator("scan").paginate(TableName=table) for i in page["Items"]]
        (root / "_current" / "_dynamodb" / f"{table}.json").write_text(json.dumps(items, default=str))
    return versions


def expiring_within_a_day(twin: Twin, bucket: str, key: str) -> bool:
    """Whether the bucket's lifecycle (as its template declares it: the twin does not run lifecycle
    rules) expires a noncurrent version of ``key`` after at most one day."""
    res = twin.deployment.by_ref("AWS::S3::Bucket", bucket)
    rules = res.properties.get("LifecycleConfiguration", {}).get("Rules", []) if res else []
    for r in rules:
        prefix = r.get("Prefix", r.get("Filter", {}).get("Prefix", ""))
        days = r.get("NoncurrentVersionExpiration", {}).get("NoncurrentDays")
        if r.get("Status") == "Enabled" and days is not None and int(days) <= 1 and key.startswith(prefix):
            return True
    return False


def zone_keys(twin: Twin) -> list[bytes]:
    """Every PII key the deployment's Secrets Manager holds (each zone's, and the platform's)."""
    sm, keys = twin.client("secretsmanager"), []
    for s in sm.list_secrets()["SecretList"]:
        value = sm.get_secret_value(SecretId=s["ARN"]).get("SecretString", "").strip()
        with contextlib.suppress(ValueError):
            keys.append(bytes.fromhex(value))
    return keys


def emails_of_expenses(samples: list[Any]) -> list[str]:
    rows = [r for s in samples if s.dataset == "expenses" and s.path.suffix == ".csv"
            for r in csv.DictReader(s.path.read_text().splitlines())]
    return sorted({r["employee_email"] for r in rows if r.get("employee_email")})


def needles(value: str, keys: list[bytes]) -> list[str]:
    hashes = {hmac_hex(k, value) for k in keys}
    return [value, value[:15], *hashes, *(h[:15] for h in hashes)]  # Iceberg bounds keep 16 characters


def erase_after_scenario(twin: Twin, samples: list[Any], work: Path) -> dict[str, Any]:
    """Run on the twin of ``lake twin``'s run once the scenario's results were read from it (the
    fixture ``twin_report``): one scenario run serves both. Everything the tests check, gathered."""
    out: dict[str, Any] = {}
    emails = emails_of_expenses(samples)
    out["subject"], out["other"] = emails[0], emails[-1]
    out["keys"] = zone_keys(twin)
    out["failures_before"] = list(twin.failures)
    before = [e["executionArn"] for e in twin.executions()]
    ledger_before = {r.ingest_id for r in drills.ledger(twin)}
    out["hits_before"] = find(_export(twin, work / "erasure-before"), needles(out["subject"], out["keys"]))
    out["code"], out["printed"] = forget_on_aws(twin, f"person_email={out['subject']}")
    twin.settle()
    out["executions"] = [e for e in twin.executions() if e["executionArn"] not in before]
    out["failures"] = list(twin.failures)
    out["new_ledger"] = [r for r in drills.ledger(twin) if r.ingest_id not in ledger_before]
    out["root"] = work / "erasure-after"
    out["versions"] = export_everything(twin, out["root"])
    out["expiring"] = {(b, k): expiring_within_a_day(twin, b, k)
                       for b, vs in out["versions"].items() for k, _, latest in vs if not latest}
    return out


def _export(twin: Twin, root: Path) -> Path:
    export_everything(twin, root)
    return root / "_current"
