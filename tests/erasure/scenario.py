"""The lake a person is forgotten from: the demo's sample flow plus files naming Dana Lee.

Dana is a claimant in finance (a plain CSV, a gzipped CSV with bad rows, a file quarantined for
its delimiter, a claim held back by a quality rule, two spellings of her address), a candidate in
customer success (CDC JSON lines, one application deleted at the source), and a badge holder in
a Parquet-fed test zone whose contract masks the address. Two other people's rows mention her
address in free text: they identify her too.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from lake.demo.samples import EXPENSE_HEADER, expense_rows

DANA = "dana.lee@example.com"
SPELLINGS = [DANA, " Dana.Lee@Example.COM"]  # as delivered: ODS hashed each exactly
KEYS = {"expenses": {900, 901, 902, 905, 906, 907, 908, 960}, "applications": {900, 901}, "badges": {1, 3}}
NAMED_FILE = f"{DANA}.csv"  # a producer named the file after her; Hal's row is in it too
NAMED_QUARANTINED = f"{DANA}.csv.gz"  # the same, semicolon-delimited: quarantined whole, report and all
HAL = 961
OPEN_STAGES = ("applied", "screen", "interview", "offer")

HR_ZONE = """zone: hr
description: Building access (test zone).
owners: [{name: Hana Ruiz, email: hana.ruiz@example.com}]
readers: [hr_analyst]
pii_readers: [hr_auditor]
"""
BADGES = """apiVersion: v3.1.0
kind: DataContract
id: hr.badges
name: badges
version: 1.0.0
status: active
domain: hr
schema:
  - name: badges
    logicalType: object
    physicalType: table
    properties:
      - {name: badge_id, logicalType: integer, physicalType: bigint, required: true, primaryKey: true}
      - name: holder_email
        logicalType: string
        physicalType: string
        classification: pii
        customProperties: [{property: subject, value: person_email}]
      - {name: site, logicalType: string, physicalType: string}
      - {name: note, logicalType: string, physicalType: string}
customProperties:
  - {property: format, value: parquet}
  - {property: pii, value: {holder_email: mask}}
"""


def config(zones: Path, out: Path) -> Path:
    shutil.copytree(zones, out)
    (out / "hr" / "datasets").mkdir(parents=True)
    (out / "hr" / "zone.yaml").write_text(HR_ZONE)
    (out / "hr" / "datasets" / "badges.yaml").write_text(BADGES)
    return out


def _row(i: int, email: str, **over: str) -> list[str]:
    row = dict(zip(EXPENSE_HEADER, [str(i), email, "CC-200", "travel", "120.00", "EUR", "11/04/2026",
                                    "2026-11-05T09:00:00+00:00", "yes", ""], strict=True))
    row.update(over)
    return [row[c] for c in EXPENSE_HEADER]


def _csv(rows: list[list[str]], delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(EXPENSE_HEADER)
    w.writerows(rows)
    return buf.getvalue().encode()


def files(out: Path) -> list[tuple[str, str, Path]]:
    """(zone, dataset, file) drops naming Dana, beside other people's rows."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    day = datetime(2026, 11, 5, 8, tzinfo=UTC)
    plain = expense_rows(rng, range(1000, 1020), day) + [
        _row(900, DANA), _row(901, SPELLINGS[1], amount="75.50"), _row(902, DANA, approved="no"),
        _row(907, "ann.other@example.com", description=f"dinner with {DANA}"),
        _row(908, DANA, category="gadgets")]  # held back in ODS by the category rule
    (out / "expenses_2026-11-05.csv").write_bytes(_csv(plain))
    ragged = _row(904, DANA)[:3] + ["extra", "fields", "here"] + _row(904, DANA)[3:]
    second = expense_rows(rng, range(1020, 1060), day) + [
        _row(900, DANA, amount="130.00", submitted_at="2026-11-06T09:00:00+00:00"), _row(905, DANA),
        ragged, _row(906, DANA, amount="12,5O")]
    (out / "expenses_2026-11-06.csv.gz").write_bytes(gzip.compress(_csv(second)))
    (out / "expenses_export_semicolon.csv").write_bytes(
        _csv([_row(950, DANA), _row(951, "bob.other@example.com")], ";"))
    app = {"account_id": "ACME-001", "stage": "applied", "updated_at": "2026-11-05T10:00:00+00:00"}
    changes = [
        {"op": "c", "lsn": 900001, "ts_ms": 1, "before": None, "after": {**app, "application_id": 900,
                                                                          "candidate_email": DANA}},
        {"op": "u", "lsn": 900002, "ts_ms": 2, "before": {**app, "application_id": 900, "candidate_email": DANA},
         "after": {**app, "application_id": 900, "candidate_email": DANA, "stage": "screen"}},
        {"op": "c", "lsn": 900003, "ts_ms": 3, "before": None, "after": {**app, "application_id": 901,
                                                                          "candidate_email": DANA}},
        {"op": "d", "lsn": 900004, "ts_ms": 4, "before": {**app, "application_id": 901, "candidate_email": DANA},
         "after": None},
        {"op": "c", "lsn": 900005, "ts_ms": 5, "before": None, "after": {**app, "application_id": 902,
                                                                          "candidate_email": "carl@example.org"}}]
    (out / "applications_2026-11-05.jsonl").write_text("".join(json.dumps(c) + "\n" for c in changes))
    badges = pa.table({"badge_id": pa.array([1, 2, 3, 4], pa.int64()),
                       "holder_email": [DANA, "eve@example.com", "finn@example.com", "gus@example.com"],
                       "site": ["HQ", "HQ", "Lab", "Lab"], "note": ["", "", f"escorts {DANA}", ""]})
    pq.write_table(badges, out / "badges.parquet")
    (out / NAMED_FILE).write_bytes(_csv([_row(960, DANA), _row(HAL, "hal.other@example.com")]))
    (out / NAMED_QUARANTINED).write_bytes(gzip.compress(
        _csv([_row(980, DANA), _row(981, "jo.other@example.com")], ";"), mtime=0))
    return [("finance", "expenses", out / NAMED_FILE),("finance", "expenses", out / "expenses_2026-11-05.csv"),
            ("finance", "expenses", out / "expenses_2026-11-06.csv.gz"),
            ("finance", "expenses", out / "expenses_export_semicolon.csv"),
            ("customer_success", "applications", out / "applications_2026-11-05.jsonl"),
            ("hr", "badges", out / "badges.parquet"),
            ("finance", "expenses", out / NAMED_QUARANTINED)]


def leftovers(home: Path) -> list[Path]:
    """What the flow never lists: a hidden file a producer left in ingress, a writer's temp file
    (killed before its rename) in staging and landing, a hidden note in the platform folder, and the
    data file of a promotion killed before its commit in a table she is not in."""
    staged = next(p for p in sorted((home / "staging" / "finance" / "expenses").rglob("*.parquet"))
                  if DANA in str(pq.read_table(p).to_pylist()).lower())
    landed = next(p for p in sorted((home / "landing" / "finance" / "expenses").rglob("*.csv"))
                  if DANA in p.read_text())
    made = [home / "ingress" / "finance" / "expenses" / ".claims-draft.csv",
            staged.with_name(f".{staged.name}.tmp"), landed.with_name(f".{landed.name}.tmp"),
            home / "platform" / ".notes",
            home / "warehouse" / "customer_success_ods" / "accounts" / "data" / "00000-0-killed-writer.parquet"]
    made[0].write_bytes(_csv([_row(970, DANA), _row(971, "ivy.other@example.com")]))
    shutil.copyfile(staged, made[1])
    shutil.copyfile(landed, made[2])
    made[3].write_text(f"call {DANA} about claim 900\nunrelated line\n")
    shutil.copyfile(staged, made[4])
    return made
