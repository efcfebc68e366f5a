"""wal2json format-2 messages -> change lines the validator reads (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from lake.cdc.envelope import Changes, Commit, Other, Truncate, decode, format_lsn, parse_lsn, value

TABLE = ("public", "applications")
NINE_UTC = "2026-11-01T09:00:00.000000Z"
NINE_UTC_MS = int(datetime(2026, 11, 1, 9, tzinfo=UTC).timestamp() * 1000)


def col(name: str, v: object, t: str = "text") -> dict:
    return {"name": name, "type": t, "value": v}


def row(app_id: int, stage: str, at: str = "2026-11-01 01:00:00-08") -> list[dict]:
    return [col("application_id", app_id, "bigint"), col("stage", stage),
            col("updated_at", at, "timestamp with time zone")]


def test_lsn_text_and_integer_round_trip() -> None:
    assert parse_lsn("0/15057C8") == 0x15057C8
    assert parse_lsn("1A/2") == (0x1A << 32) | 2
    assert format_lsn(parse_lsn("1A/FF00")) == "1A/FF00"


def test_values_keep_their_meaning() -> None:
    assert value("2026-11-01 01:00:00-08", "timestamp with time zone") == "2026-11-01T09:00:00.000000Z"
    assert value("2026-11-01 01:00:00.5+05:30", "timestamp(3) with time zone") == "2026-10-31T19:30:00.500000Z"
    assert value("2026-11-01 01:00:00", "timestamp without time zone") == "2026-11-01T01:00:00.000000"
    assert value("infinity", "timestamp with time zone") == "infinity"  # the validator quarantines it, visibly
    assert value("12", "bigint") == 12 and value(12, "integer") == 12
    assert value("t", "boolean") is True and value(False, "boolean") is False
    assert value("12.30", "numeric(10,2)") == "12.30"  # exact text, never a float
    assert value(None, "bigint") is None


def test_insert_update_delete() -> None:
    ins = decode({"action": "I", "lsn": "0/10", "timestamp": "2026-11-01 01:00:00-08", "schema": "public",
                  "table": "applications", "columns": row(1, "applied")}, TABLE, ["application_id"])
    assert isinstance(ins, Changes)
    assert ins.lines == [{"op": "c", "lsn": 16, "ts_ms": NINE_UTC_MS, "before": None,
                          "after": {"application_id": 1, "stage": "applied", "updated_at": NINE_UTC}}]
    # A bulk UPDATE that leaves updated_at alone (and a TOASTed value left out of the new row)
    upd = decode({"action": "U", "lsn": "0/20", "schema": "public", "table": "applications",
                  "columns": row(1, "screen")[:2], "identity": row(1, "applied")}, TABLE, ["application_id"])
    assert isinstance(upd, Changes) and [x["op"] for x in upd.lines] == ["u"]
    assert upd.lines[0]["after"] == {"application_id": 1, "stage": "screen", "updated_at": NINE_UTC}
    dele = decode({"action": "D", "lsn": "0/30", "schema": "public", "table": "applications",
                   "identity": row(1, "screen")}, TABLE, ["application_id"])
    assert isinstance(dele, Changes) and dele.lines[0]["op"] == "d" and dele.lines[0]["before"]["application_id"] == 1


def test_update_of_the_key_is_a_delete_and_a_create() -> None:
    ev = decode({"action": "U", "lsn": "0/40", "schema": "public", "table": "applications",
                 "columns": row(2, "applied"), "identity": row(1, "applied")}, TABLE, ["application_id"])
    assert isinstance(ev, Changes)
    assert [(x["op"], (x["before"] or x["after"])["application_id"]) for x in ev.lines] == [("d", 1), ("c", 2)]


def test_commit_truncate_and_the_rest() -> None:
    assert decode({"action": "C", "lsn": "0/50", "nextlsn": "0/78"}, TABLE, []) == Commit(0x78)
    t = decode({"action": "T", "lsn": "0/60", "schema": "public", "table": "applications"}, TABLE, [])
    assert t == Truncate(0x60, None, "public.applications")
    assert isinstance(decode({"action": "B"}, TABLE, []), Other)
    assert isinstance(decode({"action": "I", "lsn": "0/1", "schema": "public", "table": "other", "columns": []},
                             TABLE, []), Other)
