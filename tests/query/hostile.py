"""A built lake holding another zone's secrets, for the escape corpus (tests/query/test_escapes*.py).

finance's expenses carry a recognisable secret (in ``description``, which no table published to
the executive zone holds) and a PII value (``employee_email``); a file with the secret also sits
in the lake home's platform folder. Built once per module through the ordinary drop + run path.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lake.runtime.context import Context
from tests.conftest import ZONES
from tests.glue_jobs.conftest import Lake, expense

SECRET = "SECRET-FIN-4a7c9e"  # a value only finance may read
PII = "pii-victim@example.org"  # a PII value only finance's pii_readers may read (hashed)


@dataclass
class Hostile:
    lake: Lake
    snapshot_id: int  # of finance_ods.expenses

    @property
    def home(self) -> Path:
        return self.lake.ctx.home.root


def build(tmp: Path) -> Hostile:
    lake = Lake(Context.local(tmp / "home", ZONES), tmp)
    lake.drop("finance", "cost_centers", [{"cost_center_id": "CC-100", "name": "Travel", "department": "Sales",
                                           "owner_email": "boss@example.com"}])
    lake.drop("finance", "expenses", [expense(1, description=SECRET, employee_email=PII),
                                      expense(2, amount="20.50", category="meals")])
    assert lake.run().ok
    (lake.ctx.home.platform / "secret.txt").write_text(SECRET + "\n")
    snaps = lake.q("finance", 'SELECT snapshot_id FROM finance_ods."expenses$snapshots"')
    return Hostile(lake, snaps[0]["snapshot_id"])
