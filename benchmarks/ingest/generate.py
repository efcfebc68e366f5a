"""A seeded ``finance/expenses`` CSV of any size, built column-wise with Arrow (1 GB in ~20 s).

Every row is valid (the baseline, a plain typed pyarrow read, cannot survive a bad one), with
the variety real exports have: mixed-case yes/no/true/false/1/0, several UTC offsets, quoted
descriptions with commas, empty optional fields.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

CHUNK = 250_000
CATEGORIES = ["travel", "meals", "lodging", "software", "equipment", "other"]
CURRENCIES = ["USD", "EUR", "GBP", "JPY", "CHF"]
BOOLS = ["yes", "no", "true", "false", "1", "0", "Yes", "NO", "TRUE", "False"]
OFFSETS = ["Z", "+00:00", "+01:00", "-05:00", "+05:30", "-08:00"]
# Written as CSV text already: quoted only where a value needs it, as most exporters do.
NOTES = ["", "Taxi to airport", '"Team lunch, 4 people"', '"Hotel, two nights"', "Monitor", "Annual licence renewal",
         '"Conference ""Data 2024"""', "Train"]


def _chunk(rng: np.random.Generator, start: int, n: int) -> dict[str, pa.Array]:
    ids = np.arange(start, start + n, dtype=np.int64)
    pick = lambda values, size=n: pa.array(values).take(pa.array(rng.integers(0, len(values), size)))  # noqa: E731
    cents = rng.integers(0, 500_000, n)
    whole = pc.cast(pa.array(cents // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(cents % 100), pa.string()), width=2, padding="0")
    day = pa.array(rng.integers(19_000, 19_800, n).astype("datetime64[D]").astype("datetime64[s]"))
    secs = pa.array((rng.integers(19_000 * 86_400, 19_800 * 86_400, n)).astype("datetime64[s]"))
    emails = pc.binary_join_element_wise(pc.cast(pa.array(rng.integers(1, 50_000, n)), pa.string()),
                                         pa.scalar("@example.com"), "")
    return {
        "expense_id": pc.cast(pa.array(ids), pa.string()),
        "employee_email": pc.binary_join_element_wise("employee", emails, ""),
        "cost_center_id": pc.binary_join_element_wise("CC-", pc.cast(pa.array(rng.integers(100, 999, n)), pa.string()),
                                                      ""),
        "category": pick(CATEGORIES),
        "amount": pc.binary_join_element_wise(whole, frac, "."),
        "currency": pick(CURRENCIES),
        "expense_date": pc.strftime(day, format="%m/%d/%Y"),
        "submitted_at": pc.binary_join_element_wise(pc.strftime(secs, format="%Y-%m-%dT%H:%M:%S"), pick(OFFSETS), ""),
        "approved": pick(BOOLS),
        "description": pick(NOTES),
    }


def generate(path: Path, target_bytes: int, seed: int = 20240301) -> int:
    """Write the CSV; returns its row count."""
    rng = np.random.default_rng(seed)
    rows = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with pa.OSFile(str(path), "wb") as sink:
        while sink.tell() < target_bytes:
            cols = _chunk(rng, rows + 1, CHUNK)
            if rows == 0:
                sink.write((",".join(cols) + "\n").encode())
            lines = pc.binary_join_element_wise(*cols.values(), ",")
            text = pc.binary_join_element_wise(lines, pa.scalar("\n"), "")  # each row, newline-terminated
            _, offsets, data = text.buffers()
            ends = np.frombuffer(offsets, dtype=np.int32)[[0, len(text)]]
            sink.write(data[int(ends[0]):int(ends[1])])  # the rows, back to back
            rows += CHUNK
    return rows
