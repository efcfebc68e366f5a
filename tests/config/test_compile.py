"""`lake validate` compiles SQL projections against the contracts and upstream projections: errors at
the user's file, line and column, all at once, without cascades, and no false alarms on valid SQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from lake.cli import main
from lake.config import load_config
from lake.config.compile import Upstream, compile_sql
from tests.config.test_validate import edit_yaml, problems
from tests.conftest import ZONES

SUMMARY = "finance/projections/expense_summary.sql"
WHERE = "insight_zones/" + SUMMARY


def write(root: Path, rel: str, sql: str) -> None:
    (root / rel).write_text(sql)


def test_names_are_checked_with_did_you_mean_at_file_line_and_column(zones_copy: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    write(zones_copy, SUMMARY, (
        "-- a header comment counts as a line\n"
        "SELECT e.amout, department,\n"
        "       cost_center_id, z.category\n"
        "FROM finance_ods.expenses AS e\n"
        "JOIN finance_ods.cost_centers AS c ON c.cost_center_id = e.cost_center_id\n"))
    assert main(["validate", "--config", str(zones_copy)]) == 2
    err = capsys.readouterr().err
    assert f"{WHERE}:2:8: column 'amout' is not in finance_ods.expenses (as e); did you mean 'amount'?" in err
    assert f"{WHERE}:3:8: column 'cost_center_id' is ambiguous: it is in c, e; qualify it" in err
    assert f"{WHERE}:3:24: unknown table or alias 'z'" in err
    assert "department" not in err.split("spend_by_department")[0]  # resolves to c: no error
    assert "\x1b[" not in err


def test_unknown_unqualified_column_lists_the_sources(zones_copy: Path) -> None:
    write(zones_copy, SUMMARY, "SELECT categry FROM finance_ods.expenses")
    assert f"{WHERE}:1:8: unknown column 'categry' of finance_ods.expenses; did you mean 'category'?" \
        in problems(zones_copy)


def test_type_errors_athena_would_raise(zones_copy: Path) -> None:
    write(zones_copy, SUMMARY, (
        "SELECT SUM(category) AS a, currency || 'x' AS b, amount + currency AS c, expense_date + 1 AS d\n"
        "FROM finance_ods.expenses\n"
        "WHERE expense_date = 20240101 AND expense_date > '2024-01-01'\n"))
    found = problems(zones_copy)
    assert f"{WHERE}:1:8: sum() needs a number, not varchar: SUM(category)" in found
    assert f"{WHERE}:1:50: '+' cannot be applied to decimal(12, 2), varchar: amount + currency" in found
    assert (f"{WHERE}:1:74: '+' cannot be applied to date, integer: expense_date + 1 "
            "(add an INTERVAL, or use date_add)") in found
    assert f"{WHERE}:3:7: '=' cannot be applied to date, integer: expense_date = 20240101" in found
    assert any(p.startswith(f"{WHERE}:3:35: '>' cannot be applied to date, varchar") and "DATE '" in p
               for p in found)
    assert not any(":1:28:" in p for p in found)  # string concatenation is fine


def test_concatenating_a_number_needs_a_cast(zones_copy: Path) -> None:
    write(zones_copy, SUMMARY, "SELECT category || '-' || expense_id AS k, category || CAST(expense_id AS varchar) AS "
                               "ok FROM finance_ods.expenses")
    assert problems(zones_copy)[-1] == (f"{WHERE}:1:8: '||' cannot be applied to varchar, bigint: category || '-' || "
                                        "expense_id (cast to varchar)")


def test_types_flow_from_upstream_projections(zones_copy: Path) -> None:
    write(zones_copy, "executive/projections/spend_by_department.sql",
          "SELECT department, SUM(total_amount) AS total FROM finance_analytics.expense_summary\n"
          "WHERE month > 3 AND expense_cnt > 0 GROUP BY department")
    found = problems(zones_copy)
    where = "insight_zones/executive/projections/spend_by_department.sql"
    assert f"{where}:2:7: '>' cannot be applied to date, integer: month > 3" in found
    assert f"{where}:2:21: unknown column 'expense_cnt' of finance_analytics.expense_summary; " \
           "did you mean 'expense_count'?" in found
    assert len(found) == 2


def test_no_cascades_unknown_table_and_broken_upstream(zones_copy: Path) -> None:
    write(zones_copy, SUMMARY, "SELECT e.a, e.b, c.d FROM finance_ods.expense AS e, finance_ods.cost_centers AS c")
    found = problems(zones_copy)
    assert found == [  # e's columns are not reported (its table is not there); c's still are: every error at once
        "insight_zones/executive/projections/spend_by_department.sql:7:6: depends on a projection with errors: "
        "finance_analytics.expense_summary",
        f"{WHERE}:1:18: column 'd' is not in finance_ods.cost_centers (as c)",
        f"{WHERE}:1:27: unknown table 'finance_ods.expense'; did you mean 'finance_ods.expenses'?"]


def test_string_functions_and_concat_need_varchar() -> None:
    """Athena has no upper(decimal), substr(date) or concat(varchar, bigint); Spark and DuckDB cast silently."""
    sql = ("SELECT upper(amount) AS u, substr(expense_date, 1, 4) AS y, concat(category, expense_id) AS k,\n"
           "       length(category) AS n, concat(category, CAST(expense_id AS varchar)) AS ok\n"
           "FROM finance_ods.expenses")
    assert [(p.line, p.col, p.message) for p in compile_sql(sql, "finance", _shipped_tables()).problems] == [
        (1, 8, "upper() needs a varchar, not decimal(12, 2): UPPER(amount) (cast to varchar)"),
        (1, 28, "substr() needs a varchar, not date: SUBSTR(expense_date, 1, 4) (cast to varchar)"),
        (1, 61, "concat() cannot be applied to varchar, bigint: CONCAT(category, expense_id) (cast to varchar)")]


def test_a_column_that_does_not_resolve_types_nothing_downstream(zones_copy: Path) -> None:
    write(zones_copy, SUMMARY, "SELECT SUM(amountt) + 1 AS s, sum(amountt) > 'x' AS t FROM finance_ods.expenses")
    found = problems(zones_copy)
    assert [p.split(": ", 1)[1] for p in found if p.startswith(WHERE)] == [
        "unknown column 'amountt' of finance_ods.expenses; did you mean 'amount'?"] * 2


def test_pii_drop_and_lineage_columns_follow_the_layers(zones_copy: Path) -> None:
    def drop_email(d: dict) -> None:
        next(p for p in d["customProperties"] if p["property"] == "pii")["value"] = {"employee_email": "drop"}
    edit_yaml(zones_copy / "finance/datasets/expenses.yaml", drop_email)
    write(zones_copy, "finance/projections/emails.sql",
          "SELECT s.employee_email, s._row_number, o._promoted_at, o._ingest_id, o.employee_email AS gone\n"
          "FROM finance_staging.expenses s JOIN finance_ods.expenses o ON o.expense_id = s.expense_id")
    found = problems(zones_copy)
    assert found == ["insight_zones/finance/projections/emails.sql:1:71: column 'employee_email' is not in "
                     "finance_ods.expenses (as o)"]


def test_python_upstream_columns_are_not_guessed(zones_copy: Path) -> None:
    write(zones_copy, "finance/projections/flagged.sql",
          "SELECT category, COUNT(*) AS n FROM finance_analytics.expense_anomalies WHERE is_anomaly GROUP BY 1")
    write(zones_copy, "finance/projections/flagged_too.sql",
          "SELECT expense_id FROM finance_ods.expenses e WHERE EXISTS "
          "(SELECT 1 FROM finance_analytics.expense_anomalies a WHERE a.expense_id = expense_id)")
    cfg = load_config(zones_copy)
    assert cfg.schemas["finance_analytics.expense_anomalies"] is None
    assert cfg.schemas["finance_analytics.flagged"] == {"category": "unknown", "n": "bigint",
                                                         "_promoted_at": "timestamp"}


def test_shipped_projections_compile_to_typed_outputs() -> None:
    cfg = load_config(ZONES)
    assert cfg.schemas["finance_analytics.expense_summary"] == {
        "month": "date", "cost_center_id": "varchar", "department": "varchar", "category": "varchar",
        "currency": "varchar", "total_amount": "decimal(38,2)", "expense_count": "bigint",
        "_promoted_at": "timestamp"}  # SUM(decimal(12,2)) is decimal(38,2) in Athena
    assert cfg.schemas["executive_analytics.spend_by_department"]["total_amount"] == "decimal(38,2)"


UPSTREAM = Upstream(tables={"a_ods.t": {"id": "bigint", "tags": "array(varchar)", "d": "date", "s": "varchar"},
                            "a_ods.u": {"id": "bigint", "v": "double"}},
                    readable={"a_ods.t", "a_ods.u"})


@pytest.mark.parametrize("sql", [
    "WITH x AS (SELECT id, s AS name FROM a_ods.t) SELECT x.name, u.v FROM x JOIN a_ods.u u USING (id)",
    "SELECT id FROM a_ods.t t WHERE EXISTS (SELECT 1 FROM a_ods.u u WHERE u.id = t.id AND s = 'a')",
    "SELECT t.id, tag FROM a_ods.t t CROSS JOIN UNNEST(tags) AS x(tag)",
    "SELECT transform(tags, q -> upper(q)) AS up, d + INTERVAL '1' DAY AS next FROM a_ods.t ORDER BY up",
    "SELECT id, row_number() OVER (PARTITION BY s ORDER BY d DESC) AS rn FROM a_ods.t",
    "SELECT id, v FROM a_ods.u UNION ALL SELECT id, 1.0 FROM a_ods.t",
    "SELECT s, count(*) AS n FROM a_ods.t GROUP BY s HAVING count(*) > 1 ORDER BY n",
    "SELECT date_diff('day', d, current_date) AS age, d BETWEEN DATE '2024-01-01' AND current_date AS recent "
    "FROM a_ods.t",
    "SELECT CASE WHEN v > 1 THEN 'big' ELSE 'small' END AS size, sum(v) / count(*) AS mean FROM a_ods.u GROUP BY 1",
    "SELECT n, name FROM (VALUES (1, 'a'), (2, 'b')) AS v(n, name) WHERE name LIKE 'a!%' ESCAPE '!'",
    "SELECT s, d, count(*) AS n FROM a_ods.t GROUP BY GROUPING SETS ((s), (d), ())",
    "SELECT id FROM a_ods.t WHERE s = ANY (VALUES 'a') AND id IN (SELECT id FROM a_ods.u)",
    "SELECT id, (SELECT max(u.v) FROM a_ods.u u WHERE u.id = t.id) AS mx FROM a_ods.t t",
    "SELECT reduce(tags, 0, (acc, x) -> acc + length(x), acc -> acc) AS r, max_by(s, d) AS latest FROM a_ods.t",
    "SELECT d AT TIME ZONE 'Europe/Paris' AS local, s || '-' || cast(id AS varchar) AS k FROM a_ods.t",
])
def test_valid_sql_compiles_without_problems(sql: str) -> None:
    compiled = compile_sql(sql, "a", UPSTREAM)
    assert compiled.problems == [] and compiled.columns


def test_python_projection_inputs_are_checked_and_break_downstream_once(zones_copy: Path) -> None:
    path = zones_copy / "finance/projections/expense_anomalies.py"
    path.write_text(path.read_text().replace('INPUTS = ["finance_ods.expenses"]', 'INPUTS = ["finance_ods.expense"]'))
    write(zones_copy, "finance/projections/flagged.sql", "SELECT nonsense FROM finance_analytics.expense_anomalies")
    assert problems(zones_copy) == [
        "insight_zones/finance/projections/expense_anomalies.py: INPUTS: reads 'finance_ods.expense', which does not "
        "exist; did you mean 'finance_ods.expenses'?",
        "insight_zones/finance/projections/flagged.sql:1:22: depends on a projection with errors: "
        "finance_analytics.expense_anomalies"]


def test_positions_count_a_metadata_header_split_off_the_statement(zones_copy: Path) -> None:
    import dataclasses

    from lake.config.compile import _header_lines
    text = "---\ntests: {unique: [id]}\n---\nSELECT amountt\nFROM finance_ods.expenses\n"
    path = zones_copy / "finance/projections/with_header.sql"
    path.write_text(text)
    shipped = load_config(ZONES).zones["finance"].projections["expense_summary"]
    p = dataclasses.replace(shipped, path=path, sql=text.split("---\n")[2])
    cfg = load_config(ZONES)
    compiled = compile_sql(p.sql, "finance", Upstream(cfg.schemas, cfg.readable_by("finance")), _header_lines(p))
    assert [(x.line, x.col) for x in compiled.problems] == [(4, 8)]


def _shipped_tables() -> Upstream:
    from lake.config.table_schemas import contract_tables

    cfg = load_config(ZONES)
    tables = dict(contract_tables({z.name: z.datasets for z in cfg.zones.values()}))
    return Upstream(tables, set(tables))


def test_output_types_are_trinos_result_types() -> None:
    """Downstream projections are checked against the types Athena returns, not sqlglot's generic ones."""
    sql = ("WITH s AS (SELECT category, sum(amount) AS total FROM finance_ods.expenses GROUP BY category)\n"
           "SELECT category, total, avg(total) OVER () AS mean, total / 3 AS third, total * 1.5 AS more,\n"
           "       7 / 2 AS i, 1.5 AS lit, count(*) OVER () AS n FROM s")
    compiled = compile_sql(sql, "finance", _shipped_tables())
    assert compiled.problems == []
    assert compiled.columns == {"category": "varchar", "total": "decimal(38,2)", "mean": "decimal(38,2)",
                                "third": "decimal(38,2)", "more": "decimal(38,3)", "i": "integer",
                                "lit": "decimal(2,1)", "n": "bigint"}
    avg = compile_sql("SELECT avg(amount) AS a, amount + 1.005 AS b FROM finance_ods.expenses GROUP BY amount",
                      "finance", _shipped_tables())
    assert avg.columns == {"a": "decimal(12,2)", "b": "decimal(14,3)"}


def test_rounding_functions_have_trinos_types_and_need_a_number() -> None:
    """round/ceil/floor/truncate/sign type as Athena's signatures do (the corpus checks the engines agree)."""
    sql = ("SELECT round(amount, 1) AS r1, round(amount) AS r0, ceil(amount) AS c, floor(amount) AS f,\n"
           "       truncate(amount) AS t0, truncate(amount, 1) AS t1, sign(amount) AS s, round(1.5e0) AS d,\n"
           "       ceil(count(*)) AS n, sign(count(*)) AS sn FROM finance_ods.expenses GROUP BY amount")
    compiled = compile_sql(sql, "finance", _shipped_tables())
    assert compiled.problems == []
    assert compiled.columns == {"r1": "decimal(13,2)", "r0": "decimal(11,0)", "c": "decimal(11,0)",
                                "f": "decimal(11,0)", "t0": "decimal(10,0)", "t1": "decimal(12,2)",
                                "s": "decimal(1,0)", "d": "double", "n": "bigint", "sn": "bigint"}
    bad = compile_sql("SELECT round(category, 1) AS r FROM finance_ods.expenses", "finance", _shipped_tables())
    assert [p.message for p in bad.problems] == ["round() needs a number, not varchar: ROUND(category, 1)"]


def test_syntax_errors_quote_the_users_text_not_sqlglots_tokens() -> None:
    [problem] = compile_sql("SELECT x\nFROM WHERE", "a", UPSTREAM).problems
    assert (problem.line, problem.message) == \
        (2, "not valid Athena SQL: Expected table name but got 'WHERE' near 'WHERE'")
