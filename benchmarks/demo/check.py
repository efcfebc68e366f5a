"""The demo benchmark's correctness check: the answers `lake demo` printed are the lake's.

Each query table the demo printed must equal, character for character, what ``lake query`` prints for
the same SQL in the same zone, run afterwards as a new process on the same lake home; the zone
isolation check must have refused. And the ODS answer (claims, distinct ids, total amount of
``finance_ods.expenses``) must equal a reference DuckDB computes straight from the staged Parquet
files: the latest version of each claim by the contract's key and ordering column, the ingest order
breaking ties, as the promotion's latest-wins upsert defines it.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from benchmarks import figures

MARK = "  [lake query --zone "


def printed_tables(output: str) -> dict[str, tuple[str, str]]:
    """The demo's query sections: title -> (zone, the table as printed)."""
    out: dict[str, tuple[str, str]] = {}
    for block in output.split("\n== ")[1:]:
        head, _, body = block.partition("\n")
        if MARK in head:
            title, zone = head.split(MARK)
            out[title] = (zone.rstrip("]"), body.strip("\n"))
    return out


def ods_reference(home: Path) -> tuple[int, int, Decimal]:
    """(claims, distinct ids, total amount) of finance_ods.expenses, from the staged files with DuckDB."""
    from lake.config import load_config
    from lake.query.duck import connect

    ds = load_config(figures.REPO / "insight_zones").zones["finance"].datasets["expenses"]
    key, order = ds.primary_key, ds.options.latest_wins
    files = sorted(str(p) for p in (home / "staging" / "finance" / "expenses").rglob("*.parquet"))
    con = connect()
    # _ingested_at orders the ingests (the ledger's order); _row_number the rows within one file.
    ranked = (f"SELECT *, row_number() OVER (PARTITION BY {', '.join(key)} ORDER BY {order} DESC NULLS LAST, "
              f"_ingested_at DESC, _row_number DESC) AS _rank FROM read_parquet({files!r}, union_by_name=true)")
    row = con.sql(f"SELECT COUNT(*), COUNT(DISTINCT {key[0]}), SUM(amount) FROM ({ranked}) WHERE _rank = 1").fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), Decimal(str(row[2]))


def check(output: str, home: Path, env: dict) -> list[str]:
    """What differs (empty: the demo's answers are right)."""
    from lake.demo.run import QUERIES

    problems = []
    tables = printed_tables(output)
    if len(tables) != len(QUERIES):
        problems.append(f"the demo printed {len(tables)} query tables, not {len(QUERIES)}")
    for zone, title, sql in QUERIES:
        got = subprocess.run([sys.executable, "-m", "lake.cli", "query", "--home", str(home), "--zone", zone, sql],
                             cwd=figures.REPO, env=env, capture_output=True, text=True)
        printed = tables.get(title, ("", ""))
        if got.returncode or (zone, got.stdout.strip("\n")) != printed:
            problems.append(f"{title}: the demo printed\n{printed[1]}\nlake query printed ({got.returncode})\n"
                            f"{got.stdout}{got.stderr[-500:]}")
    if "access denied: zone executive cannot read finance_ods.expenses" not in output:
        problems.append("the zone isolation check did not refuse")
    ods = next((body for t, (_, body) in tables.items() if "Latest version of each claim" in t), "")
    values = ods.splitlines()[2].split("|") if len(ods.splitlines()) > 2 else []
    ref = ods_reference(home)
    if [v.strip() for v in values] != [str(x) for x in ref]:
        problems.append(f"ODS expenses: the demo printed {values}, DuckDB from staging gives {ref}")
    return problems
