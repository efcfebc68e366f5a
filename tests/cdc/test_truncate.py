"""A TRUNCATE is reported and stops the stream in front of it; nothing after it is lost; the
operator's ``--on-truncate delete`` then brings ODS back to the source."""

from __future__ import annotations

import json

import pytest

from lake.local.run import run
from lake.runtime import runlog
from tests.cdc.conftest import Source
from tests.cdc.helpers import expected, insert, ods

pytestmark = [pytest.mark.slow, pytest.mark.spark]


def test_truncate_is_reported_then_resolved_by_the_operator(
        source: Source, spark, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: ANN001
    src = source
    assert src.cdc("--create-slot", "--until-idle", "1") == 0
    insert(src, 1, 10)
    src.sql("UPDATE applications SET stage = 'screen' WHERE application_id <= 3")
    # The classic reload: empty the table and fill it again in one transaction; then life goes on.
    src.sql("BEGIN; TRUNCATE applications; "
            "INSERT INTO applications VALUES (20, 'ACME-0', 'x20@example.org', 'applied', now()); COMMIT")
    insert(src, 30, 32, "offer")
    capsys.readouterr()

    assert src.cdc("--until-idle", "1") == 1
    err = capsys.readouterr().err
    assert "TRUNCATE of public.applications" in err and "--on-truncate delete" in err
    acked = src.confirmed()
    assert src.cdc("--until-idle", "1") == 1  # still there: nothing after it was acknowledged
    assert src.confirmed() == acked

    ctx = src.ctx()
    alerts = [json.loads(x) for x in (src.home / "platform" / "alerts.jsonl").read_text().splitlines()]
    told = [a["zone"] for a in alerts if "TRUNCATE" in a["subject"]]
    assert told.count("customer_success") == 1  # the owning zone was told once (downstream zones too)
    halted = [r for r in runlog.runs(ctx) if r["task"] == "cdc" and r["status"] == "halted"]
    assert len(halted) == 2 and "TRUNCATE" in halted[0]["error"]

    # Before the TRUNCATE, rows 1..10 reached the lake (staged, some promoted): all must go.
    assert run(ctx).ok
    assert set(ods(src)) == set(range(1, 11))

    assert src.cdc("--until-idle", "1", "--on-truncate", "delete") == 0
    assert src.confirmed() > acked
    assert run(src.ctx()).ok
    assert ods(src) == expected(src) and set(expected(src)) == {20, 30, 31, 32}
    assert not [r for r in src.ctx().records.rows("open_alerts") if r["cause"] == "source table truncated"]
