"""EventBridge event patterns (content filtering) as EventBridge matches them. moto's matcher
treats ``anything-but`` as always true, which would send the landing bucket's own quarantine
writes to the validator; this one implements the filters the lake's rules use and the rest of
the documented set (prefix, suffix, anything-but, exists, numeric, equals-ignore-case, wildcard)."""

from __future__ import annotations

import fnmatch
import operator
from typing import Any

_MISSING = object()
_NUMERIC = {"<": operator.lt, "<=": operator.le, "=": operator.eq, ">=": operator.ge, ">": operator.gt}


def matches(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    for key, rule in pattern.items():
        value = event.get(key, _MISSING) if isinstance(event, dict) else _MISSING
        if isinstance(rule, dict):
            if key == "$or":
                continue
            if not isinstance(value, dict) or not matches(rule, value):
                return False
        elif key == "$or":
            if not any(matches(alt, event) for alt in rule):
                return False
        elif not _field(rule, value):
            return False
    return True


def _field(filters: list[Any], value: Any) -> bool:
    values = value if isinstance(value, list) else [value]
    for f in filters:
        if isinstance(f, dict):
            if "exists" in f:
                if (value is not _MISSING) == bool(f["exists"]):
                    return True
                continue
            if value is not _MISSING and any(_one(f, v) for v in values):
                return True
        elif value is not _MISSING and any(v == f for v in values):
            return True
    return False


def _one(f: dict[str, Any], v: Any) -> bool:
    (op, arg), = f.items()
    if op == "prefix":
        return isinstance(v, str) and (v.lower().startswith(arg["equals-ignore-case"].lower())
                                       if isinstance(arg, dict) else v.startswith(arg))
    if op == "suffix":
        return isinstance(v, str) and (v.lower().endswith(arg["equals-ignore-case"].lower())
                                       if isinstance(arg, dict) else v.endswith(arg))
    if op == "equals-ignore-case":
        return isinstance(v, str) and v.lower() == str(arg).lower()
    if op == "wildcard":
        return isinstance(v, str) and fnmatch.fnmatchcase(v, arg)
    if op == "numeric":
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            return False
        return all(_NUMERIC[arg[i]](v, arg[i + 1]) for i in range(0, len(arg), 2))
    if op == "anything-but":
        if isinstance(arg, dict):
            return not _one(arg, v)
        return v not in (arg if isinstance(arg, list) else [arg])
    raise ValueError(f"event pattern filter {op!r} is not supported")
