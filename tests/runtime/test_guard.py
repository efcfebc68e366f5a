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
    import lake.runtime.run

    def crash(ctx, zone):  # noqa: ANN001, ANN202
        raise RuntimeError("An error occurred while calling o123.sql.\n: org.apache.iceberg...")

    monkeypatch.setattr(lake.runtime.run, "run", crash)
    home = tmp_path / "home"
    assert main(["run", "--zone", "finance", "--home", str(home), "--config", str(ZONES)]) == 1
    err = capsys.readouterr().err
    assert "lake run: failed: An error occurred while calling o123.sql." in err and "Traceback" not in err
    runs = Context.local(home, ZONES).records.rows("runs")
    assert [(r["task"], r["zone"], r["status"]) for r in runs] == [("promotion", "finance", "failed")]
    alerts = [json.loads(line) for line in (home / "platform" / "alerts.jsonl").read_text().splitlines()]
    assert [(a["zone"], a["context"]["run_id"]) for a in alerts] == [("finance", runs[0]["run_id"])]
    assert FileLocks(home / "platform" / "locks").holder("zone:finance") is None
