"""``lake.connect``: the same queries, from notebooks and scripts, under the same grants.

    import lake
    fin = lake.connect(zone="finance")                 # the zone's ordinary reader
    aud = lake.connect(principal="finance_auditor")    # a principal named in a zone.yaml
    fin.sql("SELECT category, sum(amount) AS total FROM finance_ods.expenses GROUP BY 1")  # pandas
    fin.table("finance_analytics.expense_summary", output="arrow")                        # pyarrow

Every call goes through the CLI's engine (``QueryEngine``): Athena SQL, the same table
checks, the same PII rules; nothing here opens a table by another path. A connection returns
results only (pandas or Arrow), never the DuckDB connection, the engine or a relation (which
could run any SQL), and what it may read is fixed when it opens.

This protects the API. Python code in the same process can still dig objects out of memory, and
anyone who can read the lake home's files can read them without ``lake`` at all: isolation against
such users is the file system's (or AWS's) job. Even then the DuckDB connection underneath is locked
(external access off except the granted tables' folders, configuration frozen).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa

from lake.query.engine import QueryEngine, QueryError

Output = Literal["pandas", "arrow"]
_TABLE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")


class Connection:
    __slots__ = ("_query", "_tables", "_who")
    _query: Callable[[str], pa.Table]
    _tables: tuple[str, ...]
    _who: str

    def __init__(self, engine: QueryEngine):
        # Only a function that returns Arrow results is kept, not the engine: no attribute leads to a
        # connection, and the readable tables are a frozen copy taken now.
        def run(sql: str) -> pa.Table:
            return engine.arrow(sql)

        object.__setattr__(self, "_query", run)
        object.__setattr__(self, "_tables", tuple(sorted(engine.readable)))
        object.__setattr__(self, "_who", engine.grants.who)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a lake connection cannot be changed after it opens: connect again")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("a lake connection cannot be changed after it opens: connect again")

    def __reduce__(self) -> Any:
        raise TypeError("a lake connection cannot be pickled or copied: connect again")

    def __repr__(self) -> str:
        return f"<lake connection as {self._who}>"

    def tables(self) -> tuple[str, ...]:
        """Every table this connection may read."""
        return self._tables

    def sql(self, query: str, output: Output = "pandas") -> Any:
        """Run one Athena (Trino) statement; a pandas DataFrame or an Arrow table."""
        if output not in ("pandas", "arrow"):
            raise ValueError(f"output must be pandas or arrow, not {output!r}")
        table: pa.Table = self._query(query)
        return table if output == "arrow" else table.to_pandas()

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
