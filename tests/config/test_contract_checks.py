"""Contract checks beyond the ODCS shape: key columns, key positions, freshness units, logicalType."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.config import load_config
from tests.config.test_validate import edit_yaml, problems, props

EXPENSES = "finance/datasets/expenses.yaml"
WHERE = "insight_zones/" + EXPENSES


def test_key_column_must_be_required(zones_copy: Path) -> None:
    edit_yaml(zones_copy / EXPENSES, lambda d: props(d)[0].update(required=False))
    assert any(p.startswith(f"{WHERE}: schema[0].properties[0].required: key column 'expense_id' must be "
                            "required: true") for p in problems(zones_copy))


def test_key_column_without_required_is_refused_too(zones_copy: Path) -> None:
    edit_yaml(zones_copy / EXPENSES, lambda d: props(d)[0].pop("required"))
    assert any("key column 'expense_id' must be required" in p for p in problems(zones_copy))


def test_duplicate_primary_key_position(zones_copy: Path) -> None:
    def second_key(d: dict) -> None:
        props(d)[1].update(required=True, primaryKey=True, primaryKeyPosition=1)
    edit_yaml(zones_copy / EXPENSES, second_key)
    assert f"{WHERE}: schema[0].properties[1].primaryKeyPosition: primaryKeyPosition 1 is also given to " \
           "'expense_id'; each key column needs its own position (1, 2, ...)" in problems(zones_copy)


def test_composite_key_with_distinct_positions_is_fine(zones_copy: Path) -> None:
    edit_yaml(zones_copy / EXPENSES, lambda d: props(d)[1].update(required=True, primaryKey=True,
                                                                   primaryKeyPosition=2))
    ds = load_config(zones_copy).dataset("finance", "expenses")
    assert ds is not None and ds.primary_key == ["expense_id", "employee_email"]


@pytest.mark.parametrize(("value", "unit", "hours"), [(2, "d", 48), (2, "days", 48), (1, "Day", 24),
                                                      (36, "h", 36), (36, None, 36), (90, "minutes", 1.5),
                                                      (1, "week", 168)])
def test_freshness_units_convert_to_hours(zones_copy: Path, value: int, unit: str | None, hours: float) -> None:
    def sla(d: dict) -> None:
        d["slaProperties"] = [{"property": "freshness", "value": value} | ({"unit": unit} if unit else {})]
    edit_yaml(zones_copy / EXPENSES, sla)
    ds = load_config(zones_copy).dataset("finance", "expenses")
    assert ds is not None and ds.freshness_hours == hours


@pytest.mark.parametrize(("sla", "message"), [
    ({"value": 3, "unit": "m"}, "slaProperties[0].unit: unknown freshness unit 'm' (use minutes, h/hours, d/days "
                                "or w/weeks)"),
    ({"value": "1 day", "unit": "d"}, "slaProperties[0].value: freshness needs a positive number, not '1 day'"),
    ({"value": 0, "unit": "d"}, "slaProperties[0].value: freshness needs a positive number, not 0"),
])
def test_bad_freshness_is_reported(zones_copy: Path, sla: dict, message: str) -> None:
    edit_yaml(zones_copy / EXPENSES, lambda d: d.update(slaProperties=[{"property": "freshness", **sla}]))
    assert f"{WHERE}: {message}" in problems(zones_copy)


def test_unknown_logical_type_names_the_odcs_list(zones_copy: Path) -> None:
    edit_yaml(zones_copy / EXPENSES, lambda d: props(d)[0].update(logicalType="integr"))
    assert f"{WHERE}: schema.0.properties.0.logicalType: ODCS: unknown logicalType 'integr' (one of string, date, " \
           "timestamp, time, number, integer, object, array, boolean); did you mean 'integer'?" in problems(zones_copy)


def test_an_odcs_error_does_not_hide_the_key_checks_of_the_same_contract(zones_copy: Path) -> None:
    """One run lists every error of the file: the schema errors and the key checks beside them."""
    def broken(d: dict) -> None:
        props(d)[0].update(required=False, logicalType="integr")  # an ODCS error on the key column itself
        props(d)[1].update(required=True, primaryKey=True, primaryKeyPosition=1)  # duplicate position
        props(d)[2]["required"] = "yes"  # not a boolean
        d["slaProperties"] = [{"property": "freshness", "value": 3, "unit": "m"}]
    edit_yaml(zones_copy / EXPENSES, broken)
    found = [p for p in problems(zones_copy) if p.startswith(WHERE)]
    assert f"{WHERE}: schema.0.properties.0.logicalType: ODCS: unknown logicalType 'integr' (one of string, date, " \
           "timestamp, time, number, integer, object, array, boolean); did you mean 'integer'?" in found
    assert f"{WHERE}: schema.0.properties.2.required: ODCS: 'yes' is not of type 'boolean'" in found
    assert any(p.startswith(f"{WHERE}: schema[0].properties[0].required: key column 'expense_id' must be required")
               for p in found)
    assert f"{WHERE}: schema[0].properties[1].primaryKeyPosition: primaryKeyPosition 1 is also given to " \
           "'expense_id'; each key column needs its own position (1, 2, ...)" in found
    assert f"{WHERE}: slaProperties[0].unit: unknown freshness unit 'm' (use minutes, h/hours, d/days or w/weeks)" \
        in found
    assert len(found) == 5, found  # nothing else: no cascade from the broken parts


def test_no_cascade_from_a_broken_part(zones_copy: Path) -> None:
    """A key column with no name, a key flag that is not a boolean: each is one ODCS error, never a second
    error about the same part (no "no column is marked primaryKey", no "must be required")."""
    def broken(d: dict) -> None:
        props(d)[0].update(primaryKey="yes", required=False)
        props(d)[1].pop("name")
    edit_yaml(zones_copy / EXPENSES, broken)
    found = [p for p in problems(zones_copy) if p.startswith(WHERE)]
    assert sorted(found) == sorted([
        f"{WHERE}: schema.0.properties.0.primaryKey: ODCS: 'yes' is not of type 'boolean'",
        f"{WHERE}: schema.0.properties.1: ODCS: 'name' is a required property"]), found


def test_a_missing_api_version_still_checks_the_rest(zones_copy: Path) -> None:
    def broken(d: dict) -> None:
        d.pop("apiVersion")
        d["domain"] = "marketing"
        props(d)[0]["required"] = False
    edit_yaml(zones_copy / EXPENSES, broken)
    found = [p for p in problems(zones_copy) if p.startswith(WHERE)]
    assert f"{WHERE}: -: ODCS: 'apiVersion' is a required property" in found
    assert f"{WHERE}: domain: 'marketing' must be the zone 'finance'" in found
    assert any("key column 'expense_id' must be required" in p for p in found)
    assert len(found) == 3, found
