"""Starting and stopping ``lake cdc``: a source not set up is refused (exit 2), an unfinished
snapshot is not silently carried on from, SIGTERM writes and acknowledges the batch in hand."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from lake.cdc import snapshot
from lake.cdc.envelope import parse_lsn
from lake.cdc.source import Slot, Table
from tests.cdc.conftest import Source
from tests.cdc.helpers import insert
from tests.conftest import REPO


def test_a_source_not_set_up_is_refused(source: Source, capsys: pytest.CaptureFixture[str]) -> None:
    assert source.cdc() == 2
    assert "does not exist: run with --create-slot" in capsys.readouterr().err
    assert source.cdc("--create-slot", "--table", "public.nope") == 2
    assert "table public.nope not found" in capsys.readouterr().err
    source.sql("ALTER TABLE applications REPLICA IDENTITY DEFAULT")
    assert source.cdc("--create-slot") == 2
    assert "ALTER TABLE public.applications REPLICA IDENTITY FULL" in capsys.readouterr().err
    assert not source.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", source.slot)


def test_a_snapshot_cut_short_is_not_carried_on_from(source: Source, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    insert(source, 1, 3)

    def dies(*_: object) -> None:
        raise KeyboardInterrupt("killed while reading the snapshot")

    monkeypatch.setattr(snapshot, "snapshot_rows", dies)
    with pytest.raises(KeyboardInterrupt):
        source.cdc("--create-slot")
    monkeypatch.undo()
    assert source.cdc("--create-slot", "--until-idle", "0.5") == 2
    assert "initial snapshot of slot" in capsys.readouterr().err
    source.sql("SELECT pg_drop_replication_slot(%s)", source.slot)  # what the message tells the operator
    assert source.cdc("--create-slot", "--until-idle", "0.5") == 0
    assert sum(1 for r in source.ctx().ledger.records() if r.rows_staged == 3) == 1


def test_sigterm_writes_and_acknowledges_the_batch_in_hand(source: Source) -> None:
    assert source.cdc("--create-slot", "--until-idle", "0.5") == 0
    cmd = [sys.executable, "-m", "lake.cli", "cdc", "--home", str(source.home), "--config", str(source.config),
           "--dsn", source.dsn, "--zone", "customer_success", "--dataset", "applications", "--slot", source.slot,
           "--batch-seconds", "600"]  # tail mode; the batch would wait ten minutes
    proc = subprocess.Popen(cmd, env=os.environ | {"PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not source.sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = %s AND active", source.slot):
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.2)
        insert(source, 1, 4)
        end = source.sql("SELECT pg_current_wal_lsn()::text")[0][0]
        time.sleep(2)  # received, buffered, not written
        assert not list((source.home / "ingress").rglob("0*.jsonl"))
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "1 batch(es), 4 change(s)" in out
    assert source.confirmed() >= parse_lsn(end)
    assert [r.rows_staged for r in source.ctx().ledger.records() if r.outcome == "staged"] == [4]


def test_while_busy_the_slot_keeps_telling_the_server_where_it_is(source: Source) -> None:
    """Silence for wal_sender_timeout/2 makes the server send a keepalive mid-transaction, which
    psycopg2 may take as leave to acknowledge unwritten changes (see Slot): so no silence."""
    assert source.cdc("--create-slot", "--until-idle", "0.3") == 0
    slot = Slot(source.dsn, source.slot, Table("public", "applications"), status_interval=1.0)

    def reply_time() -> object:
        return source.sql("SELECT r.reply_time FROM pg_stat_replication r JOIN pg_replication_slots s "
                          "ON s.active_pid = r.pid WHERE s.slot_name = %s", source.slot)[0][0]

    try:
        slot.start()
        slot.poll(0.5)
        with slot.busy():  # not reading, as while a batch is written and ingested
            before = reply_time()
            time.sleep(2.5)
            assert reply_time() > before
    finally:
        slot.close()
