"""A renamed column is named in the drift warning or quarantine reason, abbreviations included."""

from __future__ import annotations

from lake.ingest.header import did_you_mean


def test_renames_that_abbreviate_are_hinted() -> None:
    assert did_you_mean(["qty", "id", "amount"], ["Quantity", "ident", "amount_usd"]) == \
        {"qty": "Quantity", "id": "ident", "amount": "amount_usd"}
    assert did_you_mean(["quantity"], ["qty"]) == {"quantity": "qty"}


def test_no_hint_from_unrelated_names() -> None:
    assert did_you_mean(["qty", "id", "x"], ["price", "day", "yz"]) == {}
    assert did_you_mean(["qty"], []) == {}
