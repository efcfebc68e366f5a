"""README's performance figures are the benchmarks' own output, never typed by hand: each row of the
Performance table is the line ``benchmarks.figures.record`` wrote from that benchmark's figures.json."""

from __future__ import annotations

import json

from tests.conftest import REPO


def test_each_performance_row_is_its_benchmarks_recorded_figure() -> None:
    lines = REPO.joinpath("README.md").read_text().splitlines()
    rows = {x.split("`make bench-", 1)[1].split("`", 1)[0]: x for x in lines if x.startswith("| `make bench-")}
    recorded = {p.parent.name: json.loads(p.read_text()) for p in REPO.glob("benchmarks/*/figures.json")}
    assert rows and set(rows) == set(recorded)  # no row without its record, no record missing from README
    for name, fig in recorded.items():
        assert rows[name] == f"| `make bench-{name}` ({fig['taken']}): {fig['row']} |", name
