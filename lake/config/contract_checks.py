"""Contract checks beyond the ODCS JSON Schema's shape: keys, freshness SLA, readable messages."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jsonschema

from lake.config.problems import Problems

# Freshness units (ODCS: "d, day, days for days ..."), as hours. "m" is left out: minutes or months?
_HOURS = {**dict.fromkeys(("min", "mins", "minute", "minutes"), 1 / 60),
          **dict.fromkeys(("h", "hr", "hour", "hours"), 1.0), **dict.fromkeys(("d", "day", "days"), 24.0),
          **dict.fromkeys(("w", "week", "weeks"), 24.0 * 7)}


def odcs_message(e: jsonschema.ValidationError) -> str:
    if e.validator == "enum" and e.absolute_path and e.absolute_path[-1] == "logicalType":
        allowed = [str(v) for v in e.validator_value]
        close = difflib.get_close_matches(str(e.instance), allowed, n=1)
        return (f"ODCS: unknown logicalType '{e.instance}' (one of {', '.join(allowed)})"
                + (f"; did you mean '{close[0]}'?" if close else ""))
    return f"ODCS: {e.message}"


class Shape:
    """Where a document broke the ODCS JSON Schema: a check reads only the parts that are well formed, so a
    schema error is reported once and never hides (nor cascades into) the other checks of the file."""

    def __init__(self, errors: Iterable[jsonschema.ValidationError]):
        self.bad: set[tuple[Any, ...]] = set()
        for e in errors:
            at = tuple(e.absolute_path)
            if e.validator == "required" and isinstance(e.instance, dict):  # the missing keys, not the parent
                self.bad |= {(*at, k) for k in e.validator_value if k not in e.instance}
            elif e.validator in ("additionalProperties", "unevaluatedProperties") and isinstance(e.instance, dict):
                known = set((e.schema or {}).get("properties", {}))  # type: ignore[union-attr]
                self.bad |= {(*at, k) for k in e.instance if k not in known}
            else:
                self.bad.add(at)

    def ok(self, *at: Any) -> bool:
        """Nothing at, inside or above ``at`` broke the schema."""
        return not any(b[:len(at)] == at or at[:len(b)] == b for b in self.bad)


def _always(*_: Any) -> bool:
    return True


def check_keys(props: list[Any], path: Path, problems: Problems,
               ok: Callable[[int, str], bool] = _always) -> None:
    """A key column must be required (a null key cannot be upserted), and key positions are unique.
    ``ok(i, field)``: the field of property i is well formed (see ``Shape``)."""
    positions: dict[int, str] = {}
    for i, prop in enumerate(props):
        if not isinstance(prop, dict) or not isinstance(prop.get("name"), str) or not ok(i, "primaryKey") \
                or not prop.get("primaryKey"):
            continue
        if ok(i, "required") and not prop.get("required"):
            problems.add(path, f"schema[0].properties[{i}].required",
                         f"key column '{prop['name']}' must be required: true (a row without a key cannot be "
                         "matched on upsert)")
        pos = prop.get("primaryKeyPosition", -1) if ok(i, "primaryKeyPosition") else -1
        if pos in positions:
            problems.add(path, f"schema[0].properties[{i}].primaryKeyPosition",
                         f"primaryKeyPosition {pos} is also given to '{positions[pos]}'; each key column needs "
                         "its own position (1, 2, ...)")
        elif pos != -1:
            positions[pos] = prop["name"]


def freshness_hours(doc: dict[str, Any], path: Path, problems: Problems,
                    ok: Callable[[int], bool] = _always) -> float | None:
    """The freshness SLA in hours (``slaProperties``: value and unit, hours when no unit is given).
    ``ok(i)``: entry i is well formed (see ``Shape``)."""
    hours = None
    slas = doc.get("slaProperties") or []
    for i, sla in enumerate(slas if isinstance(slas, list) else []):
        if not isinstance(sla, dict) or not ok(i) or sla.get("property") != "freshness":
            continue
        unit = str(sla.get("unit", "h")).strip().lower()
        value = sla.get("value")
        if hours is not None:
            problems.add(path, f"slaProperties[{i}]", "freshness is given twice")
        elif unit not in _HOURS:
            problems.add(path, f"slaProperties[{i}].unit",
                         f"unknown freshness unit '{unit}' (use minutes, h/hours, d/days or w/weeks)")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            problems.add(path, f"slaProperties[{i}].value", f"freshness needs a positive number, not {value!r}")
        else:
            hours = float(value) * _HOURS[unit]
    return hours
