"""The twin compares lake status's "rows" read from the deployment (Glue + S3) with the local lake's,
and with the rows each table holds: a reader that answers None, or a stale count, is a difference."""

from __future__ import annotations

from lake.twin.compare import compare
from lake.twin.results import Results


def _results(rows_now: dict[str, int | None]) -> Results:
    out = Results(tables={"a_ods.x": [(1,), (2,)]})
    out.rows_now = rows_now
    return out


def _status_lines(twin: Results, local: Results) -> dict[str, bool]:
    return {line.item: line.ok for line in compare(twin, local) if line.section == "status rows"}


def test_status_rows_must_match_the_table_on_both_sides() -> None:
    same = {"a_ods.x": 2, "a_analytics.never_built": None}
    assert _status_lines(_results(same), _results(same)) == {"a_ods.x": True, "a_analytics.never_built": True}
    unread = {"a_ods.x": None, "a_analytics.never_built": None}
    assert _status_lines(_results(unread), _results(unread))["a_ods.x"] is False  # the table holds 2
    assert _status_lines(_results({"a_ods.x": 3}), _results({"a_ods.x": 2}))["a_ods.x"] is False
