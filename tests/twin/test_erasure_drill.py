"""Drill: an operator erases a data subject from the deployment (``lake forget --target aws``) after
the demo's files went through it: on the twin of the session's ``lake twin`` run (``twin_report``),
once that run's results were read. Then every byte the twin's S3 holds (every object version) and
every DynamoDB item is searched for the subject's address and each zone's HMAC of it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.erasure.deep_search import find
from tests.twin.erasure_drill import needles


@pytest.fixture(scope="module")
def erased(twin_report) -> dict[str, Any]:  # noqa: ANN001
    if isinstance(twin_report.then, BaseException):
        raise twin_report.then
    return twin_report.then


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


@pytest.fixture(scope="module")
def drill_proof(twin_report):  # noqa: ANN001, ANN201 - lake.twin.access.proof.Proof
    """The drill's own AWS calls (the operator's, the erasure state machine's, the erase and vacuum jobs'
    including what Spark read), decided by the access proof against the same policies as the scenario's."""
    if isinstance(twin_report.then_access, BaseException):
        raise twin_report.then_access
    return twin_report.then_access


@pytest.mark.slow
def test_every_call_of_the_erasure_is_allowed(twin_report, drill_proof) -> None:  # noqa: ANN001
    components = {c["component"] for c in twin_report.then_calls}
    assert "operator" in components
    for job in ("ErasureJobsEraseJob", "ErasureJobsVacuumJob"):
        assert any(c.startswith(f"glue:Pipeline/{job}") for c in components), components
    assert any(c["action"] == "s3:GetObject" and c["component"].startswith("glue:Pipeline/ErasureJobs")
               for c in twin_report.then_calls)  # Spark's reads are among them
    assert drill_proof.problems() == []


@pytest.mark.slow
def test_statements_kept_for_the_erasure_drill_are_the_ones_it_used(twin_report, drill_proof) -> None:  # noqa: ANN001
    """README's unused-permission table keeps the erasure's statements "proven by the erasure drill":
    each of them was needed by a call of the drill, and allowed."""
    from lake.twin.access.proof import statement_key
    from lake.twin.access.unused import reasons

    why = reasons()
    claimed = [(role, st) for role, statements in twin_report.access.unused().items() for st in statements
               if "proven by the erasure drill" in why.get(statement_key(role, st), "")]
    assert claimed
    assert sorted({statement_key(role, st) for role, st in claimed if st.where not in drill_proof.used}) == []


@pytest.mark.slow
def test_a_statement_removed_fails_the_erasure_drills_calls(twin_report, assembly, tmp_path) -> None:  # noqa: ANN001
    """The drill's calls re-decided against a copy of the templates without the erasure jobs' secrets read."""
    from lake.twin.access.physical import replay
    from lake.twin.access.proof import evaluate
    from lake.twin.assembly import load
    from tests.twin.test_access_proof import _without

    broken = load(_without(assembly.root, tmp_path, "Pipeline", "ErasureJobsRoleDefaultPolicy",
                           "secretsmanager:GetSecretValue"))
    proof = evaluate(replay(broken, twin_report.calls_file.parent / "deployment.json"), twin_report.then_calls)
    denied = [f for f in proof.failures if "secretsmanager:GetSecretValue" in f]
    assert denied and denied[0].startswith("glue:Pipeline/ErasureJobs"), proof.failures
    assert "in role Pipeline/ErasureJobsRole" in denied[0]
