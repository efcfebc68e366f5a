"""The twin's results against the local run's, section by section: each line says what was
compared and whether it matched, and if not, how it differed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lake.twin.results import Results


@dataclass
class Line:
    section: str
    item: str
    ok: bool
    detail: str = ""

    def __str__(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"  {'same   ' if self.ok else 'DIFFERS'} {self.section:<19} {self.item}{detail}"


def _diff(a: list[Any], b: list[Any], limit: int = 3) -> str:
    only_twin = [x for x in a if x not in b][:limit]
    only_local = [x for x in b if x not in a][:limit]
    parts = []
    if only_twin:
        parts.append(f"only in the twin {only_twin}")
    if only_local:
        parts.append(f"only locally {only_local}")
    return "; ".join(parts)


def compare(twin: Results, local: Results) -> list[Line]:
    lines: list[Line] = []
    for table in sorted(set(twin.tables) | set(local.tables)):
        t, loc = twin.tables.get(table), local.tables.get(table)
        if t is None or loc is None:
            lines.append(Line("table", table, False, "missing in the twin" if t is None else "missing locally"))
        else:
            lines.append(Line("table", table, t == loc, f"{len(t)} rows" if t == loc else
                              f"{len(t)} rows vs {len(loc)} locally; {_diff(t, loc)}"))
    for table in sorted(set(twin.rows_now) | set(local.rows_now)):
        # lake status's "rows" (read from the table's metadata on each side) is the rows the table holds
        tn, ln = twin.rows_now.get(table), local.rows_now.get(table)
        held = len(twin.tables[table]) if table in twin.tables else None
        ok = tn == ln == held or (held is None and tn == ln and tn in (None, 0))
        lines.append(Line("status rows", table, ok, f"{tn}" if ok else f"twin {tn}, local {ln}, table holds {held}"))
    for name in sorted(set(twin.quarantine_reports) | set(local.quarantine_reports)):
        t, loc = twin.quarantine_reports.get(name), local.quarantine_reports.get(name)
        lines.append(Line("quarantine report", name, t == loc,
                          "" if t == loc else ("missing in the twin" if t is None else
                                               "missing locally" if loc is None else "reports differ")))
    for source in sorted(set(twin.ledger) | set(local.ledger)):
        ts, ls = twin.ledger.get(source), local.ledger.get(source)
        lines.append(Line("ledger", source, ts == ls, f"{ts}" if ts == ls else f"twin {ts}, local {ls}"))
    # Which tables each task wrote, and how it ended. Runs that found nothing to do ("skipped") are
    # left out: on AWS every staged object starts a promotion, locally one `lake run` promotes all.
    tasks = sorted({k[0] for k in twin.runs} | {k[0] for k in local.runs})
    for task in tasks:
        t = sorted({k[1:] for k in twin.runs if k[0] == task and k[3] != "skipped"})
        loc = sorted({k[1:] for k in local.runs if k[0] == task and k[3] != "skipped"})
        lines.append(Line("platform.runs", task, t == loc, f"{len(t)} (zone, table, status)" if t == loc
                          else _diff(t, loc)))
    for q in sorted(set(twin.platform_runs) | set(local.platform_runs)):  # through each zone's workgroup
        t, loc = twin.platform_runs.get(q), local.platform_runs.get(q)
        lines.append(Line("athena platform.runs", q, t == loc, (f"{len(t)} rows" if isinstance(t, list) else str(t))
                          if t == loc else f"twin {_short(t)}, local {_short(loc)}"))
    for q in sorted(set(twin.queries) | set(local.queries)):
        t, loc = twin.queries.get(q), local.queries.get(q)
        lines.append(Line("athena", q[:90], t == loc, (f"{len(t)} rows" if isinstance(t, list) else str(t))
                          if t == loc else f"twin {_short(t)}, local {_short(loc)}"))
    lines.append(Line("alert recipients", "(recipient, alert)", twin.alerts == local.alerts,
                      f"{len(twin.alerts)} deliveries" if twin.alerts == local.alerts
                      else _diff(twin.alerts, local.alerts)))
    return lines


def _short(answer: Any) -> str:
    return f"{len(answer)} rows {answer[:2]}" if isinstance(answer, list) else str(answer)
