"""Drill: an erasure requested while a promotion of the same zone is writing. Glue runs overlap here
as they do on AWS. The promotion is frozen (SIGSTOP) after it wrote its data files and before it
commits; the operator runs ``lake forget --target aws``. The erase job must wait for the zone's lock:
run alongside, its orphan sweep ("files older than the erasure's start") took the frozen promotion's
uncommitted files, and the promotion then committed a snapshot whose files were gone."""

from __future__ import annotations

import csv
import io
import os
import random
import signal
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from lake.demo.samples import EXPENSE_HEADER, SampleFile, expense_rows
from lake.pii import hmac_hex
from lake.twin import scenario
from lake.twin.glue import JobRun
from lake.twin.twin import Twin
from tests.twin import drills, finance_twin
from tests.twin.erasure_drill import forget_on_aws, zone_keys

FREEZE_LIMIT_S = 240  # well inside the lock's 300 s lease, which the frozen job cannot renew


def erase_holds_a_lock(twin: Twin) -> bool:
    """The erase job took a zone lock (it takes them in name order; finance's is taken by then)."""
    table = twin.client("dynamodb").scan(TableName=scenario.deployment_setting(twin, "LEDGER_TABLE"),
                                         FilterExpression="begins_with(pk, :l)",
                                         ExpressionAttributeValues={":l": {"S": "lock#"}})
    return any("erase" in str(item) for item in table.get("Items", []))


def freeze_and_forget(twin: Twin, data: Path, erase_job: str, subject: str, out: dict[str, Any]) -> Any:
    before = set(data.rglob("*.parquet"))

    def fault(run: JobRun, root: Path) -> bool:
        if out.get("frozen") or not any(p not in before for p in data.rglob("*.parquet")):
            return False
        assert run.pid is not None
        os.kill(run.pid, signal.SIGSTOP)
        out["frozen"] = time.monotonic()
        try:
            out["forget"] = forget_on_aws(twin, f"person_email={subject}")
            deadline = time.monotonic() + (FREEZE_LIMIT_S if out["forget"][0] == 0 else 0)
            while time.monotonic() < deadline:
                erase = [r for r in twin.glue.runs if r.job == erase_job]
                if erase and erase[0].state != "RUNNING":
                    out["erase_done_while_frozen"] = True  # it did not wait for the promotion
                    break
                if erase and erase_holds_a_lock(twin):
                    time.sleep(5)  # it now waits for finance's lock, which the frozen job holds
                    out["erase_done_while_frozen"] = erase[0].state != "RUNNING"
                    break
                time.sleep(0.5)
        finally:
            os.kill(run.pid, signal.SIGCONT)
        return False

    return fault


@pytest.fixture(scope="module")
def serialized(finance_drills: dict[str, Any]) -> dict[str, Any]:
    return finance_twin.drill_results(finance_drills, "serialized")


def third_day(work: Path) -> SampleFile:
    """A third day of the demo's claims (ids no earlier day used), as its producer would send it."""
    path = work / "expenses_2026-11-03.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(EXPENSE_HEADER)
        w.writerows(expense_rows(random.Random(3), range(300, 340), datetime(2026, 11, 3, 8, tzinfo=UTC)))
    return SampleFile("finance", "expenses", path, "staged")


def serialized_drill(twin: Twin, work: Path) -> dict[str, Any]:
    """The last drill on the finance twin (``tests/twin/finance_twin.py``): the zone holds the demo's
    cost centers and two days of expenses (the drills before); a third day's promotion is the one in
    flight. From here on Glue runs overlap, as on AWS."""
    from lake.query.duck import connect
    from lake.twin import results

    twin.glue.concurrent = True
    runs_before, failures_before = len(twin.glue.runs), len(twin.failures)
    out: dict[str, Any] = {}
    day = third_day(work)
    rows = list(csv.DictReader(day.path.read_text().splitlines()))
    out["subject"] = subject = rows[0]["employee_email"]
    out["day_others"] = {r["expense_id"] for r in rows if r["employee_email"] != subject}
    to_ods = next(r.ref for r in twin.deployment.of_type("AWS::Glue::Job")
                  if r.stack == "Zone-finance" and r.logical_id.startswith("ToOds"))
    erase_job = next(r.ref for r in twin.deployment.of_type("AWS::Glue::Job")
                     if str(r.properties.get("Description", "")).startswith("Erase one data subject"))
    data = twin.glue.warehouse / "finance_ods" / "expenses" / "data"
    twin.glue.faults[to_ods] = freeze_and_forget(twin, data, erase_job, subject, out)
    before = {e["executionArn"] for e in twin.executions()}
    scenario.drop(twin, [day])
    twin.settle()
    out["executions"] = [e for e in twin.executions() if e["executionArn"] not in before]
    out["runs"] = {r.job: r.state for r in twin.glue.runs[runs_before:] if r.job in (to_ods, erase_job)}
    staged = next(r.staged_key for r in drills.ledger(twin) if r.source_key.endswith(day.path.name))
    body = twin.client("s3").get_object(Bucket=scenario.deployment_setting(twin, "STAGING_BUCKET"), Key=staged)
    out["day_staged"] = {str(i) for i in pq.read_table(io.BytesIO(body["Body"].read())).column("expense_id")
                         .to_pylist()}  # the subject's rows erased from staging too
    twin.glue.mirror.export(twin.client("s3"))
    try:
        columns, got = results.read_iceberg(connect(), twin.glue.warehouse / "finance_ods" / "expenses",
                                            moved=True) or ([], [])
        out["rows"] = [dict(zip(columns, r, strict=True)) for r in got]
    except Exception as err:  # noqa: BLE001 - a snapshot naming files that are gone cannot be read
        out["read_error"] = f"{type(err).__name__}: {err}"
    out["hashes"] = {hmac_hex(k, subject) for k in zone_keys(twin)}
    out["failures"] = twin.failures[failures_before:]
    return out


@pytest.mark.slow
def test_the_erasure_waits_for_the_promotion_in_flight(serialized: dict[str, Any]) -> None:
    assert serialized.get("frozen"), "the promotion never wrote data files (the drill proves nothing)"
    code, printed = serialized["forget"]
    assert code == 0, printed
    assert serialized["erase_done_while_frozen"] is False
    assert set(serialized["runs"].values()) == {"SUCCEEDED"}, serialized["runs"]
    assert [e["status"] for e in serialized["executions"] if e["status"] != "SUCCEEDED"] == []


@pytest.mark.slow
def test_the_promotion_survives_and_the_subject_is_erased_from_it(serialized: dict[str, Any]) -> None:
    assert "read_error" not in serialized, serialized.get("read_error")
    ids = {str(r["expense_id"]) for r in serialized["rows"]}
    assert serialized["day_staged"] <= ids  # the promotion's rows are there: its files survived
    assert serialized["day_staged"] <= serialized["day_others"]
    theirs = {serialized["subject"], *serialized["hashes"]}
    assert not [r for r in serialized["rows"] if theirs & set(map(str, r.values()))]
