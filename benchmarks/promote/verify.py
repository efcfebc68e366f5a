"""Every run must have produced the same table: checked with DuckDB, independently of Spark.

    python -m benchmarks.promote.verify <sources.json>     (prints one ``RESULT {...}`` line)

Per run: row count, distinct keys, a checksum over every non-PII column, the number of raw
e-mail addresses left, and, where e-mails are hashed, whether a sample of them equals the
HMAC-SHA256 of the raw address (from DuckDB's result) under that lake home's zone key.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

FINGERPRINT = (
    "SELECT count(*), count(DISTINCT expense_id), sum(hash(expense_id, epoch_us(submitted_at), amount::VARCHAR, "
    "cost_center_id, category, currency, expense_date, approved, description, _ingest_id, "
    "epoch_us(_ingested_at)))::VARCHAR, count(*) FILTER (WHERE employee_email LIKE '%@%') FROM {}")
SAMPLE = ("SELECT t.employee_email, r.employee_email FROM (SELECT expense_id, employee_email FROM {} "
          "WHERE expense_id % 997 = 0) t JOIN {} r USING (expense_id)")


def fingerprints(sources: dict[str, dict], raw: str) -> dict:
    from lake.pii import hmac_hex
    from lake.query.duck import connect

    con = connect()
    con.execute("SET enable_progress_bar = false")  # it writes to stdout, where the answer goes
    out = {}
    for side, src in sources.items():
        rows, keys, checksum, raw_emails = con.execute(FINGERPRINT.format(src["scan"])).fetchone()
        out[side] = {"rows": rows, "keys": keys, "checksum": checksum, "raw_emails": raw_emails}
        if src.get("key"):
            key = bytes.fromhex(Path(src["key"]).read_text().strip())
            pairs = con.execute(SAMPLE.format(src["scan"], raw)).fetchall()
            out[side]["hmac_sample"] = len(pairs)
            out[side]["hmac_mismatches"] = sum(h != (hmac_hex(key, e) if e is not None else None) for h, e in pairs)
    return out


if __name__ == "__main__":
    spec = json.loads(Path(sys.argv[1]).read_text())
    print("RESULT " + json.dumps(fingerprints(spec["sources"], spec["raw"])))
