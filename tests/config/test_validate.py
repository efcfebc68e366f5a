"""`lake validate`: each class of config error is reported with its file and field, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lake.cli import main
from lake.config import ConfigError, load_config
from tests.conftest import ZONES


def problems(root: Path) -> list[str]:
    with pytest.raises(ConfigError) as err:
        load_config(root)
    return [str(p) for p in err.value.problems]


def edit_yaml(path: Path, change) -> None:  # noqa: ANN001
    doc = yaml.safe_load(path.read_text())
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def props(doc: dict) -> list[dict]:
    return doc["schema"][0]["properties"]


def test_shipped_zones_validate_clean(capsys: pytest.CaptureFixture[str]) -> None:
    cfg = load_config(ZONES)
    assert set(cfg.zones) == {"finance", "customer_success", "executive"}
    assert main(["validate", "--config", str(ZONES)]) == 0
    assert "3 zones, 4 datasets, 5 projections" in capsys.readouterr().out


def test_yaml_syntax_error_names_line(zones_copy: Path) -> None:
    f = zones_copy / "finance/zone.yaml"
    f.write_text(f.read_text() + "readers: [unclosed\n")
    assert any(p.startswith("insight_zones/finance/zone.yaml: line ") and "YAML syntax error" in p
               for p in problems(zones_copy))


def test_unknown_key_in_zone_file(zones_copy: Path) -> None:
    edit_yaml(zones_copy / "finance/zone.yaml", lambda d: d.update(readerz=["x"]))
    assert "insight_zones/finance/zone.yaml: readerz: unknown key" in problems(zones_copy)


def test_unknown_key_in_contract(zones_copy: Path) -> None:
    edit_yaml(zones_copy / "finance/datasets/expenses.yaml", lambda d: props(d)[0].update(primaryKeyy=True))
    assert any(p.startswith("insight_zones/finance/datasets/expenses.yaml: schema.0.properties.0: ODCS:")
               and "primaryKeyy" in p for p in problems(zones_copy))


def test_unknown_platform_option(zones_copy: Path) -> None:
    edit_yaml(zones_copy / "finance/datasets/expenses.yaml",
              lambda d: d["customProperties"].append({"property": "maxBadRowRatioo", "value": 1}))
    assert "insight_zones/finance/datasets/expenses.yaml: customProperties.maxBadRowRatioo: " \
           "Extra inputs are not permitted" in problems(zones_copy)


def test_unknown_logical_type(zones_copy: Path) -> None:
    edit_yaml(zones_copy / "finance/datasets/expenses.yaml", lambda d: props(d)[4].update(logicalType="money"))
    assert any("expenses.yaml: schema.0.properties.4.logicalType: ODCS: unknown logicalType 'money' (one of" in p
               for p in problems(zones_copy))


def test_unknown_physical_type(zones_copy: Path) -> None:
    edit_yaml(zones_copy / "finance/datasets/expenses.yaml", lambda d: props(d)[4].update(physicalType="money"))
    assert any(p.startswith("insight_zones/finance/datasets/expenses.yaml: schema[0].properties[4].physicalType: "
                            "unknown physicalType 'money'") for p in problems(zones_copy))


def test_logical_and_physical_type_disagree(zones_copy: Path) -> None:
    edit_yaml(zones_copy / "finance/datasets/expenses.yaml", lambda d: props(d)[4].update(logicalType="date"))
    assert any("schema[0].properties[4].logicalType: 'date' does not fit physicalType 'decimal(12,2)'" in p
               for p in problems(zones_copy))


def test_primary_key_missing(zones_copy: Path) -> None:
    edit_yaml(zones_copy / "finance/datasets/expenses.yaml", lambda d: props(d)[0].pop("primaryKey"))
    assert "insight_zones/finance/datasets/expenses.yaml: schema[0].properties: no column is marked primaryKey" \
        in problems(zones_copy)


def test_ordering_column_not_in_schema(zones_copy: Path) -> None:
    def change(d: dict) -> None:
        next(p for p in d["customProperties"] if p["property"] == "latestWins")["value"] = "submited_at"
    edit_yaml(zones_copy / "finance/datasets/expenses.yaml", change)
    assert "insight_zones/finance/datasets/expenses.yaml: customProperties.latestWins: " \
           "ordering column 'submited_at' is not in the schema" in problems(zones_copy)


def test_pii_treatment_on_missing_column(zones_copy: Path) -> None:
    def change(d: dict) -> None:
        next(p for p in d["customProperties"] if p["property"] == "pii")["value"] = {"employee_mail": "hash"}
    edit_yaml(zones_copy / "finance/datasets/expenses.yaml", change)
    assert "insight_zones/finance/datasets/expenses.yaml: customProperties.pii.employee_mail: " \
           "PII treatment for 'employee_mail', which is not in the schema" in problems(zones_copy)


def test_projection_reads_missing_table(zones_copy: Path) -> None:
    f = zones_copy / "finance/projections/expense_summary.sql"
    f.write_text(f.read_text().replace("finance_ods.cost_centers", "finance_ods.cost_centres"))
    found = problems(zones_copy)
    assert "insight_zones/finance/projections/expense_summary.sql:12:11: unknown table 'finance_ods.cost_centres'; " \
           "did you mean 'finance_ods.cost_centers'?" in found
    # what reads it is reported once, not once per column it uses
    assert "insight_zones/executive/projections/spend_by_department.sql:7:6: depends on a projection with errors: " \
           "finance_analytics.expense_summary" in found and len(found) == 2


def test_projection_reads_unpublished_table(zones_copy: Path) -> None:
    f = zones_copy / "executive/projections/spend_by_department.sql"
    f.write_text("SELECT department FROM finance_ods.cost_centers c JOIN (SELECT 1 AS x) s ON true")
    assert "insight_zones/executive/projections/spend_by_department.sql:1:24: reads 'finance_ods.cost_centers', " \
           "which zone 'finance' does not publish to 'executive'" in problems(zones_copy)


def test_unpublished_table_hidden_in_cte_is_found(zones_copy: Path) -> None:
    f = zones_copy / "executive/projections/hiring_by_region.sql"
    f.write_text("WITH a AS (SELECT * FROM customer_success_ods.accounts) SELECT region FROM a")
    assert any("reads 'customer_success_ods.accounts', which zone 'customer_success' does not publish" in p
               for p in problems(zones_copy))


def test_projection_cycle(zones_copy: Path) -> None:
    (zones_copy / "finance/projections/a.sql").write_text("SELECT * FROM finance_analytics.b")
    (zones_copy / "finance/projections/b.sql").write_text("SELECT * FROM finance_analytics.a")
    assert any("projection cycle: finance_analytics.a -> finance_analytics.b -> finance_analytics.a" in p
               for p in problems(zones_copy))


def test_publish_to_unknown_zone(zones_copy: Path) -> None:
    edit_yaml(zones_copy / "finance/zone.yaml", lambda d: d["publish"][0]["to"].append("marketing"))
    assert "insight_zones/finance/zone.yaml: publish[0].to: zone 'marketing' does not exist" in problems(zones_copy)


def test_duplicate_dataset_name_in_zone(zones_copy: Path) -> None:
    src = zones_copy / "finance/datasets/expenses.yaml"
    (zones_copy / "finance/datasets/expenses.yml").write_text(src.read_text())
    assert any(p.startswith("insight_zones/finance/datasets/expenses.yml: name: dataset 'expenses' is already "
                            "defined") for p in problems(zones_copy))


def test_bad_sql_is_reported(zones_copy: Path) -> None:
    (zones_copy / "finance/projections/broken.sql").write_text("-- header\nSELECT amount,\n  (category FROM x")
    found = problems(zones_copy)
    assert found == ["insight_zones/finance/projections/broken.sql:3:13: not valid Athena SQL: Expecting ) near 'FROM'"]
    assert "\x1b" not in found[0]  # sqlglot underlines with terminal codes: not in a message


def test_every_problem_reported_at_once_with_exit_2(zones_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_yaml(zones_copy / "finance/zone.yaml", lambda d: d.update(readerz=["x"]))
    edit_yaml(zones_copy / "customer_success/zone.yaml", lambda d: d["publish"][0].update(to=["executive", "nobody"]))
    (zones_copy / "finance/projections/a.sql").write_text("SELECT * FROM finance_ods.nope")
    assert main(["validate", "--config", str(zones_copy)]) == 2
    err = capsys.readouterr().err
    assert "finance/zone.yaml: readerz: unknown key" in err
    assert "customer_success/zone.yaml: publish[0].to: zone 'nobody' does not exist" in err
    assert "finance/projections/a.sql:1:15: unknown table 'finance_ods.nope'" in err
    assert "3 problem(s)" in err


def test_zone_json_schema_is_current() -> None:
    import json

    from lake.config.schema_export import SCHEMA_PATH, zone_schema
    assert json.loads(SCHEMA_PATH.read_text()) == zone_schema(), "run `lake schema` and commit the result"


def test_subject_kinds_must_be_known_and_fit_the_column(zones_copy: Path) -> None:
    def change(d: dict) -> None:
        props(d)[1]["customProperties"] = [{"property": "subject", "value": "person_mail"}]  # employee_email
        props(d)[0]["customProperties"] = [{"property": "subject", "value": "person_email"}]  # expense_id: bigint

    edit_yaml(zones_copy / "finance/datasets/expenses.yaml", change)
    found = problems(zones_copy)
    where = "insight_zones/finance/datasets/expenses.yaml: schema[0].properties"
    assert (f"{where}[1].customProperties.subject: unknown subject kind 'person_mail' "
            "(known: person_email, person_id); did you mean 'person_email'?") in found
    assert f"{where}[0].customProperties.subject: subject kind 'person_email' needs a column of type string, " \
           "not 'bigint'" in found


def test_shipped_contracts_mark_the_people_they_hold() -> None:
    cfg = load_config(ZONES)
    marked = {(z, d.name, c.name) for z, zone in cfg.zones.items() for d in zone.datasets.values()
              for c in d.subject_columns("person_email")}
    assert marked == {("finance", "expenses", "employee_email"), ("finance", "cost_centers", "owner_email"),
                      ("customer_success", "accounts", "owner_email"),
                      ("customer_success", "applications", "candidate_email")}
