"""Point the lake's table references in SQL at the stage's namespace (lake/namespace.py).

Users write ``finance_ods.expenses``; in a stage with catalog prefix ``dev_`` the table lives in
``dev_finance_ods``. The statement is read with sqlglot's tokenizer for its engine and only the database
identifiers are replaced, so the rest of the text (engine-specific syntax sqlglot might re-spell) runs
as written. A database is resolved the way the engines do: identifiers are case-insensitive in Athena and
Spark, quoted or not (Glue stores lower case), so ``"FINANCE_ODS".x`` is ``finance_ods.x``; a catalog may
be written before it (``awsdatacatalog.`` on Athena, ``spark_catalog.`` on Spark, ``lake.`` locally).
Rewritten: ``<db>.<table>`` (and Spark's ``<db>.<table>.<metadata table>``, and ``<db>.<table>.<column>``
references), the database of namespace statements (``CREATE NAMESPACE <db>``, ``SHOW TABLES IN <db>``),
and the ``table => '<db>.<table>'`` argument of Iceberg procedure calls. Not rewritten: a CTE named like
a database (``WITH finance_ods AS (...)`` and its ``finance_ods.col``), string literals elsewhere (a
``table_name = 'finance_ods.x'`` filter on ``platform.runs`` means the logical name).
"""

from __future__ import annotations

import re
from collections.abc import Collection

from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import Token, TokenType

from lake.namespace import current_prefix, is_lake_database

LAKE_CATALOGS = frozenset({"awsdatacatalog", "spark_catalog", "lake"})
_NAMES = (TokenType.VAR, TokenType.IDENTIFIER, TokenType.STRING)  # Spark tokenizes "x" as a STRING
_NAMESPACE_WORDS = frozenset({"NAMESPACE", "DATABASE", "SCHEMA", "EXISTS", "IN", "FROM", "USE", "LIKE"})
_NAMESPACE_STATEMENTS = frozenset({"CREATE", "DROP", "SHOW", "USE", "DESCRIBE", "ALTER"})
_CALL_TABLE = re.compile(r"(\btable\s*=>\s*')([^'.]+)(\.[^']*')", re.IGNORECASE)


def _is_name(tok: Token | None, dialect: str) -> bool:
    if tok is None or tok.token_type not in _NAMES:
        return False
    # A Spark STRING token may be a double-quoted identifier; a single-quoted one is a literal.
    return tok.token_type != TokenType.STRING or dialect == "spark"


def _cte_names(tokens: list[Token]) -> set[str]:
    """``name AS (`` right after WITH (or RECURSIVE) or a comma: the statement's CTEs."""
    out = set()
    for i, tok in enumerate(tokens[1:-2], start=1):
        prev, nxt, after = tokens[i - 1], tokens[i + 1], tokens[i + 2]
        if (prev.token_type in (TokenType.WITH, TokenType.COMMA) or prev.text.upper() == "RECURSIVE") \
                and nxt.token_type == TokenType.ALIAS and after.token_type == TokenType.L_PAREN:
            out.add(tok.text.lower())
    return out


def _rename_calls(sql: str, prefix: str, databases: Collection[str] | None) -> str:
    def one(m: re.Match[str]) -> str:
        db = m.group(2)
        return f"{m.group(1)}{prefix}{db}{m.group(3)}" if _lake(db.lower(), databases) else m.group(0)
    return _CALL_TABLE.sub(one, sql)


def _lake(name: str, databases: Collection[str] | None) -> bool:
    return name in databases if databases is not None else is_lake_database(name)


def qualify(sql: str, dialect: str, prefix: str | None = None, databases: Collection[str] | None = None) -> str:
    """``sql`` with the lake's databases in the stage's namespace (``dialect``: "trino"/"athena" or "spark");
    the text unchanged when the stage has no prefix. ``databases``: the logical database names to rewrite
    (default: every ``<zone>_<layer>`` and ``platform``)."""
    p = current_prefix() if prefix is None else prefix
    if not p:
        return sql
    dialect = "trino" if dialect == "athena" else dialect
    engine = Dialect.get_or_raise(dialect)
    tokens, offset = engine.tokenize(sql), 0
    first = tokens[0].text.upper() if tokens else ""
    if tokens and tokens[0].token_type in (TokenType.COMMAND, TokenType.SHOW):
        if first == "CALL":
            return _rename_calls(sql, p, databases)
        # SHOW, USE ...: sqlglot keeps the rest as one string; read that rest as tokens of its own
        offset = tokens[0].end + 1
        tokens = [tokens[0], *engine.tokenize(sql[offset:])]
    ctes = _cte_names(tokens)
    edits: list[tuple[int, int, str]] = []
    for i, tok in enumerate(tokens):
        name = tok.text.lower()
        if not _is_name(tok, dialect) or name in ctes or not _lake(name, databases):
            continue
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        after_dot = prev is not None and prev.token_type == TokenType.DOT
        if nxt is not None and nxt.token_type == TokenType.DOT:
            # <db>.x, or <catalog>.<db>.x for a lake catalog; never <something>.<db>.x (a table or column)
            if after_dot and not (i >= 2 and tokens[i - 2].text.lower() in LAKE_CATALOGS):
                continue
        elif after_dot or first not in _NAMESPACE_STATEMENTS or prev is None \
                or prev.text.upper() not in _NAMESPACE_WORDS:
            continue  # a lone name is a database only in a namespace statement
        at = tok.start + (offset if i else 0)
        quoted = sql[at] in "\"`'"
        start, end = (at + 1, at + tok.end - tok.start) if quoted else (at, at + tok.end - tok.start + 1)
        edits.append((start, end, p + sql[start:end].lower()))
    for start, end, text in reversed(edits):
        sql = sql[:start] + text + sql[end:]
    return sql
