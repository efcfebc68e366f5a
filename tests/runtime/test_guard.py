"""Every outcome of a locked command is on record: a crash inside ``lake run`` is one failed run row
and one alert, said in one line (no Py4J traceback), and the locks are free again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lake.cli import main
from lake.runtime.context import Context
from lake.runtime.lock import FileLocks
from tests.conftest import ZONES


def test_a_crashing_run_is_recorded_alerted_once_and_releases_its_locks(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import lake.local.run

    def crash(ctx, zone, **_):  # noqa: ANN001, ANN003, ANN202
        raise RuntimeError("An error occurred while calling o123.sql.\n: org.apache.iceberg...")

    monkeypatch.setattr(lake.local.run, "run", crash)
    home = tmp_path / "home"
    assert main(["run", "--zone", "finance", "--home", str(home), "--config", str(ZONES)]) == 1
    err = capsys.readouterr().err
    assert "lake run: failed: An error occurred while calling o123.sql." in err and "Traceback" not in err
    runs = Context.local(home, ZONES).records.rows("runs")
    assert [(r["task"], r["zone"], r["status"]) for r in runs] == [("promotion", "finance", "failed")]
    alerts = [json.loads(line) for line in (home / "platform" / "alerts.jsonl").read_text().splitlines()]
    assert [(a["zone"], a["context"]["run_id"]) for a in alerts] == [("finance", runs[0]["run_id"])]
    assert FileLocks(home / "platform" / "locks").holder("zone:finance") is None


def test_forget_waits_for_running_ingests_and_ingests_for_a_running_forget(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from lake.runtime.lock import hold

    home = tmp_path / "home"
    args = ["--home", str(home), "--config", str(ZONES)]
    Context.local(home, ZONES)
    locks = home / "platform" / "locks"
    with hold(FileLocks(locks), [], "lake ingest", shared=["ingest"]):
        assert main(["forget", "--subject", "person_email=a@example.com", *args]) == 1
    assert "lake forget: a run is in progress (ingests are running; lock ingest)" in capsys.readouterr().err
    with hold(FileLocks(locks), ["ingest"], "lake forget"):
        assert main(["ingest", *args]) == 1
    assert "lake ingest: a run is in progress (pid " in capsys.readouterr().err
    runs = Context.local(home, ZONES).records.rows("runs")
    assert sorted((r["task"], r["status"]) for r in runs) == [("erase", "failed"), ("sweep", "failed")]
