"""`lake forget` in a lake where some zones have loaded nothing yet: projections never built (an input
not loaded) hold no one, so the erasure succeeds instead of failing on them (found by the twin)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from lake.demo.samples import generate
from lake.pii import hmac_hex, zone_key
from lake.runtime.context import Context
from tests.conftest import ZONES
from tests.erasure.test_forget import cli, tables

pytestmark = [pytest.mark.spark]


def test_forget_before_other_zones_loaded_anything(tmp_path: Path, spark) -> None:  # noqa: ANN001
    from lake.local.ingest import drop_file
    from lake.local.run import run

    home = tmp_path / "home"
    ctx = Context.local(home, ZONES)
    finance = [s for s in generate(tmp_path / "samples")
               if s.zone == "finance" and s.path.name != "expenses_semicolon.csv"]
    for s in finance:
        drop_file(ctx, s.path, s.zone, s.dataset)
    assert run(ctx).ok
    day1 = next(s for s in finance if s.path.name == "expenses_2026-11-01.csv")
    subject = next(csv.DictReader(day1.path.open()))["employee_email"]
    hashed = hmac_hex(zone_key(home / "platform" / "keys", "finance"), subject)
    assert any(hashed in map(str, r.values()) for r in tables(home)["finance_ods.expenses"])
    code, out = cli("forget", "--subject", f"person_email={subject}", "--home", str(home), "--config", str(ZONES))
    assert code == 0, out
    after = tables(home)
    assert after["finance_ods.expenses"] and not [r for r in after["finance_ods.expenses"]
                                                  if {subject, hashed} & set(map(str, r.values()))]
