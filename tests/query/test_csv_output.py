"""``--format csv``: a cell a spreadsheet would run as a formula is written as text (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pyarrow as pa
import pytest

from lake.output import write


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_get_a_leading_quote(value: str) -> None:
    out = io.StringIO()
    write([pa.RecordBatch.from_pylist([{"note": value, "amount": Decimal("-5.00")}])], "csv", out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows == [["note", "amount"], ["'" + value, "-5.00"]]  # numbers are numbers: written as they are


def test_plain_text_and_the_header_are_checked_too() -> None:
    out = io.StringIO()
    write([pa.RecordBatch.from_pylist([{"=cmd": "a=b", "n": None}])], "csv", out)
    assert list(csv.reader(io.StringIO(out.getvalue()))) == [["'=cmd", "n"], ["a=b", ""]]
