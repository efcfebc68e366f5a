"""A seeded flights CSV shaped like nycflights13 (336,776 departures from EWR, JFK and LGA in 2013).

Every row is valid; ~2.5 % are cancelled (no departure, arrival or air time), as in the original.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROWS = 336_776
CARRIERS = ["UA", "B6", "EV", "DL", "AA", "MQ", "US", "9E", "WN", "VX", "FL", "AS", "F9", "YV", "HA", "OO"]
ORIGINS = ["EWR", "JFK", "LGA"]
DESTS = ["ATL", "ORD", "LAX", "BOS", "MCO", "CLT", "SFO", "FLL", "MIA", "DCA", "DTW", "DFW", "RDU", "TPA", "DEN",
         "IAH", "MSP", "PBI", "BNA", "LAS", "SJU", "IAD", "BUF", "PHX", "CLE", "STL", "MDW", "SEA", "CMH", "PIT",
         "MSY", "SLC", "RSW", "BWI", "JAX", "SAN", "IND", "CVG", "MKE", "HOU", "AUS", "SAT", "PDX", "RIC", "ROC"]


def _hhmm(minutes: np.ndarray) -> np.ndarray:
    m = minutes % 1440
    return (m // 60) * 100 + m % 60


def table(rows: int = ROWS, seed: int = 2013) -> pa.Table:
    rng = np.random.default_rng(seed)
    day_of_year = rng.integers(0, 365, rows)
    date = np.datetime64("2013-01-01") + day_of_year.astype("timedelta64[D]")
    sched = rng.integers(5 * 60, 23 * 60, rows)  # minutes after midnight
    delay = np.rint(rng.gamma(0.6, 25.0, rows) - 8).astype(np.int64)
    duration = rng.integers(40, 400, rows)
    arr_delay = delay + rng.integers(-20, 15, rows)
    cancelled = rng.random(rows) < 0.025
    nullable = lambda values: pa.array(values, mask=cancelled)  # noqa: E731
    months = (date.astype("datetime64[M]") - date.astype("datetime64[Y]")).astype(int) + 1
    days = (date - date.astype("datetime64[M]")).astype(int) + 1
    hour = date.astype("datetime64[s]") + (sched // 60 * 3600).astype("timedelta64[s]")
    return pa.table({
        "flight_id": pa.array(np.arange(1, rows + 1)),
        "year": pa.array(np.full(rows, 2013)),
        "month": pa.array(months),
        "day": pa.array(days),
        "dep_time": nullable(_hhmm(sched + delay)),
        "sched_dep_time": pa.array(_hhmm(sched)),
        "dep_delay": nullable(delay),
        "arr_time": nullable(_hhmm(sched + delay + duration)),
        "sched_arr_time": pa.array(_hhmm(sched + duration)),
        "arr_delay": nullable(arr_delay),
        "carrier": pa.array(CARRIERS).take(pa.array(rng.integers(0, len(CARRIERS), rows))),
        "flight": pa.array(rng.integers(1, 8500, rows)),
        "tailnum": pc.binary_join_element_wise("N", pc.cast(pa.array(rng.integers(100, 999, rows)), pa.string()),
                                               pa.array(["UA", "JB", "EV", "DL"]).take(
                                                   pa.array(rng.integers(0, 4, rows))), ""),
        "origin": pa.array(ORIGINS).take(pa.array(rng.integers(0, len(ORIGINS), rows))),
        "dest": pa.array(DESTS).take(pa.array(rng.integers(0, len(DESTS), rows))),
        "air_time": nullable(duration - 20),
        "distance": pa.array(duration * 7 + 40),
        "time_hour": pc.strftime(pa.array(hour), format="%Y-%m-%dT%H:%M:%SZ"),
    })


def generate(path: Path, rows: int = ROWS, seed: int = 2013) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table(rows, seed), str(path), pacsv.WriteOptions(quoting_style="none"))
    return rows
