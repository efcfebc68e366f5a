"""platform.* through the twin's Athena: the JSON records the deployment wrote to S3, read through
the Glue tables the templates create, each zone's workgroup seeing only the rows its data cells
filter grants; no grant on the filter in the templates, no table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from lake.config import load_config
from lake.query.engine import QueryError
from lake.query.grants import AccessDenied
from lake.twin import athena, scenario
from lake.twin.assembly import Assembly, load
from lake.twin.platform_records import Access, visible, workgroup_access
from lake.twin.results import PLATFORM_RUNS
from lake.twin.twin import Twin
from tests.twin.test_broken_assembly import broken

RUNS_SQL, ZONES_SQL = PLATFORM_RUNS


@pytest.mark.slow
def test_finance_workgroup_sees_its_runs_only(twin_report) -> None:  # noqa: ANN001
    seen = twin_report.twin.platform_runs
    runs = seen[f"finance: {RUNS_SQL}"]
    assert isinstance(runs, list), runs
    assert {"to_ods", "projection"} <= {task for task, _, _ in runs}
    promoted = [table for task, table, _ in runs if task in ("to_ods", "projection")]
    assert promoted and all(t.startswith(("finance_ods.", "finance_analytics.")) for t in promoted), promoted
    assert seen[f"finance: {ZONES_SQL}"] == [("finance",)]  # never another zone's rows
    lines = [line for line in twin_report.lines if line.section == "athena platform.runs"]
    assert lines and all(line.ok for line in lines), [str(line) for line in lines if not line.ok]


def _without_finance_filter_grants(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for key in [k for k, r in resources.items() if r["Type"] == "AWS::LakeFormation::PrincipalPermissions"
                and r["Properties"]["Resource"].get("DataCellsFilter", {}).get("Name") == "finance_rows"]:
        del resources[key]
    for r in resources.values():  # nothing may depend on what was removed
        if isinstance(r.get("DependsOn"), list):
            r["DependsOn"] = [d for d in r["DependsOn"] if d in resources]


@pytest.mark.slow
def test_no_grant_on_the_filter_no_table(assembly: Assembly, tmp_path: Path) -> None:
    twin = Twin.start(load(broken(assembly, tmp_path, _without_finance_filter_grants)), tmp_path / "twin")
    try:
        cfg = load_config(next(iter(twin.functions.specs.values())).code / "insight_zones")
        other = next(z for z in sorted(cfg.zones) if z != "finance")
        s3, staging = twin.client("s3"), scenario.deployment_setting(twin, "STAGING_BUCKET")
        for zone in ("finance", other, "_none"):
            row = {"run_id": f"r-{zone}", "task": "to_ods", "table_name": f"{zone}_ods.x", "status": "succeeded"}
            s3.put_object(Bucket=staging, Key=f"_platform/runs/zone={zone}/{zone}.json", Body=json.dumps(row) + "\n")
        with pytest.raises((AccessDenied, QueryError)):
            athena.for_zone(twin, cfg, "finance").execute(RUNS_SQL)
        # The other zone's grant is in the templates: its own row, no one else's.
        got = athena.for_zone(twin, cfg, other).execute("SELECT zone, task, table_name, status FROM platform.runs")
        assert got.fetchall() == [(other, "to_ods", f"{other}_ods.x", "succeeded")]
    finally:
        twin.stop()


def test_a_workgroup_reads_what_all_its_principals_may() -> None:
    rows = pa.table({"zone": ["a", "b", "c"], "task": ["t1", "t2", "t3"], "secret": ["x", "y", "z"]})
    one = [Access("zone = 'a'", frozenset({"zone", "task"})), Access("zone = 'b'", frozenset({"zone", "task"}))]
    two = [Access("true", frozenset({"zone", "task", "secret"})), Access("zone = 'c'", frozenset({"zone"}))]
    grant = workgroup_access([one, two])
    assert grant is not None and grant.columns == {"zone", "task"}
    assert visible(rows, grant).to_pylist() == [{"zone": "a", "task": "t1"}, {"zone": "b", "task": "t2"}]
    assert workgroup_access([one, []]) is None  # a principal without any grant: nothing for the workgroup


@pytest.mark.parametrize("expression", ["zone = (SELECT max(zone) FROM platform.runs)",
                                        "read_text('/etc/passwd') <> ''"])
def test_a_row_filter_reads_nothing_but_the_row(expression: str) -> None:
    from lake.twin.platform_records import _condition

    with pytest.raises(ValueError, match="more than a condition"):
        _condition(expression)
    assert _condition("zone = 'finance'") == "zone = 'finance'"
