"""A small lake per test: its own home and config copy, sharing the one SparkSession."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from lake.local.ingest import drop_file
from lake.local.run import RunReport, run
from lake.query import QueryEngine
from lake.runtime.context import Context


@dataclass
class Lake:
    ctx: Context
    tmp: Path
    n: int = 0

    def reload(self) -> None:
        """Pick up edited config, as the next CLI invocation would."""
        self.ctx = Context.local(self.ctx.home.root, self.ctx.cfg.root)

    def drop(self, zone: str, dataset: str, rows: list[dict], name: str | None = None) -> list:
        self.n += 1
        path = self.tmp / "drops" / (name or f"{dataset}_{self.n}.{'jsonl' if dataset in JSONL else 'csv'}")
        path.parent.mkdir(parents=True, exist_ok=True)
        if dataset in JSONL:
            path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        else:
            with path.open("w", newline="") as f:
                w = csv.DictWriter(f, list(rows[0]))
                w.writeheader()
                w.writerows(rows)
        return drop_file(self.ctx, path, zone, dataset)

    def run(self) -> RunReport:
        return run(self.ctx)

    def q(self, zone: str | None, sql: str, principal: str | None = None) -> list[dict]:
        """As the zone's ordinary reader, or as ``principal`` (e.g. a PII reader)."""
        return QueryEngine(self.ctx.cfg, self.ctx.home, zone, principal=principal).arrow(sql).to_pylist()


JSONL = {"accounts", "applications"}


def expense(i: int, submitted: str = "2026-11-01T09:00:00+00:00", **over: str) -> dict:
    row = {"expense_id": str(i), "employee_email": f"person{i}@example.com", "cost_center_id": "CC-100",
           "category": "travel", "amount": "10.00", "currency": "USD", "expense_date": "11/01/2026",
           "submitted_at": submitted, "approved": "yes", "description": ""}
    return {**row, **over}


@pytest.fixture
def lake(tmp_path: Path, zones_copy: Path, spark) -> Lake:  # noqa: ANN001 - spark: start it once, up front
    return Lake(Context.local(tmp_path / "home", zones_copy), tmp_path)
