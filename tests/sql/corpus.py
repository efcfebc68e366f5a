"""Loading the differential corpus (corpus.yaml) and comparing engine answers with Trino's."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from sqlglot import exp

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).with_name("corpus.yaml")).read_text(encoding="utf-8"))
ANSWERED = [c for c in CASES if "rows" in c]
FAILING = [c for c in CASES if "error" in c]
REFUSED = [c for c in CASES if "not_supported" in c]


def norm(v: Any) -> Any:
    """One spelling for both engines' Python values: decimals keep their scale, times are UTC."""
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, float):
        return round(v, 9) if math.isfinite(v) else str(v)
    if isinstance(v, datetime):
        if v.tzinfo is not None:
            v = v.astimezone(UTC).replace(tzinfo=None)
        return v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, dict):
        return {norm(k): norm(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    return v


def expected(case: dict[str, Any]) -> list[list[Any]]:
    return [norm(row) for row in case["rows"]]


def same_rows(case: dict[str, Any], got: list[list[Any]]) -> bool:
    want = expected(case)
    if case.get("ordered"):
        return got == want
    return sorted(map(repr, got)) == sorted(map(repr, want))


def trino_type(text: str, dialect: str) -> str:
    return exp.DataType.build(text, dialect=dialect).sql(dialect="trino").lower().replace(" ", "")


def want_types(case: dict[str, Any]) -> list[str] | None:
    types = case.get("types")
    return [trino_type(t, "trino") for t in types] if types else None
