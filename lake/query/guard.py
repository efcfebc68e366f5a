"""The statement-level part of the query check: queries only, and none of DuckDB's own functions that
reach files, settings or the catalog. Each refusal reads ``access denied: ...`` like a forbidden table.
(Which tables a query reads is checked by ``lake.query.engine`` with ``real_tables``.)"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from lake.query.grants import AccessDenied

# DuckDB functions that reach files, settings or the catalog directly: never from a query.
FORBIDDEN_FUNCTIONS = ("read_", "iceberg_", "parquet_", "glob", "sniff_", "duckdb_", "pragma_", "query",
                       "delta_", "sqlite_", "postgres_", "mysql_", "getenv", "getvariable", "current_setting",
                       "which_secret", "identifier", "table", "load_", "install_", "json_execute", "sql_")
# The first word of every statement: queries only (ATTACH, COPY, SET, PRAGMA, INSTALL ... are refused).
_QUERY_START = {TokenType.SELECT, TokenType.WITH, TokenType.VALUES, TokenType.L_PAREN, TokenType.FROM,
                TokenType.TABLE, TokenType.SEMICOLON}


def statement_tokens(sql: str, who: str) -> list[Token]:
    """The statement's tokens, once every statement in it (comments skipped) is known to be a query.
    Raises sqlglot's TokenError for text that is not SQL at all."""
    tokens = sqlglot.tokenize(sql, read="trino")
    for i, t in enumerate(tokens):
        if (i == 0 or tokens[i - 1].token_type == TokenType.SEMICOLON) and t.token_type not in _QUERY_START:
            raise AccessDenied(f"access denied: {who} cannot run {t.text.upper()} statements: "
                               "only queries (SELECT, WITH, VALUES) run here")
    return tokens


def _denied_call(who: str, name: str) -> AccessDenied:
    return AccessDenied(f"access denied: {who} cannot call {name}: DuckDB's file, setting and catalog "
                        "functions are not available (Athena has none)")


def check_calls(tokens: list[Token], who: str) -> None:
    """For a statement sqlglot cannot parse: a forbidden function call is still denied, not 'invalid'."""
    for t, nxt in zip(tokens, tokens[1:], strict=False):
        if nxt.token_type == TokenType.L_PAREN and t.token_type != TokenType.STRING \
                and t.text.lower().startswith(FORBIDDEN_FUNCTIONS):
            raise _denied_call(who, t.text.lower())


def check_functions(tree: exp.Expression, who: str) -> None:
    for f in tree.find_all(exp.Func):
        name = (f.name if isinstance(f, exp.Anonymous) else f.sql_name()).lower()
        if name.startswith(FORBIDDEN_FUNCTIONS):
            raise _denied_call(who, name)
