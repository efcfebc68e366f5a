"""``lake validate`` checks projection test declarations: every problem with its file and field, at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.config import ConfigError, load_config
from tests.projections.conftest import make_config


def problems(tmp_path: Path, name: str, text: str) -> list[str]:
    root = tmp_path / "insight_zones"
    if not root.exists():
        make_config(root)
    for old in (root / "shop" / "projections").glob("*.yaml"):
        old.unlink()
    (root / "shop" / "projections" / name).write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(root)
    return [str(p) for p in err.value.problems]


def test_declared_tests_load_onto_the_projection(tmp_path: Path) -> None:
    root = tmp_path / "insight_zones"
    make_config(root)
    (root / "shop" / "projections" / "item_totals.yaml").write_text(
        "tests:\n  - not_null: [item, qty]\n  - row_count: {min: 1}\n")
    p = load_config(root).zones["shop"].projections["item_totals"]
    assert [t.name for t in p.tests] == ["not_null(item)", "not_null(qty)", "row_count(1..)"]
    assert p.meta_path == root / "shop" / "projections" / "item_totals.yaml"


def test_unknown_columns_kinds_and_tables_are_named_with_their_file(tmp_path: Path) -> None:
    found = problems(tmp_path, "item_totals.yaml", """tests:
  - not_null: [item, quantity]
  - unqiue: item
  - accepted_values: {column: item}
  - relationships: {column: item, to: shop_ods.products, field: item}
  - relationships: {column: item, to: shop_ods.items, field: name}
  - row_count: {min: 5, max: 1}
  - sql: {name: bad, query: "SELECT * FROM other_ods.secrets"}
""")
    f = "insight_zones/shop/projections/item_totals.yaml"
    assert found == sorted([
        f"{f}: tests[0].not_null: shop_analytics.item_totals has no column 'quantity' (columns: item, qty, orders)",
        f"{f}: tests[1]: unknown test kind 'unqiue' (known: unique, not_null, accepted_values, relationships, "
        "row_count, sql)",
        f"{f}: tests[2].accepted_values.values: Field required",
        f"{f}: tests[3].relationships: relationships: table 'shop_ods.products' does not exist",
        f"{f}: tests[4].relationships: shop_ods.items has no column 'name' (columns: item, kind)",
        f"{f}: tests[5].row_count: Value error, min 5 is above max 1",
        f"{f}: tests[6].sql: query: reads 'other_ods.secrets', which zone 'shop' may not read",
    ])


def test_a_custom_query_reading_files_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, "item_totals.yaml",
                     "tests:\n  - sql: {name: sneaky, query: 'SELECT * FROM parquet.\"/etc/x\"'}\n")
    assert len(found) == 1 and "tests[0].sql: query:" in found[0] and "access denied" in found[0]
    broken = problems(tmp_path, "item_totals.yaml", "tests:\n  - sql: {name: broken, query: 'SELECT FROM WHERE'}\n")
    assert len(broken) == 1 and "not valid Athena SQL" in broken[0] and "\x1b" not in broken[0]


def test_metadata_without_a_projection_and_unknown_keys(tmp_path: Path) -> None:
    assert problems(tmp_path, "nothing.yaml", "tests: []\n") == [
        "insight_zones/shop/projections/nothing.yaml: -: no projection 'nothing' (.sql or .py) beside this "
        "metadata file"]
    assert problems(tmp_path, "item_totals.yaml", "test:\n  - not_null: item\n") == [
        "insight_zones/shop/projections/item_totals.yaml: test: unknown key (a projection's metadata file "
        "holds 'tests:' only)"]


def test_lake_run_rebuild_of_an_unknown_table_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from lake.cli import main

    root = tmp_path / "insight_zones"
    make_config(root)
    code = main(["run", "--home", str(tmp_path / "home"), "--config", str(root), "--rebuild", "nope"])
    assert code == 2
    assert capsys.readouterr().err.strip() == (
        "lake run: --rebuild nope is not a projection; projections: shop_analytics.item_totals, "
        "shop_analytics.top_items")


def test_example_values_of_pii_columns_are_masked(zones_copy: Path) -> None:
    from lake.tasks.projections.checks import _masker

    (zones_copy / "finance" / "projections" / "contacts.sql").write_text(
        "SELECT cost_center_id, owner_email AS contact FROM finance_ods.cost_centers")
    (zones_copy / "finance" / "projections" / "contacts.yaml").write_text(
        "tests:\n  - unique: contact\n  - not_null: cost_center_id\n"
        "  - sql: {name: odd, query: \"SELECT upper(contact) AS shout FROM finance_analytics.contacts\"}\n")
    cfg = load_config(zones_copy)
    p = cfg.zones["finance"].projections["contacts"]
    unique, not_null, custom = (_masker(cfg, p, t) for t in p.tests)
    assert unique("contact") and not unique("duplicates")
    assert not_null("contact") and not not_null("cost_center_id")
    assert custom("shout") and custom("contact") and not custom("cost_center_id")
