"""Failure drills in the twin: what the deployment does when events repeat, go missing or poison a
queue, and when a Glue job dies mid-write."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lake.twin import health, scenario
from lake.twin.access import proof
from lake.twin.twin import Twin
from tests.twin import drills, finance_twin


@pytest.fixture(scope="module")
def events_twin(finance_drills: dict[str, Any]) -> dict[str, Any]:
    return finance_twin.drill_results(finance_drills, "events")


def event_drills(twin: Twin, work: Path) -> dict[str, Any]:
    """The event drills, run in order on the finance twin (``tests/twin/finance_twin.py``, its first
    drill: its cost centers are the zone's): a duplicate delivery, a lost event, a poison message."""
    out: dict[str, Any] = {}
    receiver_queue = drills.queue_of(twin, "receiver")
    # 1. The same S3 event, delivered twice.
    cc = drills.sample(work, "cost_centers")
    scenario.drop(twin, [cc])
    original = drills.take_messages(twin, receiver_queue)
    for _ in range(2):
        drills.send(twin, receiver_queue, original[0]["Body"])
    twin.settle()
    out["cost_centers"] = [r for r in drills.ledger(twin) if r.source_key.endswith(cc.path.name)]
    out["staged_cost_centers"] = drills.staged_keys(twin, "finance/cost_centers/")
    # 2. An object whose event was lost: the hourly reconcile sweep finds it.
    accounts = drills.sample(work, "accounts")
    drills.put_losing_the_event(twin, accounts)
    twin.settle()
    out["before_sweep"] = [r for r in drills.ledger(twin) if r.source_key.endswith(accounts.path.name)]
    twin.tick("ReconcileSchedule")
    twin.settle()
    out["after_sweep"] = [r for r in drills.ledger(twin) if r.source_key.endswith(accounts.path.name)]
    # 3. A poison message: an event cut short, which fails the receiver every time it is tried.
    drills.send(twin, receiver_queue, original[0]["Body"][:60])
    twin.settle()
    out["dead_letters"] = health.dead_letters(twin)
    out["problems"] = health.problems(twin)
    out["status"] = lake_status(twin)
    out["calls"] = twin.calls.all()
    out["access"] = proof.evaluate(twin.deployment, out["calls"])  # the drills' calls, the sweep's among them
    return out


@pytest.mark.slow
def test_every_call_of_the_event_drills_is_allowed(events_twin: dict[str, Any]) -> None:
    """The access proof on the drills' own calls: the reconcile sweep (which the demo scenario never
    needs) lists ingress and hands the lost object on, as its role and the buckets' policies allow."""
    sweep = [c for c in events_twin["calls"] if c["component"].startswith("lambda:Pipeline/Sweep")]
    assert {"s3:ListObjectsV2", "s3:GetObject"} <= {c["action"] for c in sweep}, sorted({c["action"] for c in sweep})
    assert events_twin["access"].problems() == []


def lake_status(twin: Twin) -> str:
    """``lake status --json`` as an operator runs it against the deployment."""
    import contextlib
    import io
    import os

    from lake.cli import main

    env = {k: scenario.deployment_setting(twin, k) for k in ("LEDGER_TABLE", "RECORDS_TABLE", "INGRESS_BUCKET",
                                                             "LANDING_BUCKET", "STAGING_BUCKET")}
    old = {k: os.environ.get(k) for k in [*env, "LAKE_BACKEND"]}
    os.environ.update(env, LAKE_BACKEND="aws")
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            main(["status", "--json"])
    except Exception as err:  # a status that cannot run on AWS reports nothing
        return f"error: {err}"
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return out.getvalue()


@pytest.mark.slow
def test_the_same_event_twice_stages_once(events_twin: dict[str, Any]) -> None:
    outcomes = sorted(r.outcome or "" for r in events_twin["cost_centers"])
    assert [o for o in outcomes if o == "staged"] == ["staged"]
    assert len(events_twin["staged_cost_centers"]) == 1
    assert all(r.duplicate_of for r in events_twin["cost_centers"] if r.outcome != "staged")


@pytest.mark.slow
def test_a_lost_event_is_found_by_the_sweep(events_twin: dict[str, Any]) -> None:
    assert events_twin["before_sweep"] == []
    assert [r.outcome for r in events_twin["after_sweep"]] == ["staged"]


@pytest.mark.slow
def test_a_poison_message_ends_in_the_dead_letter_queue(events_twin: dict[str, Any]) -> None:
    assert events_twin["dead_letters"] == {"Pipeline/ReceiverQueueDeadLettersQueue5D6E2D54": 1} or any(
        k.startswith("Pipeline/ReceiverQueueDeadLetters") and n == 1 for k, n in events_twin["dead_letters"].items())
    assert any("dead-letter queue Pipeline/ReceiverQueueDeadLetters" in p for p in events_twin["problems"])


@pytest.mark.slow
def test_lake_status_reports_the_poison_message(events_twin: dict[str, Any]) -> None:
    dead = json.loads(events_twin["status"])["dead_letters"]
    assert sum(d["messages"] for d in dead) == sum(events_twin["dead_letters"].values()) >= 1
    assert all(d["what"] for d in dead)  # says what failed, from the queue's tag


@pytest.fixture(scope="module")
def killed_twin(finance_drills: dict[str, Any]) -> dict[str, Any]:
    return finance_twin.drill_results(finance_drills, "killed")


def killed_drill(twin: Twin, work: Path) -> dict[str, Any]:
    """Expenses of day 1 promoted; day 2's promotion killed while it writes data files; then redriven.
    The second drill on the finance twin: the event drills before it loaded the cost centers."""
    from lake.query.duck import connect
    from lake.twin import results

    out: dict[str, Any] = {}
    # Nothing before day 1 may have failed: the event drills loaded the cost centers alone, and a
    # projection whose other input is not loaded yet waits (it used to fail the zone's promotion).
    earlier = {e["executionArn"] for e in twin.executions() if e["status"] == "FAILED"}
    out["failed_earlier"] = sorted(earlier)
    for arn in sorted(earlier):
        d = twin.client("stepfunctions").describe_execution(executionArn=arn)
        print(f"\nfailed before the killed drill: {arn.rsplit(':', 2)[-2]}: {d.get('error')} "
              f"{str(d.get('cause'))[:300]}")

    def rows() -> list[Any]:
        twin.glue.mirror.export(twin.client("s3"))
        got = results.read_iceberg(connect(), twin.glue.warehouse / "finance_ods" / "expenses", moved=True)
        return sorted(got[1], key=repr) if got else []

    # Day 1, with the cost centers the projections join: everything promoted and built.
    scenario.drop(twin, [drills.sample(work, "expenses", "expenses_2026-11-01.csv")])
    twin.settle()
    failed_before = {e["executionArn"] for e in twin.executions() if e["status"] == "FAILED"} - earlier
    out["rows_day1"] = rows()
    to_ods = next(r.ref for r in twin.deployment.of_type("AWS::Glue::Job")
                  if r.stack == "Zone-finance" and r.logical_id.startswith("ToOds"))
    data = twin.glue.warehouse / "finance_ods" / "expenses" / "data"
    before = set(data.rglob("*.parquet"))

    def kill_when_writing(run: Any, root: Path) -> bool:
        return any(p not in before for p in data.rglob("*.parquet"))

    twin.glue.faults[to_ods] = kill_when_writing
    alerts_before = len(twin.deliveries.items)
    scenario.drop(twin, [drills.sample(work, "expenses", "expenses_2026-11-02.csv")])
    twin.settle()
    out["killed"] = [r for r in twin.glue.runs if r.job == to_ods and r.state != "SUCCEEDED"]
    out["rows_after_kill"] = rows()
    out["alerts"] = [d for d in twin.deliveries.items[alerts_before:] if "promotion failed" in (d.subject or "")]
    out["failed_before"] = failed_before
    out["failed_executions"] = [e for e in twin.executions()
                                if e["status"] == "FAILED" and e["executionArn"] not in failed_before | earlier]
    # The operator redrives the failed execution with its input (what the alert tells them to do).
    del twin.glue.faults[to_ods]
    sfn = twin.client("stepfunctions", "operator")
    failed = out["failed_executions"][0]
    sfn.start_execution(stateMachineArn=failed["stateMachineArn"], name="redrive",
                        input=sfn.describe_execution(executionArn=failed["executionArn"])["input"])
    twin.settle()
    out["rows_after_redrive"] = rows()
    from lake.twin.access import proof

    # The redrive with the templates' grants: the stage's lakeAdmins hold the promotion operators' policy.
    out["operator_calls"] = [c for c in twin.calls.all() if c["component"] == "operator"]
    out["operator_access"] = proof.evaluate(twin.deployment, out["operator_calls"])
    out["ledger"] = [r for r in drills.ledger(twin) if r.dataset == "expenses"]
    return out


@pytest.mark.slow
def test_a_job_killed_mid_write_leaves_the_last_snapshot(killed_twin: dict[str, Any]) -> None:
    assert killed_twin["killed"], "the drill's fault never fired"
    assert killed_twin["failed_before"] == set()  # day 1 went through cleanly
    assert killed_twin["failed_earlier"] == []  # the cost centers' promotion, before any expense, too
    assert killed_twin["rows_after_kill"] == killed_twin["rows_day1"] and len(killed_twin["rows_day1"]) == 120


@pytest.mark.slow
def test_the_catch_alerts_the_owners_once(killed_twin: dict[str, Any]) -> None:
    recipients = sorted(d.endpoint for d in killed_twin["alerts"] if d.protocol == "email")
    assert recipients == sorted(set(recipients)) and recipients, killed_twin["alerts"]
    assert len(killed_twin["failed_executions"]) == 1


@pytest.mark.slow
def test_the_operator_may_redrive_the_failed_promotion(killed_twin: dict[str, Any]) -> None:
    assert {c["action"] for c in killed_twin["operator_calls"]} >= {"states:DescribeExecution", "states:StartExecution"}
    assert killed_twin["operator_access"].problems() == []


@pytest.mark.slow
def test_the_next_run_promotes_the_same_files_exactly_once(killed_twin: dict[str, Any]) -> None:
    rows = killed_twin["rows_after_redrive"]
    assert len(rows) == 160  # 120 + 40 new claims; the 20 resubmissions replaced their originals
    assert all(r.promoted_at for r in killed_twin["ledger"] if r.outcome in ("staged", "partial"))
