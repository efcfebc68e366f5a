"""Projection tests: declared beside the projection in ``projections/<name>.yaml``, checked at validate.

    tests:
      - unique: expense_id                 # or [month, cost_center_id]: the combination is unique
      - not_null: [month, department]      # each column
      - accepted_values: {column: currency, values: [EUR, USD]}
      - relationships: {column: cost_center_id, to: finance_ods.cost_centers, field: cost_center_id}
      - row_count: {min: 1, max: 100000}
      - sql: {name: no_negative_totals, query: "SELECT * FROM finance_analytics.expense_summary WHERE ..."}

The same file serves SQL and Python projections (a Python projection's other metadata, ``INPUTS`` and
``PII_COLUMNS``, stays in its module, read with ``ast``). The build runs them on the new result
before it becomes current (lake/tasks/projections/checks.py). Here: the declarations' shape, columns
that the projection (or the related table) does not have, and what a custom query may read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlglot
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, model_validator

from lake.config.names import name_problem
from lake.config.problems import Problems
from lake.config.projection import Projection, TableRefError, parse_sql, table_refs
from lake.config.projection_guard import spark_escapes

if TYPE_CHECKING:
    from lake.config.loader import LakeConfig, Zone

KINDS = ("unique", "not_null", "accepted_values", "relationships", "row_count", "sql")


@dataclass(frozen=True)
class ProjectionTest:
    kind: str
    name: str  # how runs and alerts call it: not_null(department), sql(no_negative_totals) ...
    field: str  # where it was declared: tests[2].accepted_values
    columns: tuple[str, ...] = ()
    values: tuple[Any, ...] = ()
    to: str = ""
    to_column: str = ""
    min: int | None = None
    max: int | None = None
    query: str = ""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _AcceptedValues(_Strict):
    column: str
    values: list[str | int | float | bool] = Field(min_length=1)


class _Relationships(_Strict):
    column: str
    to: str
    field: str


class _RowCount(_Strict):
    min: StrictInt | None = Field(default=None, ge=0)
    max: StrictInt | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> _RowCount:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class _Sql(_Strict):
    name: str
    query: str


def _names(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(c, str) and c for c in items):
        raise ValueError("expected a column name or a list of column names")
    return tuple(c.lower() for c in items)


def _parse_one(kind: str, arg: Any, fld: str) -> list[ProjectionTest]:
    if kind == "unique":
        cols = _names(arg)
        return [ProjectionTest(kind, f"unique({', '.join(cols)})", fld, cols)]
    if kind == "not_null":
        return [ProjectionTest(kind, f"not_null({c})", fld, (c,)) for c in _names(arg)]
    if kind == "accepted_values":
        a = _AcceptedValues.model_validate(arg)
        return [ProjectionTest(kind, f"accepted_values({a.column.lower()})", fld, (a.column.lower(),),
                               tuple(a.values))]
    if kind == "relationships":
        r = _Relationships.model_validate(arg)
        target = f"{r.to.lower()}.{r.field.lower()}"
        return [ProjectionTest(kind, f"relationships({r.column.lower()} -> {target})", fld, (r.column.lower(),),
                               to=r.to.lower(), to_column=r.field.lower())]
    if kind == "row_count":
        b = _RowCount.model_validate(arg)
        bounds = f"{'' if b.min is None else b.min}..{'' if b.max is None else b.max}"
        return [ProjectionTest(kind, f"row_count({bounds})", fld, min=b.min, max=b.max)]
    s = _Sql.model_validate(arg)
    if problem := name_problem(s.name, "test"):
        raise ValueError(f"name: {problem}")
    return [ProjectionTest(kind, f"sql({s.name})", fld, query=s.query)]


def parse_tests(doc: Any, path: Path, problems: Problems) -> tuple[ProjectionTest, ...]:
    """The ``tests:`` of one metadata file; every problem added with its file and field."""
    if not isinstance(doc, dict) or set(doc) - {"tests"}:
        extra = sorted(set(doc) - {"tests"}) if isinstance(doc, dict) else []
        problems.add(path, ", ".join(map(str, extra)) or "-",
                     "unknown key (a projection's metadata file holds 'tests:' only)" if extra else
                     "expected a mapping with 'tests:'")
        return ()
    items = doc.get("tests") or []
    if not isinstance(items, list):
        problems.add(path, "tests", "expected a list of tests")
        return ()
    out: list[ProjectionTest] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or len(item) != 1:
            problems.add(path, f"tests[{i}]",
                         f"expected one test kind, such as 'not_null: column' ({', '.join(KINDS)})")
            continue
        kind, arg = next(iter(item.items()))
        fld = f"tests[{i}].{kind}"
        if kind not in KINDS:
            problems.add(path, f"tests[{i}]", f"unknown test kind '{kind}' (known: {', '.join(KINDS)})")
            continue
        try:
            out += _parse_one(kind, arg, fld)
        except ValidationError as err:
            for e in err.errors():
                loc = ".".join(str(x) for x in e["loc"])
                msg = "unknown key" if e["type"] == "extra_forbidden" else e["msg"]
                problems.add(path, f"{fld}.{loc}" if loc else fld, msg)
        except ValueError as err:
            problems.add(path, fld, str(err))
    seen: set[str] = set()
    for t in out:
        if t.name in seen:
            problems.add(path, t.field, f"{t.name} is declared twice")
        seen.add(t.name)
    return tuple(out)


def attach_tests(zone: Zone, read_yaml: Any, problems: Problems) -> None:
    """Read each ``projections/<name>.yaml`` into its projection's ``tests``."""
    for path in sorted((zone.path / "projections").glob("*.y*ml")):
        projection = zone.projections.get(path.stem)
        if projection is None:
            problems.add(path, "-", f"no projection '{path.stem}' (.sql or .py) beside this metadata file")
            continue
        doc = read_yaml(path, problems)
        if doc is not None:
            zone.projections[path.stem] = replace(projection, tests=parse_tests(doc, path, problems),
                                                  meta_path=path)


def _columns(cfg: LakeConfig, table: str) -> tuple[str, ...] | None:
    from lake.config.pii_lineage import table_info

    try:
        return table_info(cfg, table).columns
    except Exception:  # noqa: BLE001 - a projection with other problems: those are reported already
        return None


def _unknown(columns: tuple[str, ...] | None, wanted: tuple[str, ...], table: str) -> list[str]:
    if columns is None:  # a Python projection, or a star over unknown columns: checked at build
        return []
    known = set(columns)
    return [f"{table} has no column '{c}' (columns: {', '.join(columns)})" for c in wanted if c not in known]


def check_tests(cfg: LakeConfig, problems: Problems) -> None:
    """Columns, related tables and custom queries of every declared test, against the config."""
    tables = cfg.all_tables()
    for z in cfg.zones.values():
        readable = cfg.readable_by(z.name)
        for p in z.projections.values():
            if not p.tests:
                continue
            where = p.meta_path or p.path
            own = _columns(cfg, p.table)
            for t in p.tests:
                for message in _unknown(own, t.columns, p.table) + _test_refs(cfg, p, t, tables, readable):
                    problems.add(where, t.field, message)


def _plain(err: sqlglot.errors.SqlglotError) -> str:
    """The parse error without sqlglot's terminal highlighting (the message goes to files and CI logs)."""
    details = getattr(err, "errors", None) or []
    if details:
        d = details[0]
        return f"{d.get('description')} (line {d.get('line')}, column {d.get('col')})"
    return str(err).splitlines()[0]


def _test_refs(cfg: LakeConfig, p: Projection, t: ProjectionTest, tables: dict[str, Any],
               readable: set[str]) -> list[str]:
    if t.kind == "relationships":
        if t.to not in tables:
            return [f"relationships: table '{t.to}' does not exist"]
        if t.to not in readable:
            return [f"relationships: zone '{p.zone}' may not read '{t.to}'"]
        return _unknown(_columns(cfg, t.to), (t.to_column,), t.to)
    if t.kind != "sql":
        return []
    try:
        tree = parse_sql(t.query)
        refs = table_refs(tree)
    except TableRefError as err:  # a path, table function or catalog name
        return [f"query: access denied: {err}"]
    except sqlglot.errors.SqlglotError as err:
        return [f"query: not valid Athena SQL: {_plain(err)}"]
    allowed = readable | {p.table}
    out = [f"query: {e}" for e in spark_escapes(tree, allowed)]
    return out + [f"query: reads '{r}', which zone '{p.zone}' may not read" for r in sorted(refs - allowed)]
