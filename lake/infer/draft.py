"""The draft ODCS v3.1 contract: what the sample shows, written so ``lake validate`` accepts it unchanged.

What the sample cannot show is left for the steward and said in the notes: descriptions, the key
when none is unique, whether a proposed PII column really is personal data, freshness.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from lake.config.contract import ODCS_API_VERSION
from lake.infer.keys import candidate_keys
from lake.infer.pii import likely_pii
from lake.infer.read import Columns

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_LATEST = re.compile(r"(updated|modified|changed|submitted|last_seen|ingested)(_at|_on|_ts|_time)?$")


@dataclass
class Draft:
    doc: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # what the steward should review
    keys: list[tuple[str, ...]] = field(default_factory=list)  # candidate keys, best first
    pii: dict[str, str] = field(default_factory=dict)  # column -> what it seems to hold

    def yaml(self, source: str) -> str:
        head = (f"# Drafted by `lake infer` from {source}. Review it before use: descriptions, the key,\n"
                "# the PII columns and how they are treated, and a freshness SLA (slaProperties).\n")
        notes = "".join(f"#  - {n}\n" for n in self.notes)
        body = yaml.safe_dump(self.doc, sort_keys=False, allow_unicode=True, width=110)
        return head + (f"# Notes:\n{notes}" if notes else "") + body


def _property(name: str, cols: Columns, key: tuple[str, ...], pii: str | None) -> dict[str, Any]:
    t = cols.types[name]
    nulls = sum(v is None for v in cols.values[name])
    prop: dict[str, Any] = {"name": name, "logicalType": t.logical, "physicalType": t.physical}
    if t.input_format:
        prop["logicalTypeOptions"] = {"format": t.input_format}
    if nulls == 0 and cols.rows:
        prop["required"] = True
    if name in key:
        prop["primaryKey"] = True
        prop["primaryKeyPosition"] = key.index(name) + 1
    if pii:
        prop["classification"] = "pii"
        if pii == "email" and t.physical == "string":
            prop["customProperties"] = [{"property": "subject", "value": "person_email"}]
    described = f"{cols.rows - nulls} of {cols.rows} sampled values present"
    prop["description"] = f"TODO: describe. ({described}{'; likely ' + pii if pii else ''})"
    return prop


def draft(cols: Columns, zone: str, dataset: str) -> Draft:
    keys = candidate_keys(cols.values, {n: t.physical for n, t in cols.types.items()}, cols.rows)
    key = keys[0] if keys else ()
    pii = {n: what for n in cols.names
           if (what := likely_pii(n, [v for v in cols.values[n] if v], cols.types[n].physical))}
    out = Draft({}, keys=keys, pii=pii)
    if key:
        others = ", ".join("+".join(k) for k in keys[1:6])
        out.notes.append(f"primary key {'+'.join(key)}: unique and never null in the {cols.rows} sampled rows"
                         + (f" (also unique: {others})" if others else ""))
    else:
        out.notes.append("no column (or pair) is unique in the sample: mark the key (primaryKey) by hand; "
                         "lake validate needs one")
    for n in cols.names:
        if note := cols.types[n].note:
            out.notes.append(f"{n}: {note}")
        if not _IDENTIFIER.match(n):
            out.notes.append(f"{n}: not a plain SQL name; queries must quote it (\"{n}\")")
    if pii:
        out.notes.append("likely PII, hashed before ODS: " + ", ".join(f"{c} ({w})" for c, w in pii.items()))
    if not cols.complete:
        out.notes.append(f"inferred from the first {cols.rows} rows only")
    props = [_property(n, cols, key, pii.get(n)) for n in cols.names]
    custom: list[dict[str, Any]] = [{"property": "format", "value": cols.format}]
    if cols.format == "csv" and cols.dialect is not None:
        csv_opts: dict[str, Any] = {"delimiter": cols.dialect.delimiter, "header": cols.dialect.header}
        if cols.dialect.quote != '"':
            csv_opts["quote"] = cols.dialect.quote
        if cols.dialect.escape:
            csv_opts["escape"] = cols.dialect.escape
        if cols.nulls:
            csv_opts["nullValues"] = ["", *cols.nulls]
        custom.append({"property": "csv", "value": csv_opts})
    if cols.format != "parquet":
        custom.append({"property": "encoding", "value": cols.encoding})
    latest = [n for n in cols.names if cols.types[n].physical == "timestamp" and _LATEST.search(n)]
    if latest and key:
        custom.append({"property": "latestWins", "value": latest[0]})
        out.notes.append(f"latestWins {latest[0]}: of two rows with one key, the later {latest[0]} wins")
    if pii:
        custom.append({"property": "pii", "value": {c: "hash" for c in pii}})
    out.doc = {
        "apiVersion": ODCS_API_VERSION, "kind": "DataContract", "id": f"{zone}.{dataset}", "name": dataset,
        "version": "0.1.0", "status": "draft", "domain": zone,
        "description": {"purpose": f"TODO: what {dataset} holds and who produces it."},
        "schema": [{"name": dataset, "logicalType": "object", "physicalType": "table",
                    "description": "TODO: what one row is.", "properties": props}],
        "customProperties": custom,
    }
    return out
