"""PII follows column lineage, not names: config-level classification, as `lake query` and the
AWS catalog governor (LF-tags) both use it."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.governance.runtime.plan import plan
from lake.config import LakeConfig, load_config
from lake.query.grants import pii_columns
from tests.config.test_validate import edit_yaml, problems

CONTACTS = "SELECT employee_email AS contact, amount, expense_id FROM finance_ods.expenses"


def with_projections(root: Path, keep_sql_errors: bool = False, **files: str) -> LakeConfig:
    """Projections named ``<zone>__<name>`` written into the config copy; finance publishes its
    new ones to executive."""
    for key, body in files.items():
        zone, name = key.split("__")
        (root / zone / "projections" / name).write_text(body)
    published = [f"finance_analytics.{k.split('__')[1].split('.')[0]}" for k in files if k.startswith("finance__")]
    edit_yaml(root / "finance/zone.yaml",
              lambda d: d["publish"].extend({"table": t, "to": ["executive"]} for t in published))
    return load_config(root, keep_sql_errors=keep_sql_errors)


def test_an_alias_keeps_the_classification(zones_copy: Path) -> None:
    cfg = with_projections(zones_copy, **{"finance__contacts.sql": CONTACTS})
    pii = pii_columns(cfg, "finance_analytics.contacts")
    assert set(pii) == {"contact"} and "Contact" in pii  # column names match in any case
    assert "amount" not in pii and "expense_id" not in pii and "_promoted_at" not in pii


@pytest.mark.parametrize("sql", [
    "WITH x AS (SELECT lower(employee_email) AS m, expense_id FROM finance_ods.expenses) "
    "SELECT s.m AS who, s.expense_id FROM (SELECT * FROM x) AS s",
    "SELECT concat('mailto:', e.employee_email) AS who, e.expense_id FROM finance_ods.expenses AS e",
    "SELECT expense_id, (SELECT max(c.owner_email) FROM finance_ods.cost_centers AS c) AS who "
    "FROM finance_ods.expenses",
    "SELECT expense_id, category AS who FROM finance_ods.expenses "
    "UNION ALL SELECT 0, owner_email FROM finance_ods.cost_centers",
    "SELECT e.expense_id, CASE WHEN e.amount > 0 THEN e.employee_email END AS who FROM finance_ods.expenses e",
    "SELECT * FROM (SELECT expense_id, employee_email AS who FROM finance_ods.expenses)",
    "SELECT expense_id, employee_email AS _who FROM finance_ods.expenses",
])
def test_expressions_ctes_subqueries_and_unions_keep_it(zones_copy: Path, sql: str) -> None:
    cfg = with_projections(zones_copy, **{"finance__derived.sql": sql})
    pii = pii_columns(cfg, "finance_analytics.derived")
    assert ("who" in pii) or ("_who" in pii)
    assert "expense_id" not in pii


def test_two_levels_of_projections_across_zones(zones_copy: Path) -> None:
    cfg = with_projections(zones_copy, **{
        "finance__contacts.sql": CONTACTS,
        "executive__people.sql": "SELECT upper(c.contact) AS person, sum(c.amount) AS spent "
                                 "FROM finance_analytics.contacts AS c GROUP BY 1",
        "executive__people_again.sql": "SELECT person AS p, spent FROM executive_analytics.people"})
    assert set(pii_columns(cfg, "executive_analytics.people")) == {"person"}
    assert set(pii_columns(cfg, "executive_analytics.people_again")) == {"p"}
    assert "spent" not in pii_columns(cfg, "executive_analytics.people_again")
    tags = plan(cfg, "executive_analytics", "people_again", ["p", "spent", "_promoted_at"])
    assert tags is not None and tags.pii_columns == ["p"] and tags.general_columns == ["spent", "_promoted_at"]


def test_aggregates_that_read_no_pii_stay_general(zones_copy: Path) -> None:
    cfg = load_config(zones_copy)
    assert set(pii_columns(cfg, "finance_analytics.expense_summary")) == set()
    assert "department" not in pii_columns(cfg, "finance_analytics.expense_summary")
    assert "total_amount" not in pii_columns(cfg, "executive_analytics.spend_by_department")
    tags = plan(cfg, "finance_analytics", "expense_summary", ["department", "total_amount", "_promoted_at"])
    assert tags is not None and tags.pii_columns == []


def test_a_column_the_sql_does_not_produce_is_tagged_pii_until_rebuilt(zones_copy: Path) -> None:
    # the catalog still lists a column of the table built from the projection's older SQL
    tags = plan(load_config(zones_copy), "executive_analytics", "spend_by_department", ["department", "contact"])
    assert tags is not None and tags.pii_columns == ["contact"] and tags.general_columns == ["department"]


PY = ('INPUTS = ["finance_ods.expenses"]\n{decl}\n'
      "def transform(inputs):\n    return inputs['finance_ods.expenses'].select('employee_email', 'amount')\n")


def test_python_projection_reading_pii_is_all_pii_unless_it_declares(zones_copy: Path) -> None:
    cfg = with_projections(zones_copy, **{"finance__undeclared.py": PY.format(decl=""),
                                          "finance__declared.py": PY.format(decl='PII_COLUMNS = ["employee_email"]'),
                                          "executive__downstream.sql": "SELECT * FROM finance_analytics.declared"})
    undeclared = pii_columns(cfg, "finance_analytics.undeclared")
    assert "amount" in undeclared and "anything" in undeclared and "_promoted_at" not in undeclared
    declared = pii_columns(cfg, "finance_analytics.declared")
    assert "employee_email" in declared and "amount" not in declared
    # a SQL projection over it: its star cannot be expanded from config, so everything is PII
    assert "amount" in pii_columns(cfg, "executive_analytics.downstream")
    tags = plan(cfg, "finance_analytics", "undeclared", ["employee_email", "amount", "_promoted_at"])
    assert tags is not None and tags.pii_columns == ["employee_email", "amount"]


def test_any_pii_input_makes_an_undeclared_python_projection_all_pii(zones_copy: Path) -> None:
    src = 'INPUTS = ["finance_ods.expenses"]\ndef transform(inputs):\n    return inputs["finance_ods.expenses"]\n'
    cfg = with_projections(zones_copy, **{"finance__plain.py": src.replace("expenses", "cost_centers")})
    assert "department" in pii_columns(cfg, "finance_analytics.plain")  # cost_centers has owner_email (PII)
    anomalies = pii_columns(load_config(zones_copy), "finance_analytics.expense_anomalies")  # declares []
    assert "amount" not in anomalies and "is_anomaly" not in anomalies


def test_a_malformed_declaration_fails_validation(zones_copy: Path) -> None:
    (zones_copy / "finance/projections/bad.py").write_text(PY.format(decl="PII_COLUMNS = 'employee_email'"))
    assert any(p.startswith("insight_zones/finance/projections/bad.py:") and "PII_COLUMNS must be a list" in p
               for p in problems(zones_copy))


def test_sql_naming_a_missing_column_is_still_classified_and_unresolvable_columns_are_pii(zones_copy: Path) -> None:
    cfg = with_projections(zones_copy, keep_sql_errors=True, **{"finance__broken.sql": (
        "SELECT employee_email AS c, SUM(e.amountt) AS s, department AS d, e.category FROM finance_ods.expenses e "
        "JOIN finance_ods.cost_centers cc ON cc.cost_center_id = e.cost_center_id GROUP BY 1, 3, 4")})
    pii = pii_columns(cfg, "finance_analytics.broken")
    assert "c" in pii and "d" in pii  # d: which table it comes from is unknown without the columns
    assert "s" not in pii and "category" not in pii
