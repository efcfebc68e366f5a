"""The converters, value by value: fast paths and the strict paths behind them agree."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from lake.config import Column, parse_type
from lake.ingest.coerce import coerce
from lake.ingest.temporal import date_regex


def run(typ: str, values: list, fmt: str | None = None, required: bool = False, tz: str = "UTC"):
    out = coerce(pa.array(values, pa.string()), Column("c", parse_type(typ), required=required, input_format=fmt), tz)
    errors = out.errors.to_pylist() if out.errors is not None else [None] * len(values)
    return out.values.to_pylist(), errors


def test_dates_in_the_declared_format_strictly():
    values, errors = run("date", ["03/01/2024", "3/1/2024", "02/29/2024", "02/30/2024", "02/31/2023",
                                  "03/01/24", "2024-03-01", "", None], fmt="MM/dd/yyyy")
    assert values[:3] == [date(2024, 3, 1), date(2024, 3, 1), date(2024, 2, 29)]
    assert values[3:] == [None] * 6
    assert errors == [None, None, None, "not a valid calendar date", "not a valid calendar date",
                      "not a date in format MM/dd/yyyy", "not a date in format MM/dd/yyyy", None, None]


def test_date_patterns_translate_to_regexes():
    assert date_regex("dd.MM.yyyy") == r"^(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})$"
    assert date_regex("MMM d, yyyy") is None
    values, _ = run("date", ["31.12.2024"], fmt="dd.MM.yyyy")
    assert values == [date(2024, 12, 31)]


def test_timestamps_with_offsets_become_utc_and_naive_ones_take_the_contract_zone():
    values, errors = run("timestamp", ["2024-03-01T10:15:00+02:00", "2024-03-01T10:15:00Z",
                                       "2024-03-01 10:15:00.5", "2024-03-01T10:15:00+0530", "yesterday"],
                         tz="America/New_York")
    assert values[:4] == [datetime(2024, 3, 1, 8, 15, tzinfo=UTC), datetime(2024, 3, 1, 10, 15, tzinfo=UTC),
                          datetime(2024, 3, 1, 15, 15, 0, 500000, tzinfo=UTC),
                          datetime(2024, 3, 1, 4, 45, tzinfo=UTC)]
    assert errors[:4] == [None] * 4 and errors[4].startswith("not an ISO-8601 timestamp")


@pytest.mark.parametrize("text, expected", [("true", True), ("FALSE", False), ("Yes", True), ("nO", False),
                                            ("1", True), ("0", False), (" yes ", True), ("", None)])
def test_booleans_in_any_case(text, expected):
    assert run("boolean", [text]) == ([expected], [None])


def test_a_bad_boolean():
    assert run("boolean", ["y", "true"]) == ([None, True], ["not a boolean (true/false/yes/no/1/0)", None])


def test_decimals_are_exact_and_bounded():
    values, errors = run("decimal(12,2)", ["0.10", "1234567890.12", "12.345", "12.340", "12345678901.00",
                                           "1e2", "1,5", "NaN"])
    assert values[:2] == [Decimal("0.10"), Decimal("1234567890.12")]
    assert values[3] == Decimal("12.34") and values[5] == Decimal("100.00")
    assert errors == [None, None, "more than 2 decimal places for decimal(12,2)", None,
                      "too many digits for decimal(12,2)", None, "not a decimal number", "not a decimal number"]


def test_integers_and_their_ranges():
    values, errors = run("smallint", ["32767", "32768", "-32769", "12.0", " 7 "])
    assert values == [32767, None, None, None, 7]
    assert errors == [None, "out of range for smallint (-32768..32767)", "out of range for smallint (-32768..32767)",
                      "not an integer", None]


def test_integers_with_a_leading_plus_sign():
    """Athena reads CAST('+3' AS INTEGER) as 3 (and DuckDB's CSV reader too): never "out of range"."""
    values, errors = run("int", ["+3", "-4", "+0", "+2147483648", "++1", "+"])
    assert values == [3, -4, 0, None, None, None]
    assert errors == [None, None, None, "out of range for int (-2147483648..2147483647)", "not an integer",
                      "not an integer"]


def test_required_values_missing_or_blank():
    assert run("string", ["a", "", "  ", None], required=True)[1] == \
        [None] + ["required value is missing"] * 3
    assert run("bigint", ["1", "", None], required=True)[1] == [None] + ["required value is missing"] * 2


def test_strings_are_untouched():
    assert run("string", ["  padded  ", "MiXeD", "ü"])[0] == ["  padded  ", "MiXeD", "ü"]
