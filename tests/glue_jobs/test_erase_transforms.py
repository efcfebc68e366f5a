"""The predicate that finds a subject's rows in an Iceberg table, built from facts alone."""

from __future__ import annotations

from lake.tasks.erase.transforms import key_text, predicate, sql_string

COLUMNS = {"expense_id": "bigint", "employee_email": "string", "description": "string", "_ingest_id": "string",
           "amount": "decimal(12,2)"}


def build(**over: object) -> str | None:
    args: dict = dict(columns=COLUMNS, treatments={"employee_email": "hash"}, hashes={"h1", "h2"},
                      value="dana.lee@example.com", fold_case=True, key_columns=["expense_id", "_ingest_id"],
                      keys=set(), pattern=None)
    return predicate(**{**args, **over})


def test_hashed_columns_match_every_stored_hash() -> None:
    assert build() == "(`employee_email` IN ('h1', 'h2'))"


def test_plain_columns_compare_trimmed_and_case_folded() -> None:
    assert build(treatments={"employee_email": None}) == \
        "(lower(trim(CAST(`employee_email` AS STRING))) = 'dana.lee@example.com')"


def test_masked_rows_are_found_by_their_staged_keys_and_text_by_mentions() -> None:
    got = build(treatments={"employee_email": "mask"}, keys={key_text([5, "i-1"])}, pattern="(?i)x\\.y")
    assert got == ("(concat_ws(chr(31), CAST(`expense_id` AS STRING), CAST(`_ingest_id` AS STRING)) IN "
                   "('5\x1fi-1')) OR (`description` RLIKE '(?i)x\\\\.y') OR (`_ingest_id` RLIKE '(?i)x\\\\.y')")
    assert "employee_email` RLIKE" not in got  # a masked value cannot mention anyone


def test_nothing_to_look_for_is_none_and_literals_are_escaped() -> None:
    assert build(treatments={}, pattern=None) is None
    assert sql_string("it's a \\ test") == "'it\\'s a \\\\ test'"
