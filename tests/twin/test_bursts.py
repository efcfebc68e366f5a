"""Burst drill in the twin: 50 files dropped into one dataset at once, their 50 promotions started
together. Promotions of the table are serialized and coalesced (infra/constructs/promotion_coalescing.py),
so a handful of ``to_ods`` runs promote every file exactly once, with no Iceberg commit conflict and no
failed execution.

Prints the number of Glue runs (``pytest -s tests/twin/test_bursts.py``)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any

import pytest

from lake.demo.samples import SampleFile
from lake.twin import scenario
from lake.twin.twin import Twin
from tests.twin import drills, finance_twin

# rows per file, each with its own cost centre: the ODS holds FILES * ROWS rows (BURST_FILES: a smaller drill)
FILES, ROWS = int(os.environ.get("BURST_FILES", "50")), 2
MAX_GLUE_RUNS = 6  # "a handful": one run, plus the reruns for files staged while a run was going


def burst_files(folder: Path) -> list[SampleFile]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(FILES):
        path = folder / f"cost_centers_{i:02d}.csv"
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["cost_center_id", "name", "department", "owner_email"])
            for j in range(ROWS):
                cc = f"CC{i:02d}{j}"
                w.writerow([cc, f"Burst {i}-{j}", "Finance", f"owner.{cc.lower()}@example.com"])
        out.append(SampleFile("finance", "cost_centers", path, "staged"))
    return out


@pytest.fixture(scope="module")
def burst(finance_drills: dict[str, Any]) -> dict[str, Any]:
    return finance_twin.drill_results(finance_drills, "burst")


def burst_drill(twin: Twin, work: Path) -> dict[str, Any]:
    """The last drill on the finance twin (``tests/twin/finance_twin.py``): the zone's tables exist
    (its projection joins expenses and cost_centers), loaded with the demo's files by the drills before."""
    failures_before = len(twin.failures)  # the drills' before this one are theirs
    promotion = next(sm["stateMachineArn"] for sm in twin.client("stepfunctions").list_state_machines()
                     ["stateMachines"] if sm["name"].endswith("-finance-promotion"))
    before = {e["executionArn"] for e in twin.client("stepfunctions").list_executions(
        stateMachineArn=promotion)["executions"]}
    runs_before = len(twin.glue.runs)
    files = burst_files(work / "files")
    # On AWS the 50 validations run side by side and are done before a Glue run has started; the
    # twin runs them one after another, and a Glue run sees S3 as it was when the run started. So
    # the staged events wait until every file is staged, then start their 50 executions at once.
    held: list[dict[str, Any]] = []
    sfn = twin.client("stepfunctions", "events")
    start = sfn.start_execution
    sfn.start_execution = lambda **kwargs: held.append(kwargs) or {}
    try:
        scenario.drop(twin, files)  # all 50 within a second: their events overlap in every queue
        twin.settle()
    finally:
        sfn.start_execution = start  # the drill after this one starts its executions
    staged = len([r for r in drills.ledger(twin) if r.outcome == "staged"
                  and r.source_key.rsplit("/", 1)[-1].startswith("cost_centers_")])
    print(f"\nburst drill: {staged} of {len(files)} files staged, {len(held)} promotions waiting to start")
    for kwargs in held:
        start(**kwargs)
    twin.settle()
    names = {f.path.name for f in files}
    ledger = [r for r in drills.ledger(twin) if r.source_key.rsplit("/", 1)[-1] in names and r.duplicate_of is None]
    sfn_client = twin.client("stepfunctions")
    executions = [e for e in sfn_client.list_executions(stateMachineArn=promotion)["executions"]
                  if e["executionArn"] not in before]
    for e in executions:
        if e["status"] != "SUCCEEDED":
            d = sfn_client.describe_execution(executionArn=e["executionArn"])
            print(f"execution {e['name']}: {e['status']} {d.get('error')} {str(d.get('cause'))[:300]}")
    runs = [r for r in twin.glue.runs[runs_before:] if r.arguments.get("--dataset") == "cost_centers"]
    twin.glue.mirror.export(twin.client("s3"))
    from lake.query.duck import connect
    from lake.twin import results as R
    from lake.twin.glue import CATALOG_BUCKET

    table = twin.glue.mirror.root / CATALOG_BUCKET / "warehouse" / "finance_ods" / "cost_centers"
    got = R.read_iceberg(connect(), table, moved=True)
    print(f"\nburst drill: {FILES} files into finance/cost_centers -> {len(executions)} promotion executions, "
          f"{len(runs)} to_ods Glue runs ({', '.join(r.state for r in runs)})")
    from lake.twin.access import proof

    return {"ledger": ledger, "executions": executions, "runs": runs, "table": got,
            "failures": twin.failures[failures_before:],
            # Every call on the twin so far (the killed drill's operator's redrive included).
            "access": proof.evaluate(twin.deployment, twin.calls.all())}


@pytest.mark.slow
def test_fifty_files_make_a_handful_of_glue_runs_none_failed(burst: dict[str, Any]) -> None:
    assert not burst["failures"]
    assert len(burst["executions"]) == FILES  # one per staged object: the coalescing happens inside
    assert {e["status"] for e in burst["executions"]} == {"SUCCEEDED"}
    runs = burst["runs"]
    assert 1 <= len(runs) <= MAX_GLUE_RUNS, [r.run_id for r in runs]
    assert {r.state for r in runs} == {"SUCCEEDED"}  # no commit conflict, no concurrent-runs error
    assert burst["access"].problems() == []  # the coalescing's own calls (ledger items, handovers) are allowed


@pytest.mark.slow
def test_every_file_is_promoted_exactly_once(burst: dict[str, Any]) -> None:
    ledger = burst["ledger"]
    assert len(ledger) == FILES
    assert all(r.outcome == "staged" and r.promoted_at for r in ledger)
    # Each ingest was promoted by one run (the ledger keeps the run that promoted it) ...
    by_run: dict[str, int] = {}
    for r in ledger:
        by_run[str(r.promotion_run_id)] = by_run.get(str(r.promotion_run_id), 0) + 1
    assert sum(by_run.values()) == FILES and len(by_run) <= len(burst["runs"])
    # ... and the table holds every row once.
    assert burst["table"] is not None
    columns, rows = burst["table"][0], burst["table"][1]
    ids = [row[columns.index("cost_center_id")] for row in rows]
    burst_ids = sorted(i for i in ids if "-" not in i)  # the demo's are CC-100, …
    assert burst_ids == sorted(f"CC{i:02d}{j}" for i in range(FILES) for j in range(ROWS))
    assert len(ids) == len(set(ids))  # once each, beside the demo's cost centres
