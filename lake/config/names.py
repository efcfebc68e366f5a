"""Names that become table names: a zone is a Glue database prefix (``<zone>_ods``), a dataset or
projection a Glue/Athena/Iceberg table. Checked at ``lake validate`` so a name that the catalog
would refuse, or that every query would have to quote, never reaches a deployment.

Rules (the strictest of Glue, Athena and Iceberg on Glue): lower-case ASCII letters, digits and
``_``, starting with a letter (Athena needs quoting otherwise, Glue lower-cases silently); no
Athena reserved word; short enough that the longest derived name fits (Glue database and
table names: 255; a zone name also prefixes IAM roles and Athena workgroups, 64 characters).
"""

from __future__ import annotations

import re

_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
ZONE_MAX = 32  # "<zone>_analytics" and "lake-<zone>-..." role and workgroup names stay within AWS limits
TABLE_MAX = 128

# Athena's reserved keywords (DDL and DML lists of the Athena user guide, "Reserved keywords").
RESERVED = frozenset({
    "all", "alter", "and", "array", "as", "authorization", "between", "bigint", "binary", "boolean", "both",
    "by", "case", "cast", "char", "column", "commit", "constraint", "create", "cross", "cube", "current",
    "current_catalog", "current_date", "current_path", "current_role", "current_schema", "current_time",
    "current_timestamp", "current_user", "cursor", "database", "date", "dayofweek", "deallocate", "decimal",
    "delete", "describe", "distinct", "div", "double", "drop", "else", "end", "escape", "except", "exchange",
    "execute", "exists", "extended", "external", "extract", "false", "fetch", "float", "floor", "following",
    "for", "foreign", "from", "full", "function", "grant", "group", "grouping", "having", "if", "import", "in",
    "inner", "insert", "int", "integer", "intersect", "interval", "into", "is", "join", "json_array",
    "json_exists", "json_object", "json_query", "json_table", "json_value", "lateral", "left", "less", "like",
    "listagg", "local", "localtime", "localtimestamp", "macro", "map", "more", "natural", "none", "normalize",
    "not", "null", "numeric", "of", "on", "only", "or", "order", "out", "outer", "over", "partialscan",
    "partition", "percent", "preceding", "precision", "prepare", "preserve", "primary", "procedure", "range",
    "reads", "recursive", "reduce", "references", "regexp", "revoke", "right", "rlike", "rollback", "rollup",
    "row", "rows", "select", "set", "skip", "smallint", "start", "table", "tablesample", "then", "time",
    "timestamp", "to", "transform", "trigger", "trim", "true", "truncate", "uescape", "unbounded", "union",
    "uniquejoin", "unnest", "update", "user", "using", "utc_timestamp", "values", "varchar", "views", "when",
    "where", "window", "with",
})


def name_problem(name: str, kind: str, limit: int = TABLE_MAX) -> str | None:
    """Why ``name`` cannot be the ``kind`` (zone, dataset, projection) part of a table name, or None."""
    if not _IDENTIFIER.fullmatch(name):
        return (f"{kind} name '{name}' cannot be a table name: use lower-case letters, digits and '_', "
                "starting with a letter")
    if len(name) > limit:
        return f"{kind} name '{name[:40]}...' is {len(name)} characters long; at most {limit} fit a table name"
    if name in RESERVED:
        return f"{kind} name '{name}' is a reserved word in Athena SQL; choose another name"
    return None
