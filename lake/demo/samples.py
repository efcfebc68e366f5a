"""Deterministic sample files (seeded), good and bad, as producers would drop them.

Each file is written exactly as the producing system exports it: US dates, ISO-8601
timestamps with offsets, yes/no booleans, CDC envelopes for applications.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

CATEGORIES = ["travel", "meals", "lodging", "software", "equipment", "other"]
DEPARTMENTS = {"CC-100": ("Platform", "Engineering"), "CC-110": ("Data", "Engineering"),
               "CC-200": ("Field Sales", "Sales"), "CC-210": ("Inside Sales", "Sales"),
               "CC-300": ("Recruiting", "People"), "CC-400": ("Finance Ops", "Finance")}
REGIONS = ["NA", "EMEA", "APAC", "LATAM"]
INDUSTRIES = ["software", "retail", "health", "finance", "logistics"]
STAGES = ["applied", "screen", "interview", "offer", "hired", "rejected"]
EXPENSE_HEADER = ["expense_id", "employee_email", "cost_center_id", "category", "amount", "currency",
                  "expense_date", "submitted_at", "approved", "description"]


@dataclass(frozen=True)
class SampleFile:
    zone: str
    dataset: str
    path: Path
    expect: str  # "staged" | "partial" | "quarantined": what ingesting it must end as


def _bool(rng: random.Random, value: bool) -> str:
    return rng.choice(["true", "yes", "1", "TRUE", "Yes"] if value else ["false", "no", "0", "FALSE", "No"])


def expense_rows(rng: random.Random, ids: range, day: datetime) -> list[list[str]]:
    rows = []
    for i in ids:
        when = day + timedelta(minutes=rng.randrange(0, 600))
        offset = timezone(timedelta(hours=rng.choice([-5, 0, 1, 2])))
        incurred = (day - timedelta(days=rng.randrange(0, 60))).date()
        rows.append([str(i), f"employee{rng.randrange(1, 40):02d}@example.com", rng.choice(list(DEPARTMENTS)),
                     rng.choice(CATEGORIES), f"{rng.randrange(500, 250000) / 100:.2f}",
                     rng.choice(["USD", "USD", "EUR", "GBP"]), incurred.strftime("%m/%d/%Y"),
                     when.astimezone(offset).isoformat(), _bool(rng, rng.random() < 0.8),
                     rng.choice(["", "client visit", "team offsite, Q3", 'conference "DataCon"'])])
    return rows


def _write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def generate(out: Path, seed: int = 7) -> list[SampleFile]:
    rng = random.Random(seed)
    day1 = datetime(2026, 11, 1, 8, tzinfo=UTC)
    files: list[SampleFile] = []

    cc_rows = [[cc, name, dept, f"owner.{cc.lower()}@example.com"] for cc, (name, dept) in DEPARTMENTS.items()]
    files.append(SampleFile("finance", "cost_centers", _write_csv(
        out / "cost_centers.csv", ["cost_center_id", "name", "department", "owner_email"], cc_rows), "staged"))

    batch1 = expense_rows(rng, range(1, 121), day1)
    files.append(SampleFile("finance", "expenses", _write_csv(out / "expenses_2026-11-01.csv", EXPENSE_HEADER, batch1),
                            "staged"))
    # Day 2: 40 new claims, 20 resubmissions (later submitted_at, new amounts), and 2 rows a
    # producer got wrong (an impossible date, a non-numeric amount): staged partly.
    batch2 = expense_rows(rng, range(121, 161), day1 + timedelta(days=1))
    resubmitted = expense_rows(rng, range(1, 21), day1 + timedelta(days=1))
    bad = expense_rows(rng, range(161, 163), day1 + timedelta(days=1))
    bad[0][6] = "13/45/2026"
    bad[1][4] = "12,5O"
    files.append(SampleFile("finance", "expenses", _write_csv(
        out / "expenses_2026-11-02.csv", EXPENSE_HEADER, batch2 + resubmitted + bad), "partial"))
    # A file exported with the wrong delimiter: the whole file is quarantined.
    files.append(SampleFile("finance", "expenses", _write_csv(
        out / "expenses_semicolon.csv", EXPENSE_HEADER, expense_rows(rng, range(200, 210), day1), ";"),
        "quarantined"))

    accounts = [{"account_id": f"ACME-{i:03d}", "name": f"Customer {i}", "industry": rng.choice(INDUSTRIES),
                 "employee_count": rng.randrange(10, 5000), "region": rng.choice(REGIONS),
                 "owner_email": f"csm{rng.randrange(1, 6)}@example.com",
                 "updated_at": (day1 + timedelta(hours=i)).isoformat().replace("+00:00", "Z")} for i in range(1, 21)]
    files.append(SampleFile("customer_success", "accounts", _write_jsonl(out / "accounts.jsonl", accounts), "staged"))

    changes, lsn = [], 1000
    for app_id in range(1, 61):
        row = {"application_id": app_id, "account_id": rng.choice(accounts)["account_id"],
               "candidate_email": f"candidate{app_id}@example.org", "stage": "applied",
               "updated_at": (day1 + timedelta(minutes=app_id)).isoformat()}
        lsn += 10
        changes.append({"op": "c", "lsn": lsn, "ts_ms": lsn, "before": None, "after": row})
        for stage in STAGES[1:rng.randrange(1, 6)]:
            before, row = row, {**row, "stage": stage}
            lsn += 10
            changes.append({"op": "u", "lsn": lsn, "ts_ms": lsn, "before": before, "after": row})
        if app_id % 15 == 0:  # withdrawn applications are deleted at the source
            lsn += 10
            changes.append({"op": "d", "lsn": lsn, "ts_ms": lsn, "before": row, "after": None})
    files.append(SampleFile("customer_success", "applications",
                            _write_jsonl(out / "applications_changes.jsonl", changes), "staged"))
    return files
