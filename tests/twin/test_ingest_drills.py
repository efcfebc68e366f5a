"""Drills of the ingest path through the deployment: an alert whose publish fails is sent the next
time its failure is raised (never recorded as told before SNS took it), and a validation lease that
outlives the validation however long it runs (the Glue job renews it; a second validator cannot take
the file meanwhile).

One twin of a copy of the assembly whose validator hands every file to the ``validate_large`` Glue
job (its ``INGEST_GLUE_THRESHOLD_BYTES`` set to 1 byte), since the lease matters most there."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from lake.twin import scenario
from lake.twin.assembly import Assembly, load
from lake.twin.glue import JobRun
from lake.twin.twin import Twin
from tests.twin import drills

LEASE = 2  # seconds: the drill's lease, for the Glue job and the competing validator alike
STALL = 4 * LEASE  # how long the job's download of the landing copy hangs, holding the lease


def every_file_to_glue(assembly: Assembly, out: Path) -> Assembly:
    shutil.copytree(assembly.root, out, symlinks=True)
    for f in out.glob("*.template.json"):
        template = json.loads(f.read_text())
        for r in template.get("Resources", {}).values():
            env = r.get("Properties", {}).get("Environment", {}).get("Variables", {})
            if r["Type"] == "AWS::Lambda::Function" and "INGEST_GLUE_THRESHOLD_BYTES" in env:
                env["INGEST_GLUE_THRESHOLD_BYTES"] = "1"
        f.write_text(json.dumps(template))
    return load(out)


@contextmanager
def sns_down() -> Iterator[None]:
    """Every SNS publish fails (HTTP 500, after the SDK's retries) until the block ends."""
    from moto.core.exceptions import JsonRESTError
    from moto.sns.models import SNSBackend

    original = SNSBackend.publish

    def publish(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise JsonRESTError("InternalError", "the twin's drill: SNS is down")

    setattr(SNSBackend, "publish", publish)  # noqa: B010 - patching moto
    try:
        yield
    finally:
        setattr(SNSBackend, "publish", original)  # noqa: B010


@contextmanager
def stalled_get(matches: Callable[[str, str], bool], seconds: float) -> Iterator[None]:
    """S3 answers a GetObject of a matching key only after ``seconds`` (a slow network, a huge file)."""
    from moto.s3.models import S3Backend

    original = S3Backend.get_object

    def get_object(self: Any, bucket_name: str, key_name: str, *args: Any, **kwargs: Any) -> Any:
        if matches(bucket_name, key_name):
            time.sleep(seconds)
        return original(self, bucket_name, key_name, *args, **kwargs)

    setattr(S3Backend, "get_object", get_object)  # noqa: B010
    try:
        yield
    finally:
        setattr(S3Backend, "get_object", original)  # noqa: B010


def put(twin: Twin, key: str, body: bytes) -> None:
    twin.client("s3", "producer").put_object(Bucket=scenario.deployment_setting(twin, "INGRESS_BUCKET"), Key=key,
                                             Body=body)


def quarantine_alerts(twin: Twin, since: int) -> list[Any]:
    return [d for d in twin.deliveries.items[since:] if d.protocol == "email" and d.alert.get("zone") == "finance"
            and "quarantined" in str(d.alert.get("subject", ""))]


def competing_claims(twin: Twin, filename: str, out: list[tuple[float, bool]]) -> Callable[[JobRun, Path], bool]:
    """A fault that never kills: while the job validates ``filename``, a validator on another host
    tries to take the same file every lease length, once the job's own claim is older than a lease."""
    from lake.backends.dynamodb_ledger import DynamoDbLedger

    ledger = DynamoDbLedger(scenario.deployment_setting(twin, "LEDGER_TABLE"))
    seen: dict[str, float] = {}

    def fault(run: JobRun, root: Path) -> bool:
        now = time.monotonic()
        if now - seen.get("last", 0.0) < LEASE:
            return False
        seen["last"] = now
        rec = next((r for r in ledger.records() if r.source_key.endswith(filename)), None)
        if rec is None or rec.outcome != "validating":
            return False
        first = seen.setdefault("validating", now)
        if now - first > 1.5 * LEASE:
            out.append((now - first, ledger.start(rec.ingest_id, "lambda", LEASE, holder="elsewhere:1:1")))
        return False

    return fault


@pytest.fixture(scope="module")
def ingest_drills(assembly: Assembly, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("drill-ingest")
    twin = Twin.start(every_file_to_glue(assembly, work / "cdk.out"), work / "twin")
    out: dict[str, Any] = {}
    bad = b"centre,budget\nX%d,not a number\n"  # neither of the contract's required columns
    try:
        # 1. SNS is down when a file is quarantined: no one hears of it, and no one is recorded as told.
        with sns_down():
            put(twin, "finance/cost_centers/broken-1.csv", bad % 1)
            twin.settle()
        out["ledger_1"] = [r for r in drills.ledger(twin) if r.source_key.endswith("broken-1.csv")]
        out["alerts_while_down"] = quarantine_alerts(twin, 0)
        # 2. SNS is back; the same failure is raised again (another broken file): now the owners hear.
        before = len(twin.deliveries.items)
        put(twin, "finance/cost_centers/broken-2.csv", bad % 2)  # other bytes: not a duplicate
        twin.settle()
        out["alerts_after"] = quarantine_alerts(twin, before)
        # 3. A validation that outlasts its lease: the job's download of the file hangs for 4 leases.
        sample = drills.sample(work, "cost_centers")
        job = next(r.ref for r in twin.deployment.of_type("AWS::Glue::Job") if r.logical_id.startswith("ValidateLarge"))
        twin.glue.env["LAKE_LEASE_SECONDS"] = str(LEASE)
        claims: list[tuple[float, bool]] = []
        twin.glue.faults[job] = competing_claims(twin, sample.path.name, claims)
        landing = scenario.deployment_setting(twin, "LANDING_BUCKET")
        with stalled_get(lambda b, k: b == landing and k.endswith(sample.path.name), STALL):
            scenario.drop(twin, [sample])
            twin.settle()
        out["claims"] = claims
        out["runs"] = [r for r in twin.glue.runs if r.job == job]
        out["ledger_3"] = [r for r in drills.ledger(twin) if r.source_key.endswith(sample.path.name)]
        out["failures"] = list(twin.failures)
    finally:
        twin.stop()
    return out


@pytest.mark.slow
def test_a_failed_publish_leaves_the_file_quarantined_and_no_one_told(ingest_drills: dict[str, Any]) -> None:
    assert [r.outcome for r in ingest_drills["ledger_1"]] == ["quarantined"]
    assert ingest_drills["alerts_while_down"] == []


@pytest.mark.slow
def test_an_alert_whose_publish_failed_is_sent_when_raised_again(ingest_drills: dict[str, Any]) -> None:
    """Recording the alert as open before publishing it (the defect) silenced this one for good."""
    got = ingest_drills["alerts_after"]
    assert got, "the owners never heard of the quarantined files"
    assert sorted({d.endpoint for d in got}) == sorted(d.endpoint for d in got)  # each owner once


@pytest.mark.slow
def test_a_second_validator_cannot_take_a_file_whose_validation_outlasts_the_lease(
        ingest_drills: dict[str, Any]) -> None:
    claims = ingest_drills["claims"]
    assert claims, "the drill never competed for the file (the stall did not hold the lease)"
    assert max(t for t, _ in claims) > 2 * LEASE  # competed well after an unrenewed lease had lapsed
    assert [taken for _, taken in claims] == [False] * len(claims)
    assert [r.state for r in ingest_drills["runs"]][-1] == "SUCCEEDED"
    assert [r.outcome for r in ingest_drills["ledger_3"]] == ["staged"]
    assert [r.runner for r in ingest_drills["ledger_3"]] == ["glue"]
