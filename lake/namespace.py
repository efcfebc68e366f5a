"""A stage's catalog namespace: every account+region-wide catalog name the lake sets, built here.

The Glue databases (``<zone>_staging``, ``<zone>_ods``, ``<zone>_analytics``, ``platform``) and the
Lake Formation tag keys (``zone``, ``layer``, ``sensitivity``, ``shared_with_<zone>``) are one set per
account and region. Two stages in one account and region keep apart by a prefix on each of them
(``dev_finance_ods``, ``dev_sensitivity``); a stage alone in its account and region, and the local
runtime, use no prefix. Users and the zone config always write the plain (logical) names:
``finance_ods.expenses``; the physical name is derived at the engine boundary (Glue and Lake Formation
API calls, Spark on Glue, Athena) from ``LAKE_CATALOG_PREFIX``, which infra sets on every Lambda
function and Glue job of a namespaced stage.
"""

from __future__ import annotations

import os
import re

from lake.config.names import ZONE_MAX

ENV = "LAKE_CATALOG_PREFIX"
LAYERS = ("staging", "ods", "analytics")
PLATFORM = "platform"
ZONE_TAG, LAYER_TAG, SENSITIVITY_TAG, SHARED_TAG = "zone", "layer", "sensitivity", "shared_with_"
# The lake keeps every catalog name within 64 characters (Lake Formation tag keys allow 128, Glue
# database names 255; 64 also fits the IAM and Athena names a database name ends up in). The
# longest names are ``<prefix>shared_with_<zone>`` and ``<prefix><zone>_analytics``.
NAME_MAX = 64
PREFIX_MAX = NAME_MAX - ZONE_MAX - max(len(SHARED_TAG), len("_analytics"))
_PREFIX = re.compile(r"[a-z][a-z0-9_]*_")
_LAKE_DATABASE = re.compile(rf"[a-z][a-z0-9_]*_({'|'.join(LAYERS)})|{PLATFORM}")


class NamespaceError(ValueError):
    pass


def prefix_problem(prefix: str) -> str | None:
    """Why ``prefix`` cannot be a catalog prefix, or None ("" is the plain namespace)."""
    if prefix == "":
        return None
    if not _PREFIX.fullmatch(prefix):
        return (f"catalog prefix {prefix!r} must be lower-case letters, digits and '_', start with a letter "
                "and end with '_' (e.g. 'dev_')")
    if len(prefix) > PREFIX_MAX:
        return (f"catalog prefix {prefix!r} is {len(prefix)} characters long; at most {PREFIX_MAX} keep "
                f"'<prefix>shared_with_<zone>' within {NAME_MAX} characters for a {ZONE_MAX}-character zone name")
    return None


def current_prefix() -> str:
    """The prefix of the stage this process runs in (``LAKE_CATALOG_PREFIX``; unset: plain names)."""
    value = os.environ.get(ENV, "")
    problem = prefix_problem(value)
    if problem:
        raise NamespaceError(f"{ENV}: {problem}")
    return value


def _p(prefix: str | None) -> str:
    return current_prefix() if prefix is None else prefix


def database(zone: str, layer: str, prefix: str | None = None) -> str:
    """The Glue database of a zone's layer: ``finance_ods``, or ``dev_finance_ods`` in a namespaced stage."""
    if layer not in LAYERS:
        raise ValueError(f"no readable layer {layer!r} (one of {', '.join(LAYERS)})")
    return f"{_p(prefix)}{zone}_{layer}"


def platform_database(prefix: str | None = None) -> str:
    return f"{_p(prefix)}{PLATFORM}"


def is_lake_database(name: str) -> bool:
    """Whether a plain (logical) database name is one the lake owns: ``<zone>_<layer>`` or ``platform``."""
    return bool(_LAKE_DATABASE.fullmatch(name))


def physical_database(logical: str, prefix: str | None = None) -> str:
    """A logical database name as the stage's catalog holds it; other databases are left alone."""
    return f"{_p(prefix)}{logical}" if is_lake_database(logical) else logical


def physical_table(logical: str, prefix: str | None = None) -> str:
    """``finance_ods.expenses`` -> ``dev_finance_ods.expenses`` (a name with no database is left alone)."""
    db, dot, rest = logical.partition(".")
    return f"{physical_database(db, prefix)}.{rest}" if dot else logical


def logical_database(physical: str, prefix: str | None = None) -> str | None:
    """The logical name of one of this stage's databases; None for a database of another namespace."""
    p = _p(prefix)
    if not physical.startswith(p):
        return None
    name = physical[len(p):]
    return name if is_lake_database(name) else None


def logical_table(physical: str, prefix: str | None = None) -> str:
    """``dev_finance_ods.expenses`` -> ``finance_ods.expenses``; names outside the namespace unchanged."""
    db, dot, rest = physical.partition(".")
    logical = logical_database(db, prefix) if dot else None
    return f"{logical}.{rest}" if logical else physical


def tag_key(key: str, prefix: str | None = None) -> str:
    """An LF-tag key (``zone``, ``layer``, ``sensitivity``) as the stage's catalog holds it."""
    return f"{_p(prefix)}{key}"


def shared_with(zone: str, prefix: str | None = None) -> str:
    """The LF-tag key a table published to ``zone`` carries: ``shared_with_<zone>``, prefixed."""
    return f"{_p(prefix)}{SHARED_TAG}{zone}"


def own_table(physical: str, prefix: str | None = None) -> str | None:
    """The logical name of a table of this stage's namespace; None for any other table (deny by default:
    a namespaced stage's job never reads another stage's ``finance_ods.x``)."""
    db, dot, rest = physical.partition(".")
    logical = logical_database(db, prefix) if dot else None
    return f"{logical}.{rest}" if logical else None
