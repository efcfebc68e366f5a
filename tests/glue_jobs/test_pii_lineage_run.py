"""A PII column renamed by a projection stays PII on a built lake: hidden from ordinary readers
two projections and one zone downstream, visible to PII readers, and gone after `lake forget`."""

from __future__ import annotations

import contextlib
import io
import shutil

import pytest

from lake.cli import main
from lake.pii import hmac_hex, zone_key
from lake.query import AccessDenied
from lake.runtime.context import Context
from tests.config.test_validate import edit_yaml
from tests.conftest import ZONES
from tests.erasure.deep_search import find
from tests.glue_jobs.conftest import Lake, expense

pytestmark = pytest.mark.spark

HER = "person1@example.com"


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory, spark) -> Lake:  # noqa: ANN001
    tmp = tmp_path_factory.mktemp("piilineage")
    zones = tmp / "insight_zones"
    shutil.copytree(ZONES, zones)
    (zones / "finance/projections/contacts.sql").write_text(
        "SELECT employee_email AS contact, expense_id, amount FROM finance_ods.expenses")
    (zones / "executive/projections/people.sql").write_text(
        "WITH c AS (SELECT contact AS who, amount FROM finance_analytics.contacts) "
        "SELECT lower(who) AS person, sum(amount) AS spent FROM c GROUP BY 1")
    edit_yaml(zones / "finance/zone.yaml",
              lambda d: d["publish"].append({"table": "finance_analytics.contacts", "to": ["executive"]}))
    edit_yaml(zones / "executive/zone.yaml", lambda d: d.update(pii_readers=["exec_auditor"]))
    lake = Lake(Context.local(tmp / "home", zones), tmp)
    lake.drop("finance", "expenses", [expense(1, amount="10.00"), expense(2, amount="7.00")])
    assert lake.run().ok
    return lake


def her_hash(lake: Lake) -> str:
    return hmac_hex(zone_key(lake.ctx.home.platform / "keys", "finance"), HER)


def test_renamed_pii_is_hidden_from_ordinary_readers(lake: Lake) -> None:
    rows = lake.q("finance", "SELECT * FROM finance_analytics.contacts ORDER BY expense_id")
    assert [set(r) for r in rows] == [{"expense_id", "amount", "_promoted_at"}] * 2
    with pytest.raises(AccessDenied, match="cannot read finance_analytics.contacts.contact"):
        lake.q("finance", "SELECT contact FROM finance_analytics.contacts")
    with pytest.raises(AccessDenied):
        lake.q(None, "SELECT c.contact AS x FROM finance_analytics.contacts c", principal="finance_analyst")


def test_pii_readers_see_it(lake: Lake) -> None:
    rows = lake.q(None, "SELECT contact FROM finance_analytics.contacts WHERE expense_id = 1",
                  principal="finance_auditor")
    assert rows == [{"contact": her_hash(lake)}]


def test_two_projections_and_a_zone_downstream_it_is_still_pii(lake: Lake) -> None:
    rows = lake.q("executive", "SELECT * FROM executive_analytics.people")
    assert {k for r in rows for k in r} == {"spent", "_promoted_at"}
    with pytest.raises(AccessDenied, match="executive_analytics.people.person"):
        lake.q("executive", "SELECT person FROM executive_analytics.people")
    seen = lake.q(None, "SELECT person FROM executive_analytics.people", principal="exec_auditor")
    assert her_hash(lake) in {r["person"] for r in seen}


@pytest.mark.slow  # an erasure with its rebuilds: about a minute
def test_lake_forget_removes_her_from_the_derived_columns(lake: Lake, spark) -> None:  # noqa: ANN001
    home, hashed = lake.ctx.home, her_hash(lake)
    assert find(home.warehouse / "finance_analytics" / "contacts", [hashed])  # the search finds it before
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(["forget", "--subject", f"person_email={HER}", "--home", str(home.root),
                     "--config", str(lake.ctx.cfg.root)])
    assert code == 0, out.getvalue()
    assert "rebuilt   finance_analytics.contacts, older snapshots expired" in out.getvalue().splitlines()
    assert "rebuilt   executive_analytics.people, older snapshots expired" in out.getvalue().splitlines()
    for table, auditor in (("finance_analytics.contacts", "finance_auditor"),
                           ("executive_analytics.people", "exec_auditor")):
        values = {str(v) for r in lake.q(None, f"SELECT * FROM {table}", principal=auditor) for v in r.values()}
        assert hashed not in values and HER not in values
    assert lake.q("finance", "SELECT expense_id FROM finance_analytics.contacts") == [{"expense_id": 2}]
    leftovers = find(home.warehouse / "finance_analytics", [hashed, hashed[:15]])
    leftovers += find(home.warehouse / "executive_analytics", [hashed, hashed[:15]])
    assert leftovers == []
