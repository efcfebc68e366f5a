"""Done when: inserts, bulk updates, deletes and a restart (after a crash between the durable write
and the acknowledgement) end with ODS equal to the source table, row by row."""

from __future__ import annotations

import pytest

from lake.cdc.source import Slot
from lake.local.run import run
from lake.runtime import runlog
from tests.cdc.conftest import Source
from tests.cdc.helpers import expected, insert, ods

pytestmark = [pytest.mark.slow, pytest.mark.spark]


class Crash(Exception):
    pass


def test_changes_and_a_crash_before_the_ack_end_with_ods_equal_to_the_source(
        source: Source, spark, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001 - spark: start it first
    src = source
    insert(src, 1, 5)  # rows from before the slot: they come with its snapshot
    assert src.cdc("--create-slot", "--until-idle", "1") == 0

    insert(src, 6, 30)
    insert(src, 31, 60)
    src.sql("UPDATE applications SET stage = 'screen' WHERE application_id % 3 = 0")  # bulk; updated_at untouched
    src.sql("DELETE FROM applications WHERE application_id % 7 = 0")
    acked = src.confirmed()

    # The process dies right after its first durable write, before telling the server.
    real_ack = Slot.ack

    def dying_ack(self: Slot, lsn: int, now: bool = True) -> None:
        if now:
            raise Crash("killed between the durable write and the acknowledgement")
        real_ack(self, lsn, now)

    monkeypatch.setattr(Slot, "ack", dying_ack)
    with pytest.raises(Crash):
        src.cdc("--until-idle", "1")
    monkeypatch.undo()
    assert src.confirmed() == acked  # nothing acknowledged: the server will resend all of it
    written = sorted(p.name for p in (src.home / "ingress").rglob("0*.jsonl"))

    # More change while it is down, then the restart, in small batches (cut inside transactions).
    src.sql("UPDATE applications SET stage = 'interview' WHERE application_id % 5 = 0")
    src.sql("DELETE FROM applications WHERE application_id BETWEEN 40 AND 45")
    insert(src, 100, 110)
    src.sql("UPDATE applications SET application_id = 1002 WHERE application_id = 2")  # the key itself changes
    assert src.cdc("--until-idle", "1", "--batch-rows", "7") == 0
    assert src.confirmed() > acked
    resent = sorted(set(p.name for p in (src.home / "ingress").rglob("0*.jsonl")) - set(written))
    [crashed] = written  # the one batch the crashed run wrote (the snapshot's files are named snapshot-*)
    # The server resent from the last acknowledged position: the restart's first batch starts
    # at the same change as the one written before the crash (cut shorter, so another object).
    assert resent[0].split("-")[0] == crashed.split("-")[0]

    report = run(src.ctx())
    assert report.ok
    got, want = ods(src), expected(src)
    assert len(want) == 5 + 55 - 8 - 5 + 11  # inserted, minus deleted (7s, then 40..45 less 42)
    assert got == want

    tasks = [(r["task"], r["status"]) for r in runlog.runs(src.ctx()) if r["task"].startswith("cdc")]
    assert ("cdc", "failed") in tasks and tasks[-1] == ("cdc", "succeeded")
    assert tasks.count(("cdc_batch", "succeeded")) >= 4
