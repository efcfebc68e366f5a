"""Drill: an operator erases a data subject from the deployment (``lake forget --target aws``) after
the demo's files went through it. The erasure state machine runs the erase and vacuum Glue jobs;
then every byte the twin's S3 holds (every bucket, every object version) and every DynamoDB item is
searched for the subject's address and each zone's HMAC of it, as the local erasure test searches
the lake home."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from lake.pii import hmac_hex
from lake.twin import scenario
from lake.twin.assembly import Assembly
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
    """``lake forget --subject ... --target aws`` with the pipeline stack's outputs in the environment."""
    from lake.cli import main

    env = {"LAKE_ERASURE_STATE_MACHINE_ARN": stack_output(twin, "ErasureStateMachineArn"),
           "LANDING_BUCKET": stack_output(twin, "LandingBucketName")}
    old = {k: os.environ.get(k) for k in [*env, "LAKE_KMS_KEY_ID"]}
    os.environ.pop("LAKE_KMS_KEY_ID", None)
    os.environ.update(env)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            code = main(["forget", "--subject", subject, "--target", "aws"])
    finally:
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


@pytest.fixture(scope="module")
def erased(assembly: Assembly, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("drill-erasure")
    twin = Twin.start(assembly, work / "twin")
    out: dict[str, Any] = {}
    try:
        samples = scenario.run(twin, work)
        emails = emails_of_expenses(samples)
        out["subject"], out["other"] = emails[0], emails[-1]
        out["keys"] = zone_keys(twin)
        out["failures_before"] = list(twin.failures)
        before = [e["executionArn"] for e in twin.executions()]
        ledger_before = {r.ingest_id for r in drills.ledger(twin)}
        out["hits_before"] = find(_export(twin, work / "before"), needles(out["subject"], out["keys"]))
        out["code"], out["printed"] = forget_on_aws(twin, f"person_email={out['subject']}")
        twin.settle()
        out["executions"] = [e for e in twin.executions() if e["executionArn"] not in before]
        out["failures"] = list(twin.failures)
        out["new_ledger"] = [r for r in drills.ledger(twin) if r.ingest_id not in ledger_before]
        out["root"] = work / "after"
        out["versions"] = export_everything(twin, out["root"])
        out["expiring"] = {(b, k): expiring_within_a_day(twin, b, k)
                           for b, vs in out["versions"].items() for k, _, latest in vs if not latest}
    finally:
        twin.stop()
    return out


def _export(twin: Twin, root: Path) -> Path:
    export_everything(twin, root)
    return root / "_current"


@pytest.mark.slow
def test_the_erasure_workflow_succeeds(erased: dict[str, Any]) -> None:
    assert erased["hits_before"], "the subject was in the deployment before (else the drill proves nothing)"
    assert erased["code"] == 0 and "erasure submitted" in erased["printed"]
    submitted = erased["printed"].split()[2]  # "erasure submitted: <execution ARN> (...)"
    [erasure] = [e for e in erased["executions"] if e["executionArn"] == submitted]
    assert erasure["status"] == "SUCCEEDED"
    assert erased["failures"] == erased["failures_before"]
    assert erased["subject"] not in erased["printed"].lower()


@pytest.mark.slow
def test_the_rewritten_objects_events_ingest_nothing_twice(erased: dict[str, Any]) -> None:
    """The erasure rewrites ingress and landing objects, and S3 emits their events as for any put: the
    receiver records the rewritten ingress objects as duplicates (the ledger already holds their new
    version), the validator and the promotion they set off re-stage and promote nothing new."""
    assert all(e["status"] == "SUCCEEDED" for e in erased["executions"])
    assert [r.outcome for r in erased["new_ledger"] if r.duplicate_of is None] == []


@pytest.mark.slow
def test_no_current_object_or_item_holds_the_subject_or_its_hashes(erased: dict[str, Any]) -> None:
    assert find(erased["root"] / "_current", needles(erased["subject"], erased["keys"])) == []


@pytest.mark.slow
def test_old_versions_holding_the_subject_expire_within_a_day(erased: dict[str, Any]) -> None:
    """The lake's buckets are versioned: an old version holding the subject must be gone (the erase job
    purges the versions of the objects it rewrites) or under a lifecycle rule expiring it within a day.
    Seam: the twin's Iceberg tables live in its own unversioned catalog bucket, so the versions that
    the vacuum's deletions leave on AWS (ODS and analytics buckets, 1-day erasure rules) are not here."""
    hits = find(erased["root"] / "_noncurrent", needles(erased["subject"], erased["keys"]))
    kept = set()
    for hit in hits:
        path = hit.split(" (")[0]
        if not (erased["root"] / "_noncurrent" / path).is_file():
            continue  # a folder's name: the versions under it are hits of their own
        bucket, _, rest = path.partition("/")
        key = rest.rsplit("/", 1)[0]
        if not erased["expiring"].get((bucket, key), False):
            kept.add(f"{bucket}/{key}")
    assert sorted(kept) == []


@pytest.mark.slow
def test_another_subjects_rows_are_still_there(erased: dict[str, Any]) -> None:
    hits = find(erased["root"] / "_current", needles(erased["other"], erased["keys"]))
    assert any("(parquet values)" in h for h in hits)  # the hashed claimant in the zone's tables
    assert any("(raw)" in h and h.endswith(erased["other"]) for h in hits)  # the raw file in landing
