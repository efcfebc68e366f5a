"""``lake.connect``: the same queries, from notebooks and scripts, under the same grants.

    import lake
    fin = lake.connect(zone="finance")                 # the zone's ordinary reader
    aud = lake.connect(principal="finance_auditor")    # a principal named in a zone.yaml
    fin.sql("SELECT category, sum(amount) AS total FROM finance_ods.expenses GROUP BY 1")  # pandas
    fin.table("finance_analytics.expense_summary", output="arrow")                        # pyarrow

Every call goes through the CLI's engine (``QueryEngine``): Athena SQL, the same table
checks, the same PII rules; nothing here opens a table by another path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa

from lake.query.engine import QueryEngine, QueryError

Output = Literal["pandas", "arrow", "relation"]
_TABLE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class Connection:
    def __init__(self, engine: QueryEngine):
        self.engine = engine

    def __repr__(self) -> str:
        return f"<lake connection as {self.engine.grants.who}>"

    def tables(self) -> list[str]:
        """Every table this connection may read."""
        return sorted(self.engine.readable)

    def sql(self, query: str, output: Output = "pandas") -> Any:
        """Run one Athena (Trino) statement; pandas DataFrame, Arrow table or DuckDB relation."""
        rel: duckdb.DuckDBPyRelation = self.engine.execute(query)
        if output == "relation":
            return rel
        table: pa.Table = rel.to_arrow_table()
        if output == "arrow":
            return table
        if output == "pandas":
            return table.to_pandas()
        raise ValueError(f"output must be pandas, arrow or relation, not {output!r}")

    def table(self, name: str, output: Output = "pandas") -> Any:
        """A whole table (as ``SELECT *``: PII columns only for PII readers)."""
        if not _TABLE.match(name):
            raise QueryError(f"name the table as <zone>_<layer>.<table>, not {name!r}")
        return self.sql(f"SELECT * FROM {name}", output)


def connect(zone: str | None = None, *, principal: str | None = None, home: str | Path | None = None,
            config: str | Path | None = None) -> Connection:
    """Query the local lake as ``zone``'s ordinary reader or as ``principal``."""
    from lake.runtime.context import Context

    ctx = Context.local(home, config)
    return Connection(QueryEngine(ctx.cfg, ctx.home, zone, principal=principal))
