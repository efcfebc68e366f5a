"""Contract checks beyond the ODCS JSON Schema's shape: keys, freshness SLA, readable messages."""

from __future__ import annotations

import difflib
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


def check_keys(props: list[dict[str, Any]], path: Path, problems: Problems) -> None:
    """A key column must be required (a null key cannot be upserted), and key positions are unique."""
    positions: dict[int, str] = {}
    for i, prop in enumerate(props):
        if not prop.get("primaryKey"):
            continue
        if not prop.get("required"):
            problems.add(path, f"schema[0].properties[{i}].required",
                         f"key column '{prop['name']}' must be required: true (a row without a key cannot be "
                         "matched on upsert)")
        pos = prop.get("primaryKeyPosition", -1)
        if pos in positions:
            problems.add(path, f"schema[0].properties[{i}].primaryKeyPosition",
                         f"primaryKeyPosition {pos} is also given to '{positions[pos]}'; each key column needs "
                         "its own position (1, 2, ...)")
        elif pos != -1:
            positions[pos] = prop["name"]


def freshness_hours(doc: dict[str, Any], path: Path, problems: Problems) -> float | None:
    """The freshness SLA in hours (``slaProperties``: value and unit, hours when no unit is given)."""
    hours = None
    for i, sla in enumerate(doc.get("slaProperties") or []):
        if sla["property"] != "freshness":
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
